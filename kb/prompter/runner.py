"""Where the prompter's work runs: never in the thread that stored the message.

Listeners run right after the message's commit, in the thread of whoever stored it (the
widget writer's event thread, a webhook's request...). Matching costs a few
milliseconds, so the listeners only hand the message's id to one background thread per
process, which works in arrival order (a reply is compared with the suggestions of the
messages before it) with its own database connection. When that thread falls
``MAX_PENDING`` jobs behind, new ones are dropped and logged: a suggestion is a hint and
must never slow the messages down. With ``KB_PROMPTER_INLINE`` (default: when Celery
runs tasks eagerly, as in the in-process test tier) the work runs in place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

MAX_PENDING = 5000


class Runner:
    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self.max_pending = max_pending
        self.pending = 0
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
                logger.warning("prompter: %s jobs behind, %s dropped", self.pending, job.__name__)
                return False
            self.pending += 1
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prompter")
            executor = self.executor
        executor.submit(self._work, job, args)
        return True

    def _work(self, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
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
