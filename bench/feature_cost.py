"""The features' CPU cost: the same chat, side by side, plain and with everything on,
in CPU seconds per message of the product's processes.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/feature_cost.py                      # 200 msg/s, 20 s, A B A B
    .venv/bin/python bench/feature_cost.py --seconds 8 --reps 1  # quick
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL) and REDIS_URL (redis://). Each mode has a database of
its own next to DATABASE_URL's (``<name>_feature_plain``, ``<name>_feature_full``),
prepared by ``bench/messaging_bench.py``'s preparation (one widget channel, M operators
online), and dropped at the end.

- **plain**: no bot, an empty knowledge base, translation off
  (``TRANSLATION_PROVIDER=none``);
- **full**: a bot on the channel (mode ``always``) that greets and hands off to the
  operators at once, so the conversation goes on with an operator; the knowledge base of
  ``--kb`` (the FAQ dataset's ``kb.json``) loaded, so the prompter suggests articles for
  every customer message; translation on (``libretranslate`` pointed at
  ``tests/translation/libre_server.py`` on loopback, answering in ``--provider-ms``),
  the dialogs in Russian and the operators in English.

A run of a mode: a Celery worker (the prompter's matching runs there, as in
production) and two Daphne processes (visitors on one, operators on the other), fresh
each time. Every visitor of the run opens its conversation with "hi" (in full mode the
bot answers and hands off; the run waits until every session is with an operator), then
``bench/messaging_bench.py``'s step sends ``--rate`` messages a second, open loop: 200
characters of a Russian customer question from the FAQ dataset's ``dev.jsonl`` around a
timestamp. Measured: the CPU seconds of the Daphnes and the worker (all its processes),
PostgreSQL's and Redis's apart, and not the load generator's nor the fake provider's,
from the step's start until they are idle again (so that work a busy machine pushes
past the step is counted), per message of the step (warm-up included); the same over
the measured ``--seconds`` alone is reported beside it; latency, loss, order and rows
as in that step.

Runs alternate plain, full, plain, full (``--reps`` pairs); the ratio full / plain of
the median CPU per message is the figure (issue 18's target: at most 1.20).

Loopback only; every phase is bounded in time; what it starts it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import messaging_bench as mb  # noqa: E402
from bench.common import (  # noqa: E402
    Worker,
    collector_paused,
    paced,
    process_stats,
    servers_from_env,
)
from bench.scale_out import service_pids  # noqa: E402
from bench.translation_bench import provider_start  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "faq"
# where the FAQ dataset is not beside the project (a clean clone, CI): the demo's
# knowledge base, whose Russian phrasings are then the customers' questions
DEMO_KB = ROOT / "kb" / "fixtures" / "demo_kb.json"
MODES = ("plain", "full")


def handoff_flow() -> dict[str, Any]:
    return {
        "start": "hello",
        "nodes": {
            "hello": {"type": "message", "text": "Hello! I am the shop's bot.", "next": "pass"},
            "pass": {"type": "handoff", "text": "Connecting you to an operator."},
        },
    }


def prepare_mode(mode: str, visitors: int, operators: int, kb_path: str) -> dict[str, Any]:
    """In a process of its own (Django is set up once per process, on one database):
    migrates and fills this mode's database; returns what the runs need."""
    mb._knowledge_base_load = lambda: None  # the knowledge base is the mode's choice
    env = mb.product_env(os.environ["DATABASE_URL"], os.environ["REDIS_URL"])
    prep = mb.prepare(env, 0, operators, 0)
    from inbox.models import Channel, Dialog
    from inbox.services import widget_visitor_create

    channel = Channel.objects.get(key=prep.key)
    made = [widget_visitor_create(channel=channel, name=f"Visitor {i}") for i in range(visitors)]
    if mode == "full":
        from bots.models import BotMode
        from bots.services import flows
        from kb.services import articles

        flows.bot_create(
            name="hand-off", flow=handoff_flow(), channels=[channel], mode=BotMode.ALWAYS
        )
        articles.articles_import(items=json.loads(Path(kb_path).read_text(encoding="utf-8")))
        Dialog.objects.filter(channel=channel).update(language="ru", language_fixed=True)
    return {
        "key": prep.key,
        "operator_tokens": prep.operator_tokens,
        "visitor_tokens": [token for _visitor, token in made],
        "visitor_dialogs": [visitor.dialog_id for visitor, _token in made],
    }


def prepared(mode: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--prepare", mode]
    command += ["--visitors", str(args.visitors * args.reps), "--operators", str(args.operators)]
    command += ["--kb", args.kb]
    out = subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def sessions_with_operator(database_url: str, dialogs: list[int]) -> int:
    import psycopg

    with psycopg.connect(mb.psycopg_url(database_url)) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT dialog_id) FROM inbox_session WHERE dialog_id = ANY(%s) "
            "AND status = 'active' AND operator_id IS NOT NULL",
            [dialogs],
        ).fetchone()
    return int(row[0]) if row else 0


async def open_conversations(
    ports: tuple[int, int], prep: mb.Prepared, database_url: str, rate: float
) -> dict[str, Any]:
    """The operators connect (an operator is routed to while a socket of theirs is
    open); every visitor says "hi"; waits (at most 60 s) until every session is with an
    operator (in full mode after the bot's hand-off); then every visitor asks once more,
    so that the worker's first matching (its index built) is behind it."""
    operators = await mb.connect_all(
        [f"ws://127.0.0.1:{ports[1]}/ws/operator/"] * len(prep.operator_tokens),
        [
            {"Authorization": f"Token {t}", "Origin": "http://127.0.0.1"}
            for t in prep.operator_tokens
        ],
        "hello",
    )
    urls = [
        f"ws://127.0.0.1:{ports[0]}/ws/widget/{prep.key}/?token={t}" for t in prep.visitor_tokens
    ]
    sockets = await mb.connect_all(urls, None, "welcome")
    texts = ["Здравствуйте", "Где мой заказ? Доставка обещана на сегодня"]

    async def say(pair: int, _seq: int) -> None:
        frame = {"type": "message", "text": texts[0], "client_id": str(uuid.uuid4())}
        await sockets[pair].send(json.dumps(frame))

    t0 = time.monotonic()
    await paced(int(rate), len(sockets) / rate, len(sockets), say)
    opened = 0
    while time.monotonic() - t0 < 60:
        opened = sessions_with_operator(database_url, prep.visitor_dialogs)
        if opened >= len(sockets):
            break
        await asyncio.sleep(0.5)
    took = time.monotonic() - t0
    texts.pop(0)
    await paced(int(rate), len(sockets) / rate, len(sockets), say)
    await asyncio.sleep(3)
    await asyncio.gather(*(ws.close() for ws in sockets + operators), return_exceptions=True)
    return {"with_operator": opened, "of": len(sockets), "s": round(took, 1)}


def mode_env(env: dict[str, str], mode: str, provider_url: str, args: Any) -> dict[str, str]:
    name = f"_feature_{mode}"
    out = dict(env, DATABASE_URL=env["DATABASE_URL"] + name)
    out["TRANSLATION_THREADS"] = str(args.threads)
    if mode == "full":
        out.update(TRANSLATION_PROVIDER="libretranslate", TRANSLATION_URL=provider_url)
    else:
        out["TRANSLATION_PROVIDER"] = "none"
    return out


def run(
    mode: str, env: dict[str, str], prep: mb.Prepared, log_dir: Path, args: Any
) -> dict[str, Any]:
    busy = mb.wait_for_quiet(args.quiet_below, args.quiet_wait)
    worker = Worker(env, log_dir, args.concurrency)
    daphnes: list[mb.Daphne] = []
    try:
        daphnes = [mb.Daphne(env, log_dir, f"{mode}-v"), mb.Daphne(env, log_dir, f"{mode}-o")]
        opening = asyncio.run(
            open_conversations(
                (daphnes[0].port, daphnes[1].port), prep, env["DATABASE_URL"], args.open_rate
            )
        )
        mb.ports_pids.clear()
        mb.ports_pids.update(daphne_visitors=daphnes[0].pid, daphne_operators=daphnes[1].pid)
        opening["settled_s"] = settle([d.pid for d in daphnes] + list(worker.pids().values()))
        spies = profilers(mode, {**mb.ports_pids, "worker": worker.popen.pid}, log_dir, args)
        mb.extra_pids[:] = [
            worker.pids,
            lambda: service_pids(env["DATABASE_URL"], env["REDIS_URL"]),
        ]
        watched = {**mb.measured_pids()}
        before = process_stats(list(watched.values()))
        with collector_paused():
            step, client_ids = asyncio.run(
                asyncio.wait_for(
                    mb.messaging_step(
                        prep,
                        (daphnes[0].port, daphnes[1].port),
                        args.rate,
                        args.warmup,
                        args.seconds,
                    ),
                    timeout=args.warmup + args.seconds + 180,
                )
            )
        drained = settle([d.pid for d in daphnes] + list(worker.pids().values()), 120)
        watched.update(mb.measured_pids())  # and the connections opened meanwhile
        after = process_stats(list(watched.values()))
        for spy in spies:
            spy.wait(timeout=60)
    finally:
        mb.extra_pids.clear()
        for daphne in daphnes:
            daphne.stop()
        worker.stop()
    step.rows = mb.rows_with_client_ids(env["DATABASE_URL"], client_ids)
    step.busy_before_pct = busy
    summary = step.summary()
    summary.update(mode=mode, opening=opening, drained_s=drained)
    summary["window_cpu_ms_per_msg"] = cost(summary, args.seconds)
    summary["cpu_ms_per_msg"] = whole_cost(watched, before, after, len(client_ids))
    return summary


def whole_cost(
    watched: dict[str, int],
    before: dict[int, dict[str, float]],
    after: dict[int, dict[str, float]],
    sent: int,
) -> dict[str, float]:
    """CPU ms per message over the whole step (warm-up and measured phase) and until
    the processes were idle again, divided by every message of the step: work that a
    busy machine pushes past the measured phase (translations, suggestions waiting for
    a core) is counted with the messages it belongs to."""
    kinds = {"daphnes": 0.0, "worker": 0.0, "postgres": 0.0, "redis": 0.0}
    for name, pid in watched.items():
        if pid in after:  # a process born during the step: all its CPU is the step's
            kind = name.split("_")[0].replace("daphne", "daphnes").replace("pg", "postgres")
            kinds[kind] += after[pid]["cpu_s"] - before.get(pid, {}).get("cpu_s", 0.0)
    per = {k: v * 1000 / max(1, sent) for k, v in kinds.items()}
    per["product"] = per["daphnes"] + per["worker"]
    per["with_databases"] = per["product"] + per["postgres"] + per["redis"]
    return {k: round(v, 3) for k, v in per.items()}


def settle(pids: list[int], most_s: float = 60) -> float:
    """Waits until the processes are idle (under 5 % of a core each for a second): the
    openings' background work (the reports' lane recording each session's opening, the
    bot's hand-off, the assignment) is a conversation's cost, not a message's, and must
    not fall into the measured step. Returns the seconds waited."""
    t0 = time.monotonic()
    before = process_stats(pids)
    while time.monotonic() - t0 < most_s:
        time.sleep(1)
        after = process_stats(pids)
        busy = [after[p]["cpu_s"] - before[p]["cpu_s"] for p in after if p in before]
        before = after
        if all(b < 0.05 for b in busy):
            break
    return round(time.monotonic() - t0, 1)


def profilers(mode: str, pids: dict[str, int], log_dir: Path, args: Any) -> list[Any]:
    """With ``--profile``: py-spy records each process (and its children) over the
    step, collapsed stacks into the log directory; only threads holding the GIL, so
    that what it shows is (Python's) CPU, not waits."""
    if not args.profile:
        return []
    spies = []
    for name, pid in pids.items():
        out = log_dir / f"profile-{mode}-{name}-{time.monotonic_ns()}.txt"
        command = [args.profile, "record", "--format", "raw", "--nonblocking", "--gil"]
        command += ["-r", str(args.profile_rate)]
        command += ["--subprocesses", "-p", str(pid), "-o", str(out)]
        command += ["--duration", str(int(args.profile_s or args.warmup + args.seconds + 1))]
        spies.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return spies


def cost(summary: dict[str, Any], seconds: float) -> dict[str, float]:
    """CPU ms per message sent over the measured phase alone: the product's processes
    (Daphnes, worker) and, apart, PostgreSQL and Redis, and the load generator."""
    kinds = {"daphnes": 0.0, "worker": 0.0, "postgres": 0.0, "redis": 0.0}
    for name, stats in summary.pop("processes").items():
        kind = name.split("_")[0].replace("daphne", "daphnes").replace("pg", "postgres")
        kinds[kind] = kinds.get(kind, 0.0) + stats["cpu_pct"]
    kinds["client"] = summary["client_cpu_pct"]
    summary["cpu_pct"] = {k: round(v, 1) for k, v in kinds.items()}
    per = {k: v / 100 * seconds * 1000 / max(1, summary["sent"]) for k, v in kinds.items()}
    per["product"] = per["daphnes"] + per["worker"]
    per["with_databases"] = per["product"] + per["postgres"] + per["redis"]
    return {k: round(v, 3) for k, v in per.items()}


def russian_questions(kb_path: str) -> list[str]:
    """The dataset's dev messages, or without it the knowledge base's phrasings."""
    dev = DATASET / "dev.jsonl"
    if dev.is_file():
        lines = dev.read_text(encoding="utf-8").splitlines()
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    else:
        articles = json.loads(Path(kb_path).read_text(encoding="utf-8"))
        texts = [p for a in articles for p in a.get("phrases", [])]
    return [t + "? " for t in texts if any("\u0430" <= ch <= "\u044f" for ch in t.lower())]


def redis_db(url: str, db: int) -> str:
    """``url`` with Redis database ``db``: each run has a broker queue and channel layer
    of its own, so nothing an earlier run left behind is worked on in this one."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db % 16}", parts.query, parts.fragment))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=200, help="customers' messages a second")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reps", type=int, default=2, help="pairs of runs: plain, full")
    parser.add_argument("--visitors", type=int, default=200, help="per run")
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--open-rate", type=float, default=50, help="conversations opened a second")
    parser.add_argument("--provider-ms", type=float, default=50)
    parser.add_argument("--threads", type=int, default=16, help="TRANSLATION_THREADS")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's processes")
    parser.add_argument("--kb", default=str(DATASET / "kb.json" if DATASET.is_dir() else DEMO_KB))
    parser.add_argument("--quiet-below", type=float, default=25)
    parser.add_argument("--quiet-wait", type=float, default=30)
    parser.add_argument("--profile", help="py-spy's path: profile the product's processes")
    parser.add_argument(
        "--profile-s", type=float, default=0, help="... for this long (0: the step)"
    )
    parser.add_argument("--profile-rate", type=int, default=50, help="py-spy's samples a second")
    parser.add_argument("--modes", default="plain,full", help="which runs, in this order")
    parser.add_argument("--out", help="also write the results as JSON here")
    parser.add_argument("--prepare", choices=MODES, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse()
    if args.prepare:
        result = prepare_mode(args.prepare, args.visitors, args.operators, args.kb)
        print(json.dumps(result), flush=True)
        return
    if not Path(args.kb).is_file():
        sys.exit(f"no knowledge base at {args.kb} (--kb)")
    database_url, redis_url = servers_from_env()
    mb.payload_fillers[:] = russian_questions(args.kb)
    admin_url, _bench_url, _name = mb.bench_database_url(database_url)
    base = mb.product_env(database_url, redis_url)
    provider, provider_url = provider_start(args.provider_ms / 1000)
    log_dir = Path(tempfile.mkdtemp(prefix="feature-cost-"))
    envs = {mode: mode_env(base, mode, provider_url, args) for mode in MODES}
    names = {mode: envs[mode]["DATABASE_URL"].rsplit("/", 1)[1] for mode in MODES}
    results: dict[str, Any] = {"args": vars(args), "runs": []}
    try:
        preps = {}
        for mode in MODES:
            mb.database_create(admin_url, names[mode])
            preps[mode] = prepared(mode, envs[mode], args)
        print(f"# prepared; logs in {log_dir}", flush=True)
        for rep in range(args.reps):
            for mode in args.modes.split(","):
                p, v = preps[mode], slice(rep * args.visitors, (rep + 1) * args.visitors)
                prep = mb.Prepared(
                    p["key"],
                    p["visitor_tokens"][v],
                    p["visitor_dialogs"][v],
                    [],
                    p["operator_tokens"],
                )
                env = dict(
                    envs[mode], REDIS_URL=redis_db(redis_url, 1 + 2 * rep + MODES.index(mode))
                )
                summary = run(mode, env, prep, log_dir, args)
                summary["rep"] = rep
                results["runs"].append(summary)
                print(json.dumps(summary), flush=True)
    finally:
        provider.terminate()
        provider.wait(timeout=10)
        for mode in MODES:
            mb.database_drop(admin_url, names[mode])
    report(results)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


def report(results: dict[str, Any]) -> None:
    print(
        "\n| mode | rep | sent | lost | rows | p99 ms | CPU ms/msg: Daphnes | worker "
        "| product | PostgreSQL | Redis | client |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results["runs"]:
        c = r["cpu_ms_per_msg"]
        print(
            f"| {r['mode']} | {r['rep']} | {r['sent']} | {r['lost']} | {r['rows_of_all_sent']} "
            f"| {r['p99_ms']} | {c['daphnes']} | {c['worker']} | **{c['product']}** "
            f"| {c['postgres']} | {c['redis']} | {r['window_cpu_ms_per_msg']['client']} |"
        )
    if not all(any(r["mode"] == m for r in results["runs"]) for m in MODES):
        return  # one mode only (--modes): no ratio
    med = {
        mode: {
            key: statistics.median(
                r["cpu_ms_per_msg"][key] for r in results["runs"] if r["mode"] == mode
            )
            for key in ("product", "with_databases")
        }
        for mode in MODES
    }
    ratio = (
        med["full"]["product"] / med["plain"]["product"]
        if med["plain"]["product"]
        else float("nan")
    )
    ratio_db = (
        med["full"]["with_databases"] / med["plain"]["with_databases"]
        if med["plain"]["with_databases"]
        else float("nan")
    )
    results["ratio"] = {"product": round(ratio, 3), "with_databases": round(ratio_db, 3)}
    print(f"median CPU ms per message: {json.dumps(med)}")
    print(
        f"full / plain: {ratio:.2f} (Daphnes + worker; target <= 1.20), "
        f"{ratio_db:.2f} with PostgreSQL and Redis"
    )


if __name__ == "__main__":
    main()
