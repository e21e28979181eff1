"""Idle widget sockets on one Daphne process: memory per socket, and all of them still
answering after a hold (issue 18: 10,000 sockets at 30 KB or less each).

    .venv/bin/python bench/idle_sockets.py --steps 2000,5000,10000
    .venv/bin/python bench/idle_sockets.py --quick      # 1,000 sockets; exit 1 above 45 KB

With ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` set (``eval "$(python3
scripts/services.py up)"``) it uses those servers, in a database of its own next to
``DATABASE_URL``'s (``<name>_sockets_bench``, dropped at the end); without them it starts
its own (``scripts/services.py``'s ``Services``) and stops them at the end.

Prep: one widget channel and N visitors made by ``inbox.services.widget_visitor_create``,
each with one message in its dialog. Per step a fresh Daphne starts on loopback (its
open-file limit raised for it); one socket opens and closes so that the code paths are
loaded, then the baseline: Daphne's VmRSS with no socket. The load generator opens N
widget sockets from several processes (each its own event loop, its own loopback
address, ``--concurrency`` connecting at a time), each waits for its ``welcome``; then
the hold, Daphne's VmRSS again, and a ``sync`` on every socket, which must answer with
the dialog's message. Reported: (RSS after - baseline) / N in KB (1 KB = 1,024 bytes),
the time to open them all, how many were still open after the hold and how many
answered, and the time for all the answers.

``--trace`` runs Daphne under ``bench/daphne_traced.py`` (tracemalloc) and writes the
allocations that grew between the baseline and the end of the hold next to the logs:
where the memory goes, not a figure to quote (tracemalloc's own cost is in the RSS).

Loopback only; bounded in count (at most 20,000 sockets) and time (every wait has a
deadline); the processes it starts are ended here, by their PIDs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, process_stop  # noqa: E402
from bench.messaging_bench import product_env  # noqa: E402

MAX_SOCKETS = 20_000
SOCKETS_PER_CLIENT = 2_500
QUICK_SOCKETS = 1_000
QUICK_BOUND_KB = 45.0
TARGET_KB = 30.0
STEP_DEADLINE_S = 900.0
APP = "contactcenter.asgi:application"


# --- servers and database ---------------------------------------------------------------


def raise_open_files() -> None:
    """This process's open-file limit up to its hard limit (inherited by children)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def bench_urls(url: str) -> tuple[str, str, str]:
    """(admin url, bench url, bench database name) next to ``url``'s database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_sockets_bench"
    bench = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    return admin, bench, name


def database_recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    url = admin_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str], sockets: int) -> tuple[str, list[str]]:
    """Migrates the bench database; makes a widget channel and ``sockets`` visitors with
    one message each. Returns the channel's key and the visitors' tokens."""
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
    from django.db import connections, transaction

    from inbox.models import Channel, Message, SenderType
    from inbox.services import widget_visitor_create

    channel = Channel.objects.create(type="widget", name="sockets bench")
    tokens, dialogs = [], []
    for i in range(sockets):
        visitor, token = widget_visitor_create(channel=channel, name=f"Visitor {i}")
        tokens.append(token)
        dialogs.append(visitor.dialog_id)
    with transaction.atomic():
        # one message per dialog, so that a `sync` answers with a frame
        Message.objects.bulk_create(
            Message(dialog_id=d, sender_type=SenderType.SYSTEM, text="hello") for d in dialogs
        )
    key = channel.key
    connections.close_all()
    return key, tokens


class Daphne:
    """One Daphne process on a free loopback port; ``stop()`` ends it by its PID."""

    def __init__(self, env: dict[str, str], log_dir: Path, trace: bool) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"daphne-{self.port}.log"
        self.trace_path = log_dir / f"trace-{self.port}.txt"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        runner = [str(ROOT / "bench" / "daphne_traced.py")] if trace else ["-m", "daphne"]
        self.popen = subprocess.Popen(
            [sys.executable, *runner, "-v", "0", "-b", "127.0.0.1", "-p", str(self.port), APP],
            cwd=ROOT,
            env={**env, "TRACE_OUT": str(self.trace_path)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_open_files,  # before any thread of ours starts
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                pass
            if self.popen.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne did not come up; see {self.log_path}")
            time.sleep(0.2)

    def rss_kb(self) -> int:
        with open(f"/proc/{self.popen.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        with open(f"/proc/{self.popen.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signum)

    def stop(self) -> None:
        process_stop(self.popen)
        self.log.close()


# --- load generator (one process per slice of sockets) -----------------------------------


async def _open_one(url: str, local: str, gate: asyncio.Semaphore) -> Any:
    from websockets.asyncio.client import connect

    async with gate:
        try:
            ws = await asyncio.wait_for(
                connect(url, max_size=2**20, open_timeout=60, local_addr=(local, 0)), 90
            )
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame.get("type") == "welcome":
                    return ws
        except Exception:
            return None


async def _answers(ws: Any, gate: asyncio.Semaphore) -> bool:
    async with gate:
        try:
            await ws.send(json.dumps({"type": "sync", "after": 0}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame.get("type") == "message":
                    return True
        except Exception:
            return False


async def _client_main(urls: list[str], local: str, concurrency: int, pipe: Any) -> None:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    t0 = time.monotonic()
    opened = await asyncio.gather(*(_open_one(u, local, gate) for u in urls))
    sockets = [ws for ws in opened if ws is not None]
    pipe.send({"opened": len(sockets), "open_s": time.monotonic() - t0})
    await loop.run_in_executor(None, pipe.recv)  # "sync"
    still_open = sum(1 for ws in sockets if ws.close_code is None)
    t1 = time.monotonic()
    answered = sum(await asyncio.gather(*(_answers(ws, gate) for ws in sockets)))
    pipe.send({"still_open": still_open, "answered": answered, "sync_s": time.monotonic() - t1})
    await loop.run_in_executor(None, pipe.recv)  # "close"
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def client_process(urls: list[str], local: str, concurrency: int, pipe: Any) -> None:
    raise_open_files()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent ends the run
    asyncio.run(_client_main(urls, local, concurrency, pipe))


@dataclass
class Clients:
    processes: list[Any]
    pipes: list[Any]

    def gather(self, deadline: float) -> list[dict[str, Any]]:
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("a load generator did not answer in time")
            answers.append(pipe.recv())
        return answers

    def tell(self, word: str) -> None:
        for pipe in self.pipes:
            pipe.send(word)

    def end(self) -> None:
        for proc in self.processes:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)


def clients_start(urls: list[str], concurrency: int) -> Clients:
    ctx = multiprocessing.get_context("spawn")
    count = max(1, -(-len(urls) // SOCKETS_PER_CLIENT))
    processes, pipes = [], []
    for k in range(count):
        mine, theirs = ctx.Pipe()
        # each process from its own loopback address: no shortage of ephemeral ports
        proc = ctx.Process(
            target=client_process,
            args=(urls[k::count], f"127.0.0.{k + 2}", concurrency, theirs),
            daemon=True,
        )
        proc.start()
        processes.append(proc)
        pipes.append(mine)
    return Clients(processes, pipes)


# --- one step -----------------------------------------------------------------------------


def warm_up(port: int, key: str, token: str) -> None:
    """One socket opened and closed: the code paths loaded before the baseline."""

    async def once() -> None:
        from websockets.asyncio.client import connect

        async with connect(f"ws://127.0.0.1:{port}/ws/widget/{key}/?token={token}") as ws:
            await asyncio.wait_for(ws.recv(), 30)
            await ws.send(json.dumps({"type": "sync", "after": 0}))
            await asyncio.wait_for(ws.recv(), 30)

    asyncio.run(once())
    time.sleep(1)


def run_step(
    env: dict[str, str], log_dir: Path, key: str, tokens: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    server = Daphne(env, log_dir, args.trace)
    clients: Clients | None = None
    deadline = time.monotonic() + STEP_DEADLINE_S
    try:
        warm_up(server.port, key, tokens[0])
        base_kb = server.rss_kb()
        server.signal(signal.SIGUSR1) if args.trace else None
        urls = [f"ws://127.0.0.1:{server.port}/ws/widget/{key}/?token={t}" for t in tokens]
        t0 = time.monotonic()
        clients = clients_start(urls, args.concurrency)
        opened = clients.gather(deadline)
        open_s = time.monotonic() - t0
        time.sleep(args.hold)
        held_kb = server.rss_kb()
        if args.trace:
            server.trace_path.unlink(missing_ok=True)
            server.signal(signal.SIGUSR1)
            while not server.trace_path.exists() and time.monotonic() < deadline:
                time.sleep(1)
        clients.tell("sync")
        synced = clients.gather(deadline)
        clients.tell("close")
        n = len(tokens)
        return {
            "sockets": n,
            "opened": sum(o["opened"] for o in opened),
            "open_s": round(open_s, 1),
            "hold_s": args.hold,
            "still_open_after_hold": sum(s["still_open"] for s in synced),
            "answered_sync": sum(s["answered"] for s in synced),
            "sync_all_s": round(max(s["sync_s"] for s in synced), 1),
            "rss_base_mb": round(base_kb / 1024, 1),
            "rss_held_mb": round(held_kb / 1024, 1),
            "kb_per_socket": round((held_kb - base_kb) / n, 1),
            "client_processes": len(opened),
            "trace": str(server.trace_path) if args.trace else None,
        }
    finally:
        if clients is not None:
            clients.end()
        server.stop()


# --- main ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--steps", default="2000", help="socket counts, comma-separated")
    parser.add_argument("--hold", type=float, default=10, help="seconds the sockets stay idle")
    parser.add_argument("--concurrency", type=int, default=50, help="connecting at a time, each")
    parser.add_argument("--bound", type=float, help="exit 1 when a step is above this KB/socket")
    parser.add_argument("--trace", action="store_true", help="tracemalloc inside Daphne")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SOCKETS} sockets, a 2 s hold, bound "
        f"{QUICK_BOUND_KB:g} KB: the regression guard",
    )
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.hold = str(QUICK_SOCKETS), 2.0
        args.bound = args.bound or QUICK_BOUND_KB
    args.counts = [int(s) for s in args.steps.split(",")]
    if not args.counts or min(args.counts) < 1 or max(args.counts) > MAX_SOCKETS:
        parser.error(f"socket counts must be between 1 and {MAX_SOCKETS}")
    if not 0 <= args.hold <= 600:
        parser.error("--hold must be between 0 and 600 seconds")
    return args


@contextlib.contextmanager
def servers() -> Any:
    """(DATABASE_URL, REDIS_URL): the environment's, or our own throwaway ones."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if database_url or redis_url:
        if not database_url.startswith(("postgres://", "postgresql://")):
            sys.exit("DATABASE_URL must point at PostgreSQL (SQLite is refused).")
        if not redis_url.startswith("redis://"):
            sys.exit("REDIS_URL must be a redis:// URL.")
        yield database_url, redis_url
        return
    sys.path.insert(0, str(ROOT / "scripts"))
    from services import Services

    with Services() as own:
        yield own.env()["DATABASE_URL"], own.env()["REDIS_URL"]


def main() -> int:
    started = time.monotonic()
    args = parse_args()
    raise_open_files()
    log_dir = Path(tempfile.mkdtemp(prefix="sockets-bench-"))
    results: list[dict[str, Any]] = []
    with servers() as (database_url, redis_url):
        admin_url, bench_url, name = bench_urls(database_url)
        env = product_env(bench_url, redis_url)
        database_recreate(admin_url, name)
        try:
            t0 = time.monotonic()
            key, tokens = prepare(env, max(args.counts))
            print(f"# prepared in {time.monotonic() - t0:.1f} s; logs in {log_dir}", flush=True)
            for count in args.counts:
                step = run_step(env, log_dir, key, tokens[:count], args)
                results.append(step)
                print(json.dumps(step), flush=True)
        finally:
            database_recreate(admin_url, name, drop_only=True)
    print(f"# {time.monotonic() - started:.0f} s in all", flush=True)
    return report(results, args)


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> int:
    print("\n| sockets | opened in | open after hold | answered sync | RSS base → held | KB/sock |")
    print("|---|---|---|---|---|---|")
    failed = False
    for r in results:
        print(
            f"| {r['sockets']:,} | {r['open_s']} s | {r['still_open_after_hold']:,} "
            f"| {r['answered_sync']:,} ({r['sync_all_s']} s) "
            f"| {r['rss_base_mb']} → {r['rss_held_mb']} MB | **{r['kb_per_socket']}** |"
        )
        all_answer = r["answered_sync"] == r["sockets"] == r["still_open_after_hold"]
        over = args.bound is not None and r["kb_per_socket"] > args.bound
        failed = failed or over or not all_answer
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))
    if failed:
        print(f"FAIL: above {args.bound} KB per socket, or not every socket answered")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
