"""Bot flows under load: concurrent widget visitors each walking a 6-step bot flow, the
bot reply latency (visitor send -> the bot's message received on the visitor's socket)
and throughput, beside the bare relay floor measured in the same run.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/bot_flow.py                          # 200 visitors, 200 msg/s
    .venv/bin/python bench/bot_flow.py --seconds 10 --warmup 3  # quick
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL; SQLite is refused) and REDIS_URL (redis://). The
benchmark makes its own database next to DATABASE_URL's (``<name>_bot_bench``),
migrates it, and drops it at the end.

Prep: a widget channel with a bot (mode ``always``) whose flow has six waiting steps
that loop: a menu (press), a name, a city, an order number (typed), a confirmation
(press), a rating (typed title). N visitors per rate made by ``widget_visitor_create``.

Run, per rate: one fresh Daphne process (the bot answers in the process that stored the
message: its step thread, ``bots.services.stepper``). Each visitor connects and opens its
session with "hi" (the bot greets and shows the menu), the openings paced at
``--open-rate`` and their latency reported apart ("openings"); then every visitor answers
each bot question in turn on a fixed pace, so that all together send ``--rates`` inputs
per second; each input is answered by one bot message. Latency is measured from the send
to the first bot message after it. Then the floor (``bench/relay_floor.py``: bare
websockets + Redis pub/sub) at the same rate.

Loopback only; every phase is bounded in time; the servers started here are stopped here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import Step, collector_paused, process_stats, servers_from_env  # noqa: E402
from bench.messaging_bench import (  # noqa: E402
    Daphne,
    connect_all,
    database_create,
    database_drop,
    product_env,
    run_floor_step,
)

# What a visitor answers at each waiting step, in the flow's order (then it loops).
WALK: tuple[dict[str, Any], ...] = (
    {"type": "button", "node": "menu", "button": "order"},
    {"type": "message", "text": "Ann"},
    {"type": "message", "text": "Riga"},
    {"type": "message", "text": "10452"},
    {"type": "button", "node": "confirm", "button": "yes"},
    {"type": "message", "text": "Good"},
)


def bench_flow() -> dict[str, Any]:
    """Six waiting steps in a loop: every answer gets exactly one bot message."""

    def ask(text: str, field: str, next_node: str, check: str = "text") -> dict[str, Any]:
        return {"type": "input", "text": text, "field": field, "validate": check, "next": next_node}

    return {
        "start": "menu",
        "nodes": {
            "menu": {
                "type": "buttons",
                "text": "What about?",
                "buttons": [{"id": "order", "title": "My order", "next": "name"}],
            },
            "name": ask("Your name?", "name", "city"),
            "city": ask("Your city?", "attributes.city", "order"),
            "order": ask("Order number?", "attributes.order", "confirm", "number"),
            "confirm": {
                "type": "buttons",
                "text": "Shall I note it?",
                "buttons": [{"id": "yes", "title": "Yes", "next": "rate"}],
            },
            "rate": {
                "type": "buttons",
                "text": "How was it?",
                "buttons": [{"id": "good", "title": "Good", "next": "menu"}],
            },
        },
    }


def prepare(env: dict[str, str], visitors: int) -> tuple[str, list[str]]:
    """Migrates the bench database; makes the group, the channel with its bot and the
    visitors. Returns the channel key and the visitors' tokens."""
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")})
    os.environ.update(HTTPS="false", DEBUG="false", DJANGO_SETTINGS_MODULE="contactcenter.settings")
    import django

    django.setup()
    from bots.models import BotMode
    from bots.services import flows
    from inbox.models import Channel
    from inbox.services import widget_visitor_create
    from routing.models import Group

    group = Group.objects.create(name="bench", default_max_sessions=100)
    channel = Channel.objects.create(type="widget", name="bot bench", default_group=group)
    flows.bot_create(name="bench bot", flow=bench_flow(), channels=[channel], mode=BotMode.ALWAYS)
    tokens = [
        widget_visitor_create(channel=channel, name=f"Visitor {i}")[1] for i in range(visitors)
    ]
    return channel.key, tokens


async def _bot_message(ws: Any, timeout: float) -> bool:
    """Waits for the next bot message frame (acks and other frames are skipped)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        frame = json.loads(await asyncio.wait_for(ws.recv(), left))
        if frame.get("type") == "message" and frame["message"].get("sender_type") == "bot":
            return True
    return False


async def _open(ws: Any, at: float, opened: Step) -> None:
    """Opens the visitor's session at ``at`` with "hi"; the bot greets with the menu."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    sent_ns = time.perf_counter_ns()
    await ws.send(json.dumps({"type": "message", "text": "hi", "client_id": str(uuid.uuid4())}))
    opened.sent += 1
    try:
        got = await _bot_message(ws, 30)
    except TimeoutError:
        got = False
    if got:
        opened.latencies_ms.append((time.perf_counter_ns() - sent_ns) / 1e6)
    else:
        opened.errors += 1


async def _visitor(ws: Any, index: int, period: float, clock: dict[str, float], step: Step) -> None:
    """Answers each question on its pace (its slot in each period) until the end."""
    at = clock["start"] + period * index / max(1, clock["visitors"])
    n = 0
    while at < clock["end"]:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        frame = dict(WALK[n % len(WALK)])
        if frame["type"] == "message":
            frame["client_id"] = str(uuid.uuid4())
        measured = at >= clock["measure_from"]
        sent_ns = time.perf_counter_ns()
        await ws.send(json.dumps(frame))
        try:
            got = await _bot_message(ws, 10)
        except TimeoutError:
            got = False
        if measured:
            step.sent += 1
            if got:
                step.latencies_ms.append((time.perf_counter_ns() - sent_ns) / 1e6)
            else:
                step.errors += 1
        n += 1
        at += period


async def bot_step(
    port: int, key: str, tokens: list[str], rate: int, args: Any
) -> tuple[Step, Step]:
    """The visitors open their sessions at ``--open-rate`` (each waits for the bot's
    menu: the opening latency, reported apart), then walk the flow at ``rate`` inputs a
    second; replies are measured after ``--warmup`` for ``--seconds``."""
    urls = [f"ws://127.0.0.1:{port}/ws/widget/{key}/?token={t}" for t in tokens]
    sockets = await connect_all(urls, None, "welcome")
    opened = Step(rate=args.open_rate, seconds=len(tokens) / args.open_rate)
    step = Step(rate=rate, seconds=args.seconds)
    try:
        first = time.monotonic() + 0.5
        await asyncio.gather(
            *(_open(ws, first + i / args.open_rate, opened) for i, ws in enumerate(sockets))
        )
        now = time.monotonic() + 0.5
        clock = {
            "start": now,
            "measure_from": now + args.warmup,
            "end": now + args.warmup + args.seconds,
            "visitors": len(tokens),
        }
        period = len(tokens) / rate  # each visitor answers once a period
        await asyncio.gather(
            *(_visitor(ws, i, period, clock, step) for i, ws in enumerate(sockets))
        )
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return opened, step


def _bot_run(
    env: dict[str, str], log_dir: Path, key: str, tokens: list[str], rate: int, args: Any
) -> dict[str, Any]:
    """One step on a fresh Daphne, with visitors of its own (new sessions)."""
    daphne = Daphne(env, log_dir, f"bot-{rate}")
    try:
        with collector_paused():
            opened, step = asyncio.run(bot_step(daphne.port, key, tokens, rate, args))
        summary: dict[str, Any] = dict(step.summary())
        summary["openings"] = opened.summary()
        summary["daphne"] = process_stats([daphne.pid]).get(daphne.pid, {})
        return summary
    finally:
        daphne.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--rates", default="200", help="visitor inputs per second, per step")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument(
        "--open-rate", type=float, default=50, help="sessions opened per second before the walk"
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args()

    database_url, redis_url = servers_from_env()

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_bot_bench"
    bench_url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    env = product_env(bench_url, redis_url)
    log_dir = Path(tempfile.mkdtemp(prefix="bot-bench-"))
    results: dict[str, Any] = {"args": vars(args)}
    database_create(admin_url, name)
    try:
        rates = [int(r) for r in args.rates.split(",")]
        key, tokens = prepare(env, args.visitors * len(rates))
        for index, rate in enumerate(rates):
            mine = tokens[index * args.visitors : (index + 1) * args.visitors]
            results[f"bot@{rate}"] = _bot_run(env, log_dir, key, mine, rate, args)
            print(f"# bot replies @{rate}/s", json.dumps(results[f"bot@{rate}"]), flush=True)
            if not args.no_floor:
                floor = run_floor_step(redis_url, rate, args.visitors, args.warmup, args.seconds)
                results[f"floor@{rate}"] = floor
                print(f"# relay floor @{rate}/s", json.dumps(floor), flush=True)
    finally:
        database_drop(admin_url, name)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
