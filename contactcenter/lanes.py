"""Background lanes: work that follows a commit, done in batches by a thread of its own.

Listeners that would otherwise run their queries in whatever thread delivered the event
(the message writer's event thread, a socket's database thread, the router's burst)
hand each item to a ``Lane`` instead. One thread per lane and process takes what has
queued up meanwhile, up to ``max_batch`` items, and passes it to the lane's ``run`` in
the order submitted: a handful of queries a batch rather than a dozen an item, and the
sender never waits. A lane with ``linger_s`` waits that long after an item for more to
come (a burst is then carried out in a few large batches: the work is cheaper per item
and the lane's thread takes the interpreter from the senders' less often). A batch
that raises is run again item by item, so one bad item costs only itself (logged). An
idle lane lets go of its database connection.

Items run at once, in the caller's thread, as a batch of one when: the caller's writes
are not committed yet (an outer transaction is open: a test's, or a caller that holds
one); the database is SQLite (one writer at a time: a second writing thread would only
wait on it); or the setting ``BACKGROUND_LANES_INLINE`` is on (the in-process tests).

Lanes live in memory: an item queued when the process dies is not carried out. Use them
for work the product can do again or do without (a bot's reply the contact can ask for
again, a figure the reports can rebuild), never for the record itself.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 200
# An idle lane's thread lets go of its database connection after this long.
IDLE_CLOSE_S = 2.0
HEALTH_CHECK_EVERY_S = 1.0


class ConnectionCheck:
    """Django's stale-connection handling for a thread that runs database work back to
    back: ``close_old_connections`` (and with it, on the next query, a ``SELECT 1``
    health check) at most once every ``every_s``, and on the next call after
    ``failed()``. Before every batch it cost a round trip per batch."""

    def __init__(self, every_s: float = HEALTH_CHECK_EVERY_S) -> None:
        self.every_s = every_s
        self.at = -math.inf

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.at >= self.every_s:
            close_old_connections()
            self.at = now

    def failed(self) -> None:
        self.at = -math.inf


_lanes: list[Lane[Any]] = []


class Lane(Generic[T]):
    def __init__(
        self,
        name: str,
        run: Callable[[list[T]], None],
        *,
        max_batch: int = MAX_BATCH,
        linger_s: float = 0.0,
    ) -> None:
        self.name = name
        self.run = run
        self.max_batch = max_batch
        self.linger_s = linger_s
        self.items: queue.SimpleQueue[T | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.connection_check = ConnectionCheck()
        self.unfinished = 0
        self.idle = threading.Condition()
        _lanes.append(self)

    def submit(self, item: T) -> None:
        """Carries ``item`` out in the lane's thread, or at once (see the module doc)."""
        if _inline():
            self.run([item])
        else:
            self._put(item)

    def _put(self, item: T | None) -> None:
        with self.idle:
            self.unfinished += 1
        self.items.put(item)
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                    self.thread.start()

    def _loop(self) -> None:
        while True:
            try:
                first = self.items.get(timeout=IDLE_CLOSE_S)
            except queue.Empty:
                connection.close()
                first = self.items.get()
            batch = self._gather(first)
            try:
                work = [item for item in batch if item is not None]
                if work:
                    self._carry_out(work)
                if len(work) < len(batch):  # asked to let go of the connection
                    connection.close()
            finally:
                with self.idle:
                    self.unfinished -= len(batch)
                    self.idle.notify_all()

    def _gather(self, first: T | None) -> list[T | None]:
        """The batch that starts with ``first``: what has queued up meanwhile, and with
        ``linger_s``, what comes within that long after ``first`` (up to ``max_batch``
        items; a request to let go of the connection ends the wait)."""
        batch = [first]
        deadline = time.monotonic() + self.linger_s
        while len(batch) < self.max_batch and batch[-1] is not None:
            try:
                left = deadline - time.monotonic()
                batch.append(self.items.get(timeout=left) if left > 0 else self.items.get_nowait())
            except queue.Empty:
                break
        return batch

    def _carry_out(self, batch: list[T]) -> None:
        self.connection_check()
        try:
            self.run(batch)
            return
        except Exception:
            logger.exception("lane %s: a batch of %d failed; one by one", self.name, len(batch))
            self.connection_check.failed()
            close_old_connections()
        for item in batch:
            try:
                self.run([item])
            except Exception:
                logger.exception("lane %s: %r failed", self.name, item)

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every submitted item is carried out; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.idle:
            while self.unfinished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.idle.wait(left)
        return True

    def let_go(self, timeout: float) -> bool:
        """Waits for the lane, then has its thread close its database connection (so
        that a test database can be flushed or dropped)."""
        if self.thread is None:
            return True
        self._put(None)
        return self.wait_idle(timeout)


def _inline() -> bool:
    return (
        getattr(settings, "BACKGROUND_LANES_INLINE", False)
        or connection.vendor != "postgresql"
        or len(connection.atomic_blocks) > 1
    )


def lanes_wait(timeout: float = 10.0) -> bool:
    """Waits for every lane of this process to be idle."""
    return all(lane.wait_idle(timeout) for lane in list(_lanes))


def lanes_let_go(timeout: float = 10.0) -> bool:
    """Every lane's thread closes its database connection once idle."""
    return all(lane.let_go(timeout) for lane in list(_lanes))
