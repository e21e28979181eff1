"""The prompter's background thread, for ``KB_PROMPTER_RUNNER = "thread"`` (the default
is a Celery task: see ``kb.prompter.listeners``): never in the thread that stored the
message.

Listeners run right after the message's commit, in the thread of whoever stored it (the
widget writer's event thread, a webhook's request...). Matching costs milliseconds, so
the listeners only hand the message's id to one background thread per process, which
works in arrival order (a reply is compared with the suggestions of the
messages before it) with its own database connection. A suggestion is a hint and must
never slow the messages down, and one that comes late is no help: when the thread falls
``MAX_PENDING`` jobs behind, new ones are dropped, and a job that waited longer than
``MAX_WAIT_S`` is skipped (both counted in ``dropped`` and logged). With
``KB_PROMPTER_INLINE`` (default: when Celery runs tasks eagerly, as in the in-process
test tier) the work runs in place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

MAX_PENDING = 500
MAX_WAIT_S = 10.0


class Runner:
    def __init__(self, max_pending: int = MAX_PENDING, max_wait_s: float = MAX_WAIT_S) -> None:
        self.max_pending = max_pending
        self.max_wait_s = max_wait_s
        self.pending = 0
        self.dropped = 0
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None

    def inline(self) -> bool:
        default = bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))
        return bool(getattr(settings, "KB_PROMPTER_INLINE", default))

    def submit(self, job: Callable[..., Any], *args: Any) -> bool:
        """Runs ``job(*args)`` now (inline) or soon in the prompter's thread; False when
        it was dropped because the thread is too far behind."""
        if self.inline():
            _run_logged(job, args)
            return True
        with self.lock:
            if self.pending >= self.max_pending:
                self._drop(job)
                return False
            self.pending += 1
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prompter")
            executor = self.executor
        executor.submit(self._work, job, args, time.monotonic())
        return True

    def _drop(self, job: Callable[..., Any]) -> None:
        self.dropped += 1
        if self.dropped % 100 == 1:  # the first, then every hundredth
            logger.warning(
                "prompter: %s jobs behind, %s dropped (%s so far)",
                self.pending,
                job.__name__,
                self.dropped,
            )

    def _work(self, job: Callable[..., Any], args: tuple[Any, ...], queued_at: float) -> None:
        try:
            if time.monotonic() - queued_at > self.max_wait_s:
                with self.lock:
                    self._drop(job)
                return
            close_old_connections()
            _run_logged(job, args)
        finally:
            with self.lock:
                self.pending -= 1
                idle = self.pending == 0
            if idle:
                connection.close()

    def drain(self, timeout: float = 10.0) -> None:
        """Waits until the jobs submitted so far have run (tests, the benchmark)."""
        with self.lock:
            executor = self.executor
        if executor is not None:
            executor.submit(lambda: None).result(timeout=timeout)


def _run_logged(job: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        job(*args)
    except Exception:
        logger.exception("prompter job %s%r failed", getattr(job, "__name__", job), args)


runner = Runner()
