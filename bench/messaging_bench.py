"""Messaging under paced load: visitor widget socket -> Daphne A -> PostgreSQL + Redis ->
Daphne B -> operator socket, beside the bare relay floor measured in the same run.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/messaging_bench.py                      # PERFORMANCE.md defaults
    .venv/bin/python bench/messaging_bench.py --warmup 3 --seconds 15 --reps 1   # quick
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL; SQLite is refused) and REDIS_URL (redis://). The
benchmark makes its own database next to DATABASE_URL's (``<name>_messaging_bench``),
migrates it, and drops it at the end.

Prep: one widget channel whose default group has M operators (online, limit 100, a DRF
token each) and N visitors made by ``inbox.services.widget_visitor_create``; each
messaging visitor's dialog gets an active session assigned to an operator (round robin),
so every message goes to exactly one operator socket.

Per step (200, 500, 1,000, 1,500 msg/s by default) two fresh Daphne processes start
(nothing from an earlier step leaks in): visitors connect to A, operators to B, so every
message crosses processes through Redis. Visitors send, open loop on a fixed schedule,
``{"type": "message", "text": <200-byte JSON with a monotonic timestamp>, "client_id":
uuid}``; operators' sockets receive ``message.created``. Measured over the measured phase:
p50/p99/p99.9/max latency (send -> operator receive), sent vs delivered, duplicates,
order per dialog, acks (and their latency), rows in the database by client_id, CPU and
RSS per Daphne, whole-machine CPU. The knee is the highest step with p99 under the
target, nothing lost and every row stored.

Then the floor (``bench/relay_floor.py``: bare websockets + Redis pub/sub) at the same
rates, and the sockets step: 2,000 idle widget sockets on ONE Daphne process, RSS per
socket, all still open after a hold, and each answers a ``sync``.

Loopback only; every step is bounded in time; the servers started here are stopped here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import relay_floor  # noqa: E402
from bench.common import (  # noqa: E402
    collector_paused,
    free_port,
    paced,
    padded_payload,
    payload_latency_ms,
    process_stats,
    process_stop,
    servers_from_env,
)

TARGET_P99_MS = 50.0
CONNECT_CONCURRENCY = 50

# --- statistics -------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median_range(values: list[float]) -> str:
    values = [v for v in values if v == v]
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.4g}"
    return f"{statistics.median(values):.4g} [{min(values):.4g}-{max(values):.4g}]"


def machine_busy_pct(over_s: float = 1.0) -> float:
    """How busy the whole machine is now, in % of all cores."""
    b0, t0 = machine_cpu()
    time.sleep(over_s)
    b1, t1 = machine_cpu()
    return 100.0 * (b1 - b0) / max(1, t1 - t0)


def wait_for_quiet(threshold_pct: float, max_wait_s: float) -> float:
    """Waits (at most ``max_wait_s``) until other work on the machine leaves it below
    ``threshold_pct`` busy; returns the last reading. Others' test runs on a shared
    two-core machine otherwise end up in the figures."""
    deadline = time.monotonic() + max_wait_s
    busy = machine_busy_pct()
    while busy > threshold_pct and time.monotonic() < deadline:
        busy = machine_busy_pct(2.0)
    return busy


def rows_ok(summary: dict[str, Any]) -> bool:
    stored, sent = summary["rows_of_all_sent"].split("/")
    return stored == sent


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


# --- database ---------------------------------------------------------------------------


def bench_database_url(url: str) -> tuple[str, str, str]:
    """(admin url, bench url, bench db name) next to ``url``'s database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_messaging_bench"
    bench = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    return admin, bench, name


def psycopg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def database_create(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def product_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=env.get("SECRET_KEY") or "messaging-bench-not-secret-" + "x" * 40,
        HTTPS="false",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="contactcenter.settings",
        PYTHONUNBUFFERED="1",
        SOCKETS_PER_ADDRESS="0",  # thousands of sockets from one loopback address
    )
    env.pop("ALLOWED_HOSTS", None)
    # as in production, tasks go to the broker for a worker (none runs here): a test
    # tier's eager setting would run them in the socket server's threads instead
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


@dataclass
class Prepared:
    key: str
    visitor_tokens: list[str]  # messaging visitors; index = pair
    visitor_dialogs: list[int]
    socket_tokens: list[str]  # visitors of the sockets step
    operator_tokens: list[str]


def _knowledge_base_load() -> None:
    """The demo articles, when the knowledge base is installed: every message of the
    bench is in a session with an operator, so the prompter matches each one (off the
    message's path) and the figures show whether that costs the messages anything."""
    from django.apps import apps

    if not apps.is_installed("kb"):
        return
    from kb.services import articles

    demo = ROOT / "kb" / "fixtures" / "demo_kb.json"
    articles.articles_import(items=json.loads(demo.read_text(encoding="utf-8")))


def prepare(env: dict[str, str], visitors: int, operators: int, sockets: int) -> Prepared:
    """Migrates the bench database and makes the channel, operators and visitors."""
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
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from inbox.models import Channel, Message, SenderType, Session, SessionStatus
    from inbox.services import widget_visitor_create
    from routing.models import Group, GroupMembership, Operator, OperatorStatus

    User = get_user_model()
    with transaction.atomic():
        group = Group.objects.create(name="bench", default_max_sessions=100)
        channel = Channel.objects.create(type="widget", name="bench", default_group=group)
        ops, op_tokens = [], []
        for i in range(operators):
            user = User.objects.create(username=f"bench-op-{i}")
            op = Operator.objects.create(
                user=user, display_name=f"Op {i}", max_sessions=100, status=OperatorStatus.ONLINE
            )
            GroupMembership.objects.create(group=group, operator=op, position=i)
            ops.append(op)
            op_tokens.append(Token.objects.create(user=user).key)
    tokens, dialogs = [], []
    for i in range(visitors + sockets):
        visitor, token = widget_visitor_create(channel=channel, name=f"Visitor {i}")
        tokens.append(token)
        dialogs.append(visitor.dialog_id)
    now = timezone.now()
    with transaction.atomic():
        Session.objects.bulk_create(
            Session(
                dialog_id=dialog_id,
                group=group,
                operator=ops[i % operators],
                status=SessionStatus.ACTIVE,
                queued_at=now,
                assigned_at=now,
            )
            for i, dialog_id in enumerate(dialogs[:visitors])
        )
        # one message in each sockets-step dialog, so that its `sync` answers with a frame
        Message.objects.bulk_create(
            Message(dialog_id=d, sender_type=SenderType.SYSTEM, text="hello")
            for d in dialogs[visitors:]
        )
    _knowledge_base_load()
    return Prepared(
        key=channel.key,
        visitor_tokens=tokens[:visitors],
        visitor_dialogs=dialogs[:visitors],
        socket_tokens=tokens[visitors:],
        operator_tokens=op_tokens,
    )


def rows_with_client_ids(database_url: str, client_ids: list[str]) -> int:
    import psycopg

    with psycopg.connect(psycopg_url(database_url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM inbox_message WHERE client_id = ANY(%s)", [client_ids]
        ).fetchone()
    return int(row[0]) if row else 0


# --- Daphne -----------------------------------------------------------------------------


class Daphne:
    def __init__(self, env: dict[str, str], log_dir: Path, name: str) -> None:
        self.port = free_port()
        self.log = open(log_dir / f"daphne-{name}-{self.port}.log", "w")  # noqa: SIM115
        command = (
            "ulimit -n $(ulimit -Hn); exec "
            f"{sys.executable} -m daphne -v 0 -b 127.0.0.1 -p {self.port} "
            "contactcenter.asgi:application"
        )
        # exec: the shell becomes Daphne, so this pid is Daphne's
        self.popen = subprocess.Popen(
            ["bash", "-c", command], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    break
            except OSError:
                pass
            if self.popen.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne did not come up; see {self.log.name}")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        process_stop(self.popen, 15)
        self.log.close()


# --- clients ----------------------------------------------------------------------------


async def connect_all(
    urls: list[str], headers: list[dict[str, str]] | None, first: str
) -> list[Any]:
    """Opens every socket (``CONNECT_CONCURRENCY`` at a time) and waits for the first
    frame of type ``first`` on each."""
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int) -> Any:
        async with gate:
            ws = await asyncio.wait_for(
                connect(
                    urls[i],
                    additional_headers=(headers[i] if headers else None),
                    max_size=2**20,
                    open_timeout=30,
                ),
                40,
            )
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame.get("type") == first:
                    return ws

    return list(await asyncio.gather(*(one(i) for i in range(len(urls)))))


@dataclass
class Sent:
    pair: int
    seq: int
    at_ns: int
    measured: bool


@dataclass
class StepResult:
    rate: int
    seconds: float
    sent: int = 0
    sent_total: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    delivered_total: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    acks: int = 0
    errors: int = 0
    rows: int = -1
    processes: dict[str, dict[str, float]] = field(default_factory=dict)
    machine_cpu_pct: float = 0.0
    loadavg_1m: float = 0.0
    busy_before_pct: float = float("nan")
    client_cpu_pct: float = 0.0

    def summary(self) -> dict[str, Any]:
        lost = self.sent - len(self.latencies_ms)
        return {
            "rate": self.rate,
            "sent": self.sent,
            "delivered": len(self.latencies_ms),
            "lost": lost,
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "acks": self.acks,
            "errors": self.errors,
            "rows_of_all_sent": f"{self.rows}/{self.sent_total}",
            "p50_ms": round(pct(self.latencies_ms, 50), 2),
            "p99_ms": round(pct(self.latencies_ms, 99), 2),
            "p999_ms": round(pct(self.latencies_ms, 99.9), 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else float("nan"),
            "ack_p50_ms": round(pct(self.ack_ms, 50), 2),
            "ack_p99_ms": round(pct(self.ack_ms, 99), 2),
            "achieved_per_s": round(len(self.latencies_ms) / self.seconds, 1),
            "machine_cpu_pct": round(self.machine_cpu_pct, 1),
            "loadavg_1m_at_start": self.loadavg_1m,
            "machine_busy_before_pct": round(self.busy_before_pct, 1),
            "client_cpu_pct": round(self.client_cpu_pct, 1),
            "processes": self.processes,
        }

    @property
    def ok(self) -> bool:
        return (
            len(self.latencies_ms) == self.sent
            and self.duplicates == 0
            and self.out_of_order == 0
            and self.rows == self.sent_total
            and self.acks >= self.sent
            and pct(self.latencies_ms, 99) < TARGET_P99_MS
        )


async def messaging_step(
    prep: Prepared,
    ports: tuple[int, int],
    rate: int,
    warmup: float,
    seconds: float,
    layout: str = "split",
) -> tuple[StepResult, list[str]]:
    """``split``: every visitor on the first server, every operator on the second.
    ``mixed``: each server has half the visitors and half the operators (one server per
    core, as deployed behind a load balancer), and every visitor's operator is on the
    other server. Either way every message crosses processes through Redis."""
    visitors = len(prep.visitor_tokens)

    def visitor_port(i: int) -> int:
        return ports[0] if layout == "split" else ports[i % 2]

    def operator_port(j: int) -> int:
        # visitor i's session is with operator i % operators (round robin, see prepare)
        return ports[1] if layout == "split" else ports[(j + 1) % 2]

    if layout == "mixed" and len(prep.operator_tokens) % 2:
        raise ValueError("the mixed layout needs an even number of operators")
    widget_urls = [
        f"ws://127.0.0.1:{visitor_port(i)}/ws/widget/{prep.key}/?token={t}"
        for i, t in enumerate(prep.visitor_tokens)
    ]
    operator_urls = [
        f"ws://127.0.0.1:{operator_port(j)}/ws/operator/" for j in range(len(prep.operator_tokens))
    ]
    operator_headers = [
        {"Authorization": f"Token {t}", "Origin": "http://127.0.0.1"} for t in prep.operator_tokens
    ]
    operators = await connect_all(operator_urls, operator_headers, "hello")
    widgets = await connect_all(widget_urls, None, "welcome")

    step = StepResult(rate=rate, seconds=seconds, loadavg_1m=os.getloadavg()[0])
    sent: dict[str, Sent] = {}
    seq_of = [0] * visitors
    seen: set[tuple[int, int]] = set()
    last_seq: dict[int, int] = {}
    measuring = False

    async def read_operator(ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") != "message.created":
                continue
            message = frame["message"]
            if message.get("sender_type") != "contact":
                continue
            pair, seq, latency = payload_latency_ms(message["text"])
            for hook in operator_frame_hooks:
                hook(message)
            step.delivered_total += 1
            info = sent.get(message.get("client_id"))
            if (pair, seq) in seen:
                if info is not None and info.measured:
                    step.duplicates += 1
                continue
            seen.add((pair, seq))
            if seq < last_seq.get(pair, -1) and info is not None and info.measured:
                step.out_of_order += 1
            last_seq[pair] = max(seq, last_seq.get(pair, -1))
            if info is not None and info.measured:
                step.latencies_ms.append(latency)

    async def read_widget(ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "ack":
                info = sent.get(frame.get("client_id"))
                if info is not None and info.measured:
                    step.acks += 1
                    step.ack_ms.append((time.monotonic_ns() - info.at_ns) / 1e6)
            elif kind == "error":
                step.errors += 1

    readers = [asyncio.create_task(read_operator(ws)) for ws in operators]
    readers += [asyncio.create_task(read_widget(ws)) for ws in widgets]

    async def send(pair: int, _seq: int) -> None:
        seq_of[pair] += 1
        filler = (
            payload_fillers[(pair + seq_of[pair]) % len(payload_fillers)]
            if payload_fillers
            else "x"
        )
        text = padded_payload(seq_of[pair], pair, filler)
        client_id = str(uuid.uuid4())
        sent[client_id] = Sent(pair, seq_of[pair], time.monotonic_ns(), measuring)
        await widgets[pair].send(
            json.dumps({"type": "message", "text": text, "client_id": client_id})
        )

    await paced(rate, warmup, visitors, send)
    await asyncio.sleep(0.5)
    measuring = True
    watched = measured_pids()
    before = process_stats([os.getpid(), *watched.values()])
    cpu0 = machine_cpu()
    step.sent = await paced(rate, seconds, visitors, send)
    cpu1 = machine_cpu()
    after = process_stats([os.getpid(), *watched.values()])
    measuring = False
    # drain: wait until everything measured arrived, at most 10 s
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
        len(step.latencies_ms) < step.sent or step.acks < step.sent
    ):
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    # the measured ones' work done (every watched process: another bench's too)
    drained = process_stats([os.getpid(), *watched.values()])
    step.sent_total = len(sent)
    step.machine_cpu_pct = 100.0 * (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1]) * os.cpu_count()
    for name, pid in [("client", os.getpid()), *watched.items()]:
        if pid in before and pid in after and pid in drained:
            cpu = 100.0 * (after[pid]["cpu_s"] - before[pid]["cpu_s"]) / seconds
            if name == "client":
                step.client_cpu_pct = cpu
            else:
                step.processes[name] = {
                    "cpu_pct": round(cpu, 1),
                    "rss_mb": round(after[pid]["rss_mb"], 1),
                    # CPU seconds per 1,000 measured messages, drain included: what noise
                    # from other work on the machine hardly changes
                    "cpu_s_per_1k": round(
                        1000 * (drained[pid]["cpu_s"] - before[pid]["cpu_s"]) / max(1, step.sent), 3
                    ),
                }
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in widgets + operators), return_exceptions=True)
    return step, list(sent)


ports_pids: dict[str, int] = {}
# what other benchmarks add (bench/scale_out.py): more processes to measure in a step,
# and a look at every contact message an operator socket receives
extra_pids: list[Callable[[], dict[str, int]]] = []
operator_frame_hooks: list[Callable[[dict[str, Any]], None]] = []
payload_fillers: list[str] = []  # words to pad the messages with, in turn (default "x")


def measured_pids() -> dict[str, int]:
    pids = dict(ports_pids)
    for more in extra_pids:
        pids.update(more())
    return pids


def run_messaging_step(
    prep: Prepared,
    env: dict[str, str],
    log_dir: Path,
    rate: int,
    warmup: float,
    seconds: float,
    quiet: tuple[float, float],
    layout: str = "split",
) -> StepResult:
    busy = wait_for_quiet(*quiet)
    names = ("visitors", "operators") if layout == "split" else ("one", "two")
    visitors_server = Daphne(env, log_dir, names[0])
    try:
        operators_server = Daphne(env, log_dir, names[1])
    except Exception:
        visitors_server.stop()
        raise
    ports_pids.clear()
    ports_pids.update(
        {f"daphne_{names[0]}": visitors_server.pid, f"daphne_{names[1]}": operators_server.pid}
    )
    try:
        with collector_paused():
            ports = (visitors_server.port, operators_server.port)
            stepping = messaging_step(prep, ports, rate, warmup, seconds, layout)
            step, client_ids = asyncio.run(asyncio.wait_for(stepping, warmup + seconds + 180))
    finally:
        operators_server.stop()
        visitors_server.stop()
    step.rows = rows_with_client_ids(env["DATABASE_URL"], client_ids)
    step.busy_before_pct = busy
    return step


# --- sockets step -----------------------------------------------------------------------


async def sockets_step(prep: Prepared, port: int, pid: int, hold_s: float) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    tokens = prep.socket_tokens
    urls = [f"ws://127.0.0.1:{port}/ws/widget/{prep.key}/?token={t}" for t in tokens]
    # one socket first, so that the code paths are loaded before the baseline
    warm = await connect(urls[0])
    await warm.recv()
    await warm.close()
    await asyncio.sleep(1)
    rss0 = process_stats([pid])[pid]["rss_mb"]
    t0 = time.monotonic()
    sockets = await connect_all(urls, None, "welcome")
    connect_s = time.monotonic() - t0
    await asyncio.sleep(hold_s)
    rss1 = process_stats([pid])[pid]["rss_mb"]
    open_now = sum(1 for ws in sockets if ws.close_code is None)

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def answers(ws: Any) -> bool:
        async with gate:
            try:
                await ws.send(json.dumps({"type": "sync", "after": 0}))
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                    if frame.get("type") == "message":
                        return True
            except Exception:
                return False

    t1 = time.monotonic()
    answered = sum(await asyncio.gather(*(answers(ws) for ws in sockets)))
    sync_s = time.monotonic() - t1
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    del connect
    return {
        "sockets": len(sockets),
        "connect_s": round(connect_s, 1),
        "still_open_after_hold": open_now,
        "hold_s": hold_s,
        "answered_sync": answered,
        "sync_all_s": round(sync_s, 1),
        "rss_before_mb": round(rss0, 1),
        "rss_after_mb": round(rss1, 1),
        "rss_per_socket_kb": round((rss1 - rss0) * 1024 / max(1, len(sockets)), 1),
    }


def run_sockets_step(prep: Prepared, env: dict[str, str], log_dir: Path, hold_s: float) -> dict:
    server = Daphne(env, log_dir, "sockets")
    try:
        return asyncio.run(
            asyncio.wait_for(sockets_step(prep, server.port, server.pid, hold_s), 300)
        )
    finally:
        server.stop()


# --- floor ------------------------------------------------------------------------------


def run_floor_step(redis_url: str, rate: int, pairs: int, warmup: float, seconds: float) -> dict:
    procs, ports = relay_floor.start_servers(redis_url)
    try:
        with collector_paused():
            step = asyncio.run(relay_floor.run_step(ports, pairs, rate, warmup, seconds))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
    return step.summary()


# --- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rates", default="200,500,1000,1500")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--sockets", type=int, default=2000, help="0 skips the sockets step")
    parser.add_argument("--hold", type=float, default=10, help="seconds the idle sockets stay")
    parser.add_argument("--floor-pairs", type=int, default=100)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--out", help="also write the results as JSON here")
    parser.add_argument(
        "--layout",
        choices=("split", "mixed"),
        default="split",
        help="split: visitors on one Daphne, operators on the other; mixed: each Daphne "
        "has half of both (one per core), every visitor's operator on the other one",
    )
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=25,
        help="before each step wait until the machine is less busy than this (%% of all cores)",
    )
    parser.add_argument("--quiet-wait", type=float, default=90, help="... for at most this long")
    args = parser.parse_args()

    database_url, redis_url = servers_from_env()
    rates = [int(r) for r in args.rates.split(",")]
    quiet = (args.quiet_below, args.quiet_wait)

    admin_url, bench_url, name = bench_database_url(database_url)
    env = product_env(bench_url, redis_url)
    log_dir = Path(tempfile.mkdtemp(prefix="messaging-bench-"))
    results: dict[str, Any] = {"rates": rates, "reps": args.reps, "args": vars(args)}
    database_create(admin_url, name)
    try:
        t0 = time.monotonic()
        prep = prepare(env, args.visitors, args.operators, args.sockets)
        print(f"# prepared in {time.monotonic() - t0:.1f} s; logs in {log_dir}", flush=True)
        ours: dict[int, list[dict]] = {r: [] for r in rates}
        floor: dict[int, list[dict]] = {r: [] for r in rates}
        knees, floor_knees = [], []
        for rep in range(args.reps):
            knee, holding = 0, True
            for rate in rates:
                step = run_messaging_step(
                    prep, env, log_dir, rate, args.warmup, args.seconds, quiet, args.layout
                )
                summary = {**step.summary(), "ok": step.ok, "rep": rep}
                ours[rate].append(summary)
                print(json.dumps({"ours": summary}), flush=True)
                holding = holding and step.ok
                knee = rate if holding else knee
            knees.append(knee)
            if not args.no_floor:
                fknee, holding = 0, True
                for rate in rates:
                    busy = wait_for_quiet(*quiet)
                    fl = run_floor_step(
                        redis_url, rate, args.floor_pairs, args.warmup, args.seconds
                    )
                    fl["machine_busy_before_pct"] = round(busy, 1)
                    fl["rep"] = rep
                    floor[rate].append(fl)
                    print(json.dumps({"floor": fl}), flush=True)
                    fok = fl["lost"] == 0 and fl["duplicates"] == 0 and fl["p99_ms"] < TARGET_P99_MS
                    holding = holding and fok
                    fknee = rate if holding else fknee
                floor_knees.append(fknee)
        sockets = None
        if args.sockets:
            sockets = run_sockets_step(prep, env, log_dir, args.hold)
            print(json.dumps({"sockets_step": sockets}), flush=True)
        results.update(
            ours=ours, floor=floor, knees=knees, floor_knees=floor_knees, sockets=sockets
        )
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        database_drop(admin_url, name)

    print("\n# summary (median [range] over repetitions)")
    print(
        "| rate | p50 ms | p99 ms | p99.9 ms | max ms | lost | rows ok | ack p99 ms | "
        "floor p50 | floor p99 | p99 ratio | Daphne A / B CPU % (s per 1k) | machine CPU % |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for rate in rates:
        runs, fls = ours[rate], floor[rate]
        ratio = [o["p99_ms"] / f["p99_ms"] for o, f in zip(runs, fls, strict=False) if f["p99_ms"]]
        a_b = ("visitors", "operators") if args.layout == "split" else ("one", "two")
        cpu_a, cpu_b, per_1k_a, per_1k_b = (
            [o["processes"].get(f"daphne_{n}", {}).get(key, float("nan")) for o in runs]
            for key in ("cpu_pct", "cpu_s_per_1k")
            for n in a_b
        )
        print(
            f"| {rate} | {median_range([o['p50_ms'] for o in runs])} "
            f"| {median_range([o['p99_ms'] for o in runs])} "
            f"| {median_range([o['p999_ms'] for o in runs])} "
            f"| {median_range([o['max_ms'] for o in runs])} "
            f"| {median_range([o['lost'] for o in runs])} "
            f"| {sum(1 for o in runs if rows_ok(o))}/{len(runs)} "
            f"| {median_range([o['ack_p99_ms'] for o in runs])} "
            f"| {median_range([f['p50_ms'] for f in fls])} "
            f"| {median_range([f['p99_ms'] for f in fls])} "
            f"| {median_range(ratio)} "
            f"| {median_range(cpu_a)} / {median_range(cpu_b)} "
            f"({median_range(per_1k_a)} / {median_range(per_1k_b)} s per 1k) "
            f"| {median_range([o['machine_cpu_pct'] for o in runs])} |"
        )
    print(f"knee (p99 < {TARGET_P99_MS:g} ms, no loss, every row): {knees}, floor {floor_knees}")
    if sockets:
        print(f"sockets step: {json.dumps(sockets)}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
