"""Pieces every benchmark shares: paced open-loop sending, latency statistics, process
stats, and free loopback ports. Benchmarks are commands, not tests: they print a report
and target loopback only, bounded in count and time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

FRAME_BYTES = 200
ROOT = Path(__file__).resolve().parent.parent


def servers_from_env() -> tuple[str, str]:
    """``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` from the environment, or the
    command ends saying what is missing; the open-files limit raised to its maximum for
    the benchmark's many sockets."""
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL (SQLite is refused).")
    if not redis_url.startswith("redis://"):
        sys.exit("REDIS_URL must be a redis:// URL.")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return database_url, redis_url


def process_stop(popen: subprocess.Popen[bytes], wait_s: float = 20) -> None:
    """Ends a process this benchmark started: SIGTERM, then SIGKILL if it lingers."""
    if popen.poll() is None:
        popen.terminate()
        try:
            popen.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The load generator's own garbage collector off for a step. The client keeps a
    record of every message it sent and saw (tens of thousands of objects); left on, its
    full collections stop the client's event loop for 100-200 ms several times a step,
    and every frame that arrives meanwhile is timed late: the instrument's pause would be
    charged to the server. What was allocated is collected after the step."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


def padded_payload(seq: int, pair: int, filler: str = "x") -> str:
    """A JSON text of about FRAME_BYTES characters carrying the send time (monotonic ns),
    padded with ``filler`` (repeated and cut; e.g. a customer's question in words)."""
    body = {"seq": seq, "pair": pair, "t": time.monotonic_ns(), "pad": ""}
    raw = json.dumps(body, separators=(",", ":"))
    room = max(0, FRAME_BYTES - len(raw))
    body["pad"] = (filler * (room // max(1, len(filler)) + 1))[:room]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def payload_latency_ms(text: str) -> tuple[int, int, float]:
    """(pair, seq, latency in ms) of a payload made by ``padded_payload``."""
    body = json.loads(text)
    return body["pair"], body["seq"], (time.monotonic_ns() - body["t"]) / 1e6


@dataclass
class Step:
    """Results of one load step."""

    rate: int
    seconds: float
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    duplicates: int = 0
    out_of_order: int = 0
    errors: int = 0

    @property
    def delivered(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[k]

    def summary(self) -> dict[str, float | int]:
        return {
            "rate": self.rate,
            "sent": self.sent,
            "delivered": self.delivered,
            "lost": self.sent - self.delivered,
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "errors": self.errors,
            "achieved_per_s": round(self.delivered / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "p999_ms": round(self.percentile(99.9), 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else float("nan"),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2)
            if self.latencies_ms
            else float("nan"),
        }


class Receiver:
    """Tracks what arrived per pair: latency, duplicates and order."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.last_seq: dict[int, int] = {}
        self.seen: set[tuple[int, int]] = set()
        self.measuring = True

    def record(self, text: str) -> None:
        pair, seq, latency = payload_latency_ms(text)
        if (pair, seq) in self.seen:
            self.step.duplicates += 1
            return
        self.seen.add((pair, seq))
        if seq < self.last_seq.get(pair, -1):
            self.step.out_of_order += 1
        self.last_seq[pair] = max(seq, self.last_seq.get(pair, -1))
        if self.measuring:
            self.step.latencies_ms.append(latency)


async def paced(
    rate: int, seconds: float, pairs: int, send: Callable[[int, int], Awaitable[None]]
) -> int:
    """Open-loop: send ``rate`` messages a second for ``seconds``, round-robin over pairs,
    on a fixed schedule whatever the replies do. Returns how many were sent."""
    total = int(rate * seconds)
    interval = 1.0 / rate
    start = time.monotonic()
    seq_of = [0] * pairs
    sent = 0
    inflight: set[asyncio.Task[None]] = set()
    for i in range(total):
        due = start + i * interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        pair = i % pairs
        seq_of[pair] += 1
        task = asyncio.ensure_future(send(pair, seq_of[pair]))
        inflight.add(task)
        task.add_done_callback(inflight.discard)
        sent += 1
    if inflight:
        await asyncio.gather(*inflight, return_exceptions=True)
    return sent


def process_stats(pids: list[int]) -> dict[int, dict[str, float]]:
    """CPU seconds and RSS (MB) per process, read from /proc."""
    out: dict[int, dict[str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/statm") as f:
                rss_pages = int(f.read().split()[1])
        except OSError:
            continue
        out[pid] = {
            "cpu_s": (int(fields[11]) + int(fields[12])) / tick,
            "rss_mb": rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20,
        }
    return out


def descendants(pid: int) -> list[int]:
    """``pid``'s child processes, theirs, and so on (a prefork worker's pool)."""
    found: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as f:
                    children = [int(c) for c in f.read().split()]
            except OSError:
                continue
            found += children
            stack += children
    return found


class Worker:
    """``celery -A contactcenter worker`` (prefork, ``--concurrency`` processes), its
    output in a file of ``log_dir``."""

    def __init__(self, env: dict[str, str], log_dir: Path, concurrency: int) -> None:
        self.log = open(log_dir / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        command = [sys.executable, "-m", "celery", "-A", "contactcenter", "worker"]
        command += ["-l", "warning", "-c", str(concurrency), "--without-heartbeat"]
        command += ["--without-gossip", "--without-mingle"]
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def pids(self) -> dict[str, int]:
        """The worker's processes by name (its pool's children included)."""
        return {
            f"worker_{n}": pid
            for n, pid in enumerate([self.popen.pid, *descendants(self.popen.pid)])
        }

    def cpu_s(self) -> float:
        """CPU seconds the worker and its pool have used so far."""
        return sum(s["cpu_s"] for s in process_stats(list(self.pids().values())).values())

    def wait_idle(self, timeout: float = 60.0, quiet_s: float = 1.0) -> None:
        """Waits until the worker has started (its imports, its pool's processes) and
        uses no CPU for ``quiet_s``: what it uses next is the work it is given."""
        deadline = time.monotonic() + timeout
        time.sleep(0.5)
        last = self.cpu_s()
        while time.monotonic() < deadline:
            time.sleep(quiet_s)
            now = self.cpu_s()
            if now - last < 0.02 and len(self.pids()) > 1:
                return
            last = now

    def stop(self) -> None:
        process_stop(self.popen)
        self.log.close()
