"""Translation under paced load: what it adds to a customer's message and how fast a
translated reply reaches the visitor.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/translation_bench.py                   # 200 msg/s, 15 s per phase
    .venv/bin/python bench/translation_bench.py --seconds 5 --warmup 1   # quick
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL) and REDIS_URL (redis://), like bench/messaging_bench.py,
whose preparation it reuses (its own database ``<name>_translation_bench``, dropped at
the end): one widget channel, M operators, N visitors each with an active session, the
dialogs' language Russian, the operators' English.

A LibreTranslate-shaped server (``tests/translation/libre_server.py``) runs on loopback
in a process of its own and answers every request after ``--provider-ms`` (50 ms).

For each mode, ``off`` (``TRANSLATION_PROVIDER=none``) then ``on`` (``libretranslate``
pointed at that server), a fresh Daphne process starts, visitors and operators connect
to it, and two phases run, open loop, at ``--rate`` messages a second:

1. customers: visitors send Russian text; measured from the send to the operator's
   ``message.created`` (shown untranslated first), and, with translation on, to its
   ``message.updated`` (the translation);
2. replies: operators send English replies on their socket; measured from the send to
   the visitor's ``message`` frame, counting those that arrive translated.

Targets: the customers' p99 with translation on exceeds the one off by less than 5 ms;
replies with translation on arrive translated with p99 under the provider's latency +
20 ms. Loopback only; every phase is bounded in time; what it starts it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import paced  # noqa: E402
from bench.messaging_bench import (  # noqa: E402
    Daphne,
    Prepared,
    bench_database_url,
    connect_all,
    database_create,
    database_drop,
    pct,
    prepare,
    product_env,
)

RUSSIAN = "Здравствуйте, где мой заказ номер {n}? Доставка обещана на сегодня."
ENGLISH = "Hello, your order {n} is on the way."


@dataclass
class Phase:
    sent: dict[str, int] = field(default_factory=dict)  # client_id -> send time (ns)
    shown_ms: list[float] = field(default_factory=list)
    updated_ms: list[float] = field(default_factory=list)
    translated: int = 0
    seen: set[str] = field(default_factory=set)
    measuring: bool = False
    measured: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)

    def record(self, client_id: str, into: list[float]) -> None:
        at = self.sent.get(client_id)
        if at is not None and client_id in self.measured:
            into.append((time.monotonic_ns() - at) / 1e6)

    def summary(self) -> dict[str, Any]:
        return {
            "sent": len(self.measured),
            "delivered": len(self.shown_ms),
            "p50_ms": round(pct(self.shown_ms, 50), 2),
            "p99_ms": round(pct(self.shown_ms, 99), 2),
            "max_ms": round(max(self.shown_ms), 2) if self.shown_ms else float("nan"),
            "translated": self.translated,
            "translation_p50_ms": round(pct(self.updated_ms, 50), 2),
            "translation_p99_ms": round(pct(self.updated_ms, 99), 2),
            "errors": self.errors,
        }


def provider_start(delay_s: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.translation.libre_server", "--delay", str(delay_s)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.terminate()
        raise RuntimeError("the loopback provider did not start")
    return process, url


def sessions_of(prep: Prepared, operators: int) -> list[tuple[int, int]]:
    """(session id, operator index) per visitor, and the dialogs made Russian."""
    from inbox.models import Dialog, Session

    Dialog.objects.filter(pk__in=prep.visitor_dialogs).update(language="ru", language_fixed=True)
    by_dialog = dict(
        Session.objects.filter(dialog_id__in=prep.visitor_dialogs).values_list("dialog_id", "pk")
    )
    return [(by_dialog[d], i % operators) for i, d in enumerate(prep.visitor_dialogs)]


async def reader(ws: Any, on_frame: Any, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            raw = await asyncio.wait_for(ws.recv(), 0.5)
        except TimeoutError:
            continue
        except Exception:
            return
        on_frame(json.loads(raw))


async def run_mode(prep: Prepared, port: int, args: argparse.Namespace, on: bool) -> dict:
    sessions = sessions_of_cache
    visitors = await connect_all(
        [f"ws://127.0.0.1:{port}/ws/widget/{prep.key}/?token={t}" for t in prep.visitor_tokens],
        None,
        "welcome",
    )
    operators = await connect_all(
        [f"ws://127.0.0.1:{port}/ws/operator/"] * len(prep.operator_tokens),
        [
            {"Authorization": f"Token {t}", "Origin": "http://localhost"}
            for t in prep.operator_tokens
        ],
        "hello",
    )
    customers, replies = Phase(), Phase()

    def on_operator(frame: dict[str, Any]) -> None:
        message = frame.get("message") or {}
        client_id = message.get("client_id") or ""
        kind, contact = frame.get("type"), message.get("sender_type") == "contact"
        if kind == "error":
            code = str(frame.get("code"))
            replies.errors[code] = replies.errors.get(code, 0) + 1
        if kind == "message.created" and contact and client_id not in customers.seen:
            customers.seen.add(client_id)
            customers.record(client_id, customers.shown_ms)
        translated = message.get("translation_status") == "translated"
        if kind == "message.updated" and translated and contact:
            customers.translated += client_id in customers.measured
            customers.record(client_id, customers.updated_ms)

    def on_visitor(frame: dict[str, Any]) -> None:
        message = frame.get("message") or {}
        client_id = message.get("client_id") or ""
        if frame.get("type") == "message" and client_id not in replies.seen:
            replies.seen.add(client_id)
            replies.record(client_id, replies.shown_ms)
            if message.get("translations"):
                replies.translated += client_id in replies.measured

    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(reader(ws, on_operator, stop)) for ws in operators]
    tasks += [asyncio.ensure_future(reader(ws, on_visitor, stop)) for ws in visitors]

    async def customer_send(pair: int, seq: int) -> None:
        client_id = str(uuid.uuid4())
        customers.sent[client_id] = time.monotonic_ns()
        if customers.measuring:
            customers.measured.add(client_id)
        text = RUSSIAN.format(n=client_id[:8])  # never the same text: no cache hit
        await visitors[pair].send(
            json.dumps({"type": "message", "text": text, "client_id": client_id})
        )

    async def reply_send(pair: int, seq: int) -> None:
        client_id = str(uuid.uuid4())
        replies.sent[client_id] = time.monotonic_ns()
        if replies.measuring:
            replies.measured.add(client_id)
        session_id, operator = sessions[pair]
        frame = {
            "type": "message",
            "session": session_id,
            "text": ENGLISH.format(n=client_id[:8]),
            "client_id": client_id,
        }
        await operators[operator].send(json.dumps(frame))

    pairs = len(visitors)
    for phase, send, rate in (
        (customers, customer_send, args.rate),
        (replies, reply_send, args.reply_rate),
    ):
        await paced(rate, args.warmup, pairs, send)
        phase.measuring = True
        await paced(rate, args.seconds, pairs, send)
        phase.measuring = False
        await asyncio.sleep(args.drain)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for ws in visitors + operators:
        await ws.close()
    return {
        "translation": "on" if on else "off",
        "customers": customers.summary(),
        "replies": replies.summary(),
    }


sessions_of_cache: list[tuple[int, int]] = []


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=200, help="customers' messages a second")
    parser.add_argument("--reply-rate", type=int, default=50, help="operators' replies a second")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--drain", type=float, default=2, help="seconds to wait for the last frames"
    )
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--provider-ms", type=float, default=50)
    parser.add_argument("--threads", type=int, default=16, help="TRANSLATION_THREADS")
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL.")
    if not redis_url.startswith("redis://"):
        sys.exit("REDIS_URL must be a redis:// URL.")

    admin_url, bench_url, name = bench_database_url(database_url)
    bench_url = bench_url.replace("_messaging_bench", "_translation_bench")
    name = name.replace("_messaging_bench", "_translation_bench")
    env = product_env(bench_url, redis_url)
    log_dir = Path(tempfile.mkdtemp(prefix="translation-bench-"))
    provider, provider_url = provider_start(args.provider_ms / 1000)
    database_create(admin_url, name)
    results: dict[str, Any] = {"args": vars(args), "modes": []}
    try:
        prep = prepare(env, args.visitors, args.operators, 0)
        sessions_of_cache.extend(sessions_of(prep, args.operators))
        for on in (False, True):
            mode_env = dict(env, TRANSLATION_THREADS=str(args.threads))
            if on:
                mode_env.update(TRANSLATION_PROVIDER="libretranslate", TRANSLATION_URL=provider_url)
            else:
                mode_env["TRANSLATION_PROVIDER"] = "none"
            daphne = Daphne(mode_env, log_dir, "on" if on else "off")
            try:
                result = asyncio.run(run_mode(prep, daphne.port, args, on))
            finally:
                daphne.stop()
            results["modes"].append(result)
            print(json.dumps(result), flush=True)
        verdict(results, args)
    finally:
        provider.terminate()
        provider.wait(timeout=10)
        database_drop(admin_url, name)
    print(json.dumps({"verdict": results["verdict"]}, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


def verdict(results: dict[str, Any], args: argparse.Namespace) -> None:
    off, on = results["modes"]
    added = on["customers"]["p99_ms"] - off["customers"]["p99_ms"]
    replies = on["replies"]
    results["verdict"] = {
        "customers_added_p99_ms": round(added, 2),
        "customers_ok": added < 5 and on["customers"]["delivered"] == on["customers"]["sent"],
        "replies_p99_ms": replies["p99_ms"],
        "replies_translated": f"{replies['translated']}/{replies['sent']}",
        "replies_ok": replies["p99_ms"] < args.provider_ms + 20
        and replies["translated"] == replies["sent"] == replies["delivered"],
    }


if __name__ == "__main__":
    main()
