"""Helpers of the real tier: skip marks and subprocesses that always end."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

_DATABASE_URL = os.environ.get("DATABASE_URL", "")
_REDIS_URL = os.environ.get("REDIS_URL", "")
HOW = "python3 scripts/test.py --real starts one; or scripts/services.py up"

needs_postgres = pytest.mark.skipif(
    not _DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://")),
    reason=f"needs PostgreSQL: DATABASE_URL is not a postgres:// URL ({HOW})",
)
needs_redis = pytest.mark.skipif(
    not _REDIS_URL.startswith(("redis://", "rediss://")),
    reason=f"needs Redis: REDIS_URL is not a redis:// URL ({HOW})",
)
real = [pytest.mark.real, needs_postgres, needs_redis]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A subprocess whose output is collected line by line, to wait for a line."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str], cwd: Path = ROOT) -> None:
        self.args = list(args)
        self.popen = subprocess.Popen(
            self.args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._eof = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float, *, after: int = 0) -> re.Match[str]:
        """The first line from index ``after`` on that matches ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    match = regex.search(line)
                    if match:
                        return match
                if self._eof:
                    self.popen.wait(timeout=10)
                    raise AssertionError(
                        f"{self.args[:6]} exited ({self.popen.returncode}) before "
                        f"printing {pattern!r}:\n{self.output()}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.args[:6]} printed no {pattern!r} in {timeout} s:\n{self.output()}"
                    )
                self._changed.wait(remaining)

    def matching(self, pattern: str) -> list[str]:
        with self._changed:
            return [line for line in self.lines if re.search(pattern, line)]

    def output(self) -> str:
        return "\n".join(self.lines[-150:])

    def stop(self, timeout: float = 15) -> None:
        """Terminate by PID (then kill if it lingers) and reap."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=timeout)
        self._reader.join(timeout=5)
