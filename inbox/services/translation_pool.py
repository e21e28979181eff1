"""The threads that translate, off the path that stores, acks and pushes a message: a
listener or a service hands a job here and returns at once. Two pools, so that replies
waiting for their translation (the contact waits for them) never queue behind the
translations of incoming messages (the operator already sees the original)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")

INCOMING = "incoming"
REPLIES = "replies"
# replies' translations asked before they are stored (one request each while the pool
# is idle, together when it is busy): apart from the replies' pool, whose threads wait
# for these answers
EARLY = "early"

_pools: dict[str, ThreadPoolExecutor] = {}
_running: set[Future[None]] = set()
_lock = threading.Lock()


def _pool(kind: str) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(kind)
        if pool is None:
            pool = ThreadPoolExecutor(
                max_workers=max(1, settings.TRANSLATION_THREADS),
                thread_name_prefix=f"translate-{kind}",
            )
            _pools[kind] = pool
        return pool


def submit(kind: str, job: Callable[[], object], *, turns: bool = True) -> Future[None]:
    """Runs ``job`` in a translation thread; its failure is logged, never raised. With
    ``turns`` it runs again when SQLite refuses it a write (see below)."""

    def run() -> None:
        close_old_connections()
        try:
            _with_turns(job) if turns else job()
        except Exception:
            logger.exception("translation job failed")
        finally:
            close_old_connections()

    future = _pool(kind).submit(run)
    with _lock:
        _running.add(future)
    future.add_done_callback(_forget)
    return future


# SQLite (the embedded default; the fast tests' in-memory database) has one writer at a
# time, and its shared in-memory database refuses a second one at once ("table is
# locked") instead of waiting: a translation gives way and runs again (its provider call
# is cached by then). Jobs are idempotent. On PostgreSQL this never happens.
LOCKED_TURNS = 50


_turn = threading.local()


def locked(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's refusal of a second writer and the job, running in a
    translation thread, will run again (False on its last turn)."""
    if not (isinstance(error, OperationalError) and "locked" in str(error)):
        return False
    return getattr(_turn, "left", 0) > 0


def _with_turns(job: Callable[[], object]) -> None:
    for turn in range(LOCKED_TURNS):
        _turn.left = LOCKED_TURNS - 1 - turn
        try:
            job()
            return
        except OperationalError as error:
            if not locked(error):
                raise
            connection.close()
        finally:
            _turn.left = 0
        time.sleep(0.01 * (1 + turn % 5))  # only before another turn: a success returned


def _forget(future: Future[None]) -> None:
    with _lock:
        _running.discard(future)


def drain(timeout: float = 10.0) -> None:
    """Waits until the jobs submitted so far, and those they submit, are done (tests,
    benchmarks)."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            running = list(_running)
        if not running:
            return
        wait(running, timeout=max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            return


class Batched(Generic[T]):
    """Collects items handed to it for ``linger_s`` (at most ``max_batch``) and hands them
    to ``handle`` together in a translation thread: one provider request and one write
    for many messages instead of one each (the provider takes lists of texts)."""

    def __init__(
        self,
        kind: str,
        handle: Callable[[list[T]], object],
        *,
        linger_s: float = 0.02,
        max_batch: int = 100,
    ) -> None:
        self.kind, self.handle = kind, handle
        self.linger_s, self.max_batch = linger_s, max_batch
        self._pending: list[T] = []
        self._scheduled = False
        self._lock = threading.Lock()

    def add(self, *items: T) -> None:
        """Hands ``items`` over together (they go in the same batch unless it is full)."""
        with self._lock:
            self._pending.extend(items)
            if self._scheduled:
                return
            self._scheduled = True
        submit(self.kind, self._flush, turns=False)

    def _flush(self) -> None:
        if self.linger_s:
            time.sleep(self.linger_s)
        with self._lock:
            taken = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            self._scheduled = bool(self._pending)
        if self._scheduled:
            submit(self.kind, self._flush, turns=False)
        if taken:  # the same batch on every turn (a new flush would take other items)
            _with_turns(lambda: self.handle(taken))
