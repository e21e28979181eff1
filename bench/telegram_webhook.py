"""Telegram webhook under paced load: Bot API-shaped updates POSTed to
``/hooks/telegram/<key>/`` -> stored in PostgreSQL -> pushed through Redis
-> an operator's socket, beside a floor (a bare ASGI endpoint answering 200,
``bench/webhook_floor.py``, on Daphne too) measured in the same run.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/telegram_webhook.py                        # 200, 500, 1,000/s, 30 s
    .venv/bin/python bench/telegram_webhook.py --rates 500 --seconds 10   # quick
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL) and REDIS_URL (redis://). The benchmark makes its own
database next to DATABASE_URL's (``<name>_telegram_bench``), migrates it, and drops it.

Layout (``--servers 2``, the default, one web process per core as deployed behind a
load balancer): POSTs alternate between Daphne one and two, the operator's socket is on
two, so half the messages cross processes through Redis. ``--servers 1``: every POST to
one, the operator on two.

Prep: one Telegram channel (with a webhook secret, no bot token: nothing is sent back)
whose default group has one online operator, and U Telegram users, each with a dialog
and an active session held by that operator, so every update is one contact message
pushed to exactly that operator's socket. Per step two fresh Daphne processes start.
Updates are sent open loop on a fixed schedule over keep-alive HTTP/1.1 connections
(a raw asyncio client: the instrument must cost little), each with a new ``update_id``
and a 200-byte text carrying a monotonic timestamp; a share of them (``--repeats``) is
delivered a second time at once, as Telegram does when it got no answer, and must store
and push nothing new.

Reported per step: p50/p99/p99.9/max from POST to operator receive, the POST's own
answer time, acceptance (200 answers / POSTs), lost (updates never pushed), duplicated
(pushed twice), rows stored per update id, CPU per process. Loopback only; every step
is bounded in time; the servers started here are stopped here.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import collector_paused, free_port, padded_payload, process_stats  # noqa: E402
from bench.messaging_bench import (  # noqa: E402
    Daphne,
    connect_all,
    database_create,
    database_drop,
    machine_cpu,
    pct,
    product_env,
    psycopg_url,
    wait_for_quiet,
)

TARGET_P99_MS = 50.0
SECRET = "bench-webhook-secret"
POOL_MAX = 256  # keep-alive connections the client may open


# --- prep -------------------------------------------------------------------------------


@dataclass
class Prepared:
    key: str
    operator_token: str
    users: int


def prepare(env: dict[str, str], users: int) -> Prepared:
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

    from inbox import services
    from inbox.models import Channel, Session, SessionStatus
    from routing.models import Group, GroupMembership, Operator, OperatorStatus

    with transaction.atomic():
        group = Group.objects.create(name="bench", default_max_sessions=users + 10)
        channel = Channel.objects.create(
            type="telegram",
            name="bench",
            default_group=group,
            config={"webhook_secret": SECRET, "api_base_url": f"http://127.0.0.1:{free_port()}"},
        )
        user = get_user_model().objects.create(username="bench-op")
        operator = Operator.objects.create(
            user=user, display_name="Op", max_sessions=users + 10, status=OperatorStatus.ONLINE
        )
        GroupMembership.objects.create(group=group, operator=operator, position=0)
        token = Token.objects.create(user=user).key
    dialogs = [
        services.channel_dialog_resolve(
            channel=channel, external_id=str(900000 + i), name=f"User {i}"
        )
        for i in range(users)
    ]
    now = timezone.now()
    Session.objects.bulk_create(
        Session(
            dialog_id=d,
            group=group,
            operator=operator,
            status=SessionStatus.ACTIVE,
            queued_at=now,
            assigned_at=now,
        )
        for d in dialogs
    )
    return Prepared(key=channel.key, operator_token=token, users=users)


def rows_by_update(database_url: str, first: int, last: int) -> tuple[int, int]:
    """(rows, distinct update ids) stored for update ids first..last."""
    import psycopg

    ids = [f"tg:{n}" for n in range(first, last + 1)]
    with psycopg.connect(psycopg_url(database_url)) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT client_id) FROM inbox_message "
            "WHERE client_id = ANY(%s)",
            [ids],
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


# --- a small keep-alive HTTP/1.1 client ---------------------------------------------------


class Pool:
    """POSTs over keep-alive connections to one loopback port; a connection carries one
    request at a time, a new one is opened when all are busy (up to ``POOL_MAX``)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0
        self.free = asyncio.Condition()

    async def _take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with self.free:
            while not self.idle and self.opened >= POOL_MAX:
                await self.free.wait()
            if self.idle:
                return self.idle.pop()
            self.opened += 1
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def _give(self, conn: Any, reusable: bool) -> None:
        async with self.free:
            if reusable:
                self.idle.append(conn)
            else:
                self.opened -= 1
                conn[1].close()
            self.free.notify()

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        conn = await self._take()
        reader, writer = conn
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        )
        try:
            writer.write(head.encode() + body)
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length, keep = 0, True
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    keep = False
            if length:
                await reader.readexactly(length)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            await self._give(conn, False)
            return 0
        await self._give(conn, keep)
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


# --- one step -----------------------------------------------------------------------------


@dataclass
class StepResult:
    rate: int
    seconds: float
    sent: int = 0
    posts: int = 0
    accepted: int = 0
    repeats: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    duplicates: int = 0
    rows: tuple[int, int] = (0, 0)
    processes: dict[str, dict[str, float]] = field(default_factory=dict)
    machine_cpu_pct: float = 0.0
    busy_before_pct: float = float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "updates": self.sent,
            "posts": self.posts,
            "repeats": self.repeats,
            "acceptance_pct": round(100.0 * self.accepted / max(1, self.posts), 2),
            "delivered": len(self.latencies_ms),
            "lost": self.sent - len(self.latencies_ms),
            "duplicated": self.duplicates,
            "rows/update_ids": f"{self.rows[0]}/{self.rows[1]} of {self.sent}",
            "p50_ms": round(pct(self.latencies_ms, 50), 2),
            "p99_ms": round(pct(self.latencies_ms, 99), 2),
            "p999_ms": round(pct(self.latencies_ms, 99.9), 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else float("nan"),
            "post_answer_p50_ms": round(pct(self.answer_ms, 50), 2),
            "post_answer_p99_ms": round(pct(self.answer_ms, 99), 2),
            "machine_cpu_pct": round(self.machine_cpu_pct, 1),
            "machine_busy_before_pct": round(self.busy_before_pct, 1),
            "processes": self.processes,
        }

    @property
    def ok(self) -> bool:
        return (
            len(self.latencies_ms) == self.sent
            and self.duplicates == 0
            and self.accepted == self.posts
            and self.rows == (self.sent, self.sent)
            and pct(self.latencies_ms, 99) <= TARGET_P99_MS
        )


def update_body(update_id: int, user: int, text: str) -> bytes:
    sender = {"id": 900000 + user, "is_bot": False, "first_name": f"User {user}"}
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "from": sender,
                "chat": {"id": sender["id"], "type": "private"},
                "date": int(time.time()),
                "text": text,
            },
        },
        separators=(",", ":"),
    ).encode()


async def schedule(rate: int, seconds: float, send: Any) -> int:
    """Open loop: ``send(i)`` at ``rate`` per second for ``seconds``; waits for all."""
    total = int(rate * seconds)
    start = time.monotonic()
    tasks: set[asyncio.Task[None]] = set()
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.ensure_future(send(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    return total


async def webhook_step(
    prep: Prepared,
    ports: tuple[list[int], int],
    rate: int,
    warmup: float,
    seconds: float,
    repeat_every: int,
    first_update: int,
    pids: dict[str, int],
) -> tuple[StepResult, int]:
    [operator] = await connect_all(
        [f"ws://127.0.0.1:{ports[1]}/ws/operator/"],
        [{"Authorization": f"Token {prep.operator_token}", "Origin": "http://127.0.0.1"}],
        "hello",
    )
    step = StepResult(rate=rate, seconds=seconds)
    measured: set[int] = set()
    seen: set[int] = set()
    next_update = first_update
    path = f"/hooks/telegram/{prep.key}/"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    pools = [Pool(port) for port in ports[0]]  # a load balancer's round robin
    measuring = False

    async def read() -> None:
        async for raw in operator:
            frame = json.loads(raw)
            if frame.get("type") != "message.created":
                continue
            message = frame["message"]
            update_id = int(str(message.get("client_id", "tg:0")).split(":")[1])
            body = json.loads(message["text"])
            latency = (time.monotonic_ns() - body["t"]) / 1e6
            if update_id in seen:
                if update_id in measured:
                    step.duplicates += 1
                continue
            seen.add(update_id)
            if update_id in measured:
                step.latencies_ms.append(latency)

    reader = asyncio.create_task(read())

    async def send(i: int) -> None:
        nonlocal next_update
        update_id = next_update
        next_update += 1
        user = i % prep.users
        if measuring:
            measured.add(update_id)
        body = update_body(update_id, user, padded_payload(i, user))
        copies = 2 if repeat_every and i % repeat_every == 0 else 1
        for _ in range(copies):
            t0 = time.monotonic_ns()
            status = await pools[i % len(pools)].post(path, body, headers)
            if measuring:
                step.posts += 1
                step.accepted += status == 200
                step.answer_ms.append((time.monotonic_ns() - t0) / 1e6)
        if measuring and copies == 2:
            step.repeats += 1

    await schedule(rate, warmup, send)
    await asyncio.sleep(0.5)
    measuring = True
    first_measured = next_update
    before = process_stats(list(pids.values()))
    cpu0 = machine_cpu()
    step.sent = await schedule(rate, seconds, send)
    cpu1 = machine_cpu()
    after = process_stats(list(pids.values()))
    measuring = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(step.latencies_ms) < step.sent:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    step.rows = rows_by_update(os.environ["DATABASE_URL"], first_measured, next_update - 1)
    step.machine_cpu_pct = (
        100.0 * (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1]) * (os.cpu_count() or 1)
    )
    for name, pid in pids.items():
        if pid in before and pid in after:
            cpu = 100.0 * (after[pid]["cpu_s"] - before[pid]["cpu_s"]) / seconds
            step.processes[name] = {
                "cpu_pct": round(cpu, 1),
                "rss_mb": round(after[pid]["rss_mb"], 1),
            }
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await operator.close()
    for pool in pools:
        pool.close()
    return step, next_update


async def floor_step(port: int, rate: int, warmup: float, seconds: float) -> StepResult:
    """POST -> 200 from the bare ASGI endpoint, same client, same pacing."""
    step = StepResult(rate=rate, seconds=seconds)
    pool = Pool(port)
    measuring = False

    async def send(i: int) -> None:
        body = update_body(i, 0, padded_payload(i, 0))
        t0 = time.monotonic_ns()
        status = await pool.post("/hooks/telegram/floor/", body, {})
        if measuring:
            step.posts += 1
            step.accepted += status == 200
            latency = (time.monotonic_ns() - t0) / 1e6
            step.answer_ms.append(latency)
            if status == 200:
                step.latencies_ms.append(latency)

    await schedule(rate, warmup, send)
    measuring = True
    step.sent = await schedule(rate, seconds, send)
    pool.close()
    return step


# --- running it ---------------------------------------------------------------------------


class FloorServer(Daphne):
    """Daphne serving ``bench/webhook_floor.py`` (no Django)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        self.log = open(log_dir / f"floor-{self.port}.log", "w")  # noqa: SIM115
        self.popen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-v",
                "0",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "bench.webhook_floor:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        import socket

        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            if self.popen.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the floor did not come up; see {self.log.name}")
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="200,500,1000")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--servers",
        type=int,
        choices=(1, 2),
        default=2,
        help="webhook servers: 2 (one per core, the operator's socket on the second) or 1",
    )
    parser.add_argument("--repeats", type=int, default=20, help="every Nth update twice (0: none)")
    parser.add_argument(
        "--quiet", type=float, default=35.0, help="wait until the machine is below this %% busy"
    )
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith(
        "redis"
    ):
        sys.exit("needs DATABASE_URL (postgres://) and REDIS_URL (redis://): see the docstring")
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_telegram_bench"
    bench_url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    database_create(admin_url, name)
    env = product_env(bench_url, redis_url)
    log_dir = Path(tempfile.mkdtemp(prefix="telegram-bench-"))
    report: dict[str, Any] = {"rates": rates, "seconds": args.seconds, "steps": [], "floor": []}
    try:
        prep = prepare(env, args.users)
        next_update = 1
        for rate in rates:
            busy = wait_for_quiet(args.quiet, 60)
            hook, ops = Daphne(env, log_dir, "one"), None
            try:
                ops = Daphne(env, log_dir, "two")
                pids = {"daphne_one": hook.pid, "daphne_two": ops.pid}
                hook_ports = [hook.port, ops.port] if args.servers == 2 else [hook.port]
                with collector_paused():
                    step, next_update = asyncio.run(
                        asyncio.wait_for(
                            webhook_step(
                                prep,
                                (hook_ports, ops.port),
                                rate,
                                args.warmup,
                                args.seconds,
                                args.repeats,
                                next_update,
                                pids,
                            ),
                            timeout=args.warmup + args.seconds + 120,
                        )
                    )
                step.busy_before_pct = busy
            finally:
                hook.stop()
                if ops is not None:
                    ops.stop()
            summary = {**step.summary(), "on_target": step.ok}
            report["steps"].append(summary)
            print(json.dumps(summary), flush=True)
            floor = FloorServer(env, log_dir)
            try:
                with collector_paused():
                    fstep = asyncio.run(floor_step(floor.port, rate, args.warmup, args.seconds))
            finally:
                floor.stop()
            fsum = {
                k: v
                for k, v in fstep.summary().items()
                if k in ("rate", "posts", "acceptance_pct", "p50_ms", "p99_ms", "p999_ms", "max_ms")
            }
            report["floor"].append(fsum)
            print(json.dumps({"floor": fsum}), flush=True)
    finally:
        database_drop(admin_url, name)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
