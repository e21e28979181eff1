"""The bots' step thread: what contacts do in ``bot`` sessions, answered in batches.

On PostgreSQL the listeners hand each step (a contact's text, a pressed button) to
``submit`` instead of running it in the thread that delivered the event (the message
writer's event thread, a socket's database thread). One thread per process takes what
has queued up meanwhile, up to ``MAX_BATCH`` steps, and carries it out with
``runtime.bot_steps``: a handful of queries a batch rather than a dozen a step, so one
process answers hundreds of bot steps a second, and neither the message writer's
events nor the sockets wait for a bot. Steps run in the order they were submitted (a
session's steps keep their order). A batch that fails is run again step by step, so
one bad step costs only itself (logged).

Where the caller's writes are not committed yet (an outer transaction: a test's, or a
caller that holds one) and on SQLite (one writer at a time: a second writing thread
would only wait on it), steps run at once in the caller's thread, as a batch of one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.db import close_old_connections, connection

from bots.services import runtime
from inbox.writer import ConnectionCheck

logger = logging.getLogger(__name__)

MAX_BATCH = 200
# An idle thread lets go of its database connection after this long without steps.
IDLE_CLOSE_S = 2.0


class Stepper:
    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self.steps: queue.SimpleQueue[runtime.Step | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.connection_check = ConnectionCheck()
        self.unfinished = 0
        self.idle = threading.Condition()

    def submit(self, step: runtime.Step | None) -> None:
        """Queues ``step``; None asks the thread to close its database connection."""
        with self.idle:
            self.unfinished += 1
        self.steps.put(step)
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._loop, name="bot-steps", daemon=True)
                    self.thread.start()

    def _loop(self) -> None:
        while True:
            try:
                first = self.steps.get(timeout=IDLE_CLOSE_S)
            except queue.Empty:
                connection.close()
                first = self.steps.get()
            batch = [first]
            while len(batch) < self.max_batch and first is not None:
                try:
                    batch.append(self.steps.get_nowait())
                except queue.Empty:
                    break
            try:
                steps = [step for step in batch if step is not None]
                if steps:
                    self.run(steps)
                if len(steps) < len(batch):
                    connection.close()
            finally:
                with self.idle:
                    self.unfinished -= len(batch)
                    self.idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every submitted step is carried out; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.idle:
            while self.unfinished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.idle.wait(left)
        return True

    def run(self, batch: list[runtime.Step]) -> None:
        self.connection_check()
        try:
            runtime.bot_steps(batch)
            return
        except Exception:
            logger.exception("a batch of %d bot steps failed; one by one", len(batch))
            self.connection_check.failed()
            close_old_connections()
        for step in batch:
            try:
                runtime.bot_steps([step])
            except Exception:
                logger.exception("bot step %s failed", step)


_stepper = Stepper()


def steps_wait(timeout: float = 10.0) -> bool:
    """Waits for the step thread to carry out what it was given (tests, shutdown)."""
    return _stepper.wait_idle(timeout)


def steps_let_go(timeout: float = 10.0) -> bool:
    """Waits for the step thread, then has it close its database connection (so that a
    test database can be flushed or dropped). True when it was idle in time."""
    if _stepper.thread is None:
        return True
    _stepper.submit(None)
    return _stepper.wait_idle(timeout)


def step_submit(step: runtime.Step) -> None:
    """Answers ``step`` in the step thread, or at once (see the module doc)."""
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) <= 1:
        _stepper.submit(step)
    else:
        runtime.bot_steps([step])
