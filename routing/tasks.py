"""Celery tasks of routing: thin, by id, idempotent."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from routing.services import queue, timers


@shared_task(name="routing.sweep", ignore_result=True)
def sweep() -> dict[str, Any]:
    """The periodic safety net and timer wheel (scheduled every second in the admin's
    periodic tasks): timeouts, operators gone past the grace period, working hours that
    opened, and any queue that events left behind."""
    return timers.timers_run()


@shared_task(name="routing.queue_positions_push", ignore_result=True)
def queue_positions_push(group_id: int) -> int:
    return queue.queue_positions_push(group_id=group_id)
