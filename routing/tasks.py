"""Celery tasks of routing: thin, by id, idempotent."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from routing.services import queue, timers

logger = logging.getLogger(__name__)


@shared_task(name="routing.sweep", ignore_result=True)
def sweep() -> dict[str, Any]:
    """The periodic safety net and timer wheel (scheduled every second in the admin's
    periodic tasks): timeouts, operators gone past the grace period, working hours that
    opened, and any queue that events left behind. Logs only a sweep that did something
    (beat's and the worker's own lines about it are filtered out: contactcenter.celery)."""
    done = timers.timers_run()
    if any(done.values()):
        logger.info("routing sweep: %s", ", ".join(f"{k} {v}" for k, v in done.items() if v))
    return done


@shared_task(name="routing.queue_positions_push", ignore_result=True)
def queue_positions_push(group_id: int) -> int:
    return queue.queue_positions_push(group_id=group_id)
