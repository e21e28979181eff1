"""Handing the prompter's work to the Celery workers without a publish per message.

A message stored by the widget writer announces itself in the writer's event thread;
publishing one Celery task there for each message (a round trip to the broker and
kombu's own work, about a millisecond of a busy process) took CPU from the process that
stores, acks and pushes messages. The listeners add the message's id here instead, and
a timer publishes what gathered as ONE task (``kb.prompter_batch``) every ``EVERY_S`` or
at ``MAX_BATCH`` ids, in arrival order. Ids gathered when a process dies unflushed are
lost: a suggestion is a hint. With Celery running tasks eagerly (the in-process test
tier) each id runs at once, unbatched.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from contactcenter import jobs

logger = logging.getLogger(__name__)

EVERY_S = 0.2
MAX_BATCH = 200
TASK = "kb.prompter_batch"


class Batcher:
    def __init__(self, every_s: float = EVERY_S, max_batch: int = MAX_BATCH) -> None:
        self.every_s = every_s
        self.max_batch = max_batch
        self.lock = threading.Lock()
        self.items: list[tuple[str, int]] = []
        self.timer: threading.Timer | None = None

    def add(self, kind: str, message_id: int) -> None:
        """Queues ``(kind, message_id)``; ``kind`` is ``message`` or ``reply``."""
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            jobs.enqueue(TASK, [[kind, message_id]])
            return
        with self.lock:
            self.items.append((kind, message_id))
            full = len(self.items) >= self.max_batch
            if not full and self.timer is None:
                self.timer = threading.Timer(self.every_s, self.flush)
                self.timer.daemon = True
                self.timer.start()
        if full:
            self.flush()

    def flush(self) -> int:
        with self.lock:
            items, self.items = self.items, []
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        if items:
            try:
                jobs.enqueue(TASK, [list(item) for item in items])
            except Exception:  # the broker is away: these suggestions are lost
                logger.warning("prompter: %s messages not queued", len(items), exc_info=True)
        return len(items)


batcher = Batcher()
