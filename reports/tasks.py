"""Celery tasks of reports: the listeners hand each domain event here, so that whoever
emitted it (the router assigning a burst, an operator's first reply) pays one enqueue,
not the queries that record it. Thin, by id, idempotent (a repeat appends nothing)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from reports import services


@shared_task(
    name="reports.record",
    ignore_result=True,
    autoretry_for=(Exception,),
    max_retries=5,
    retry_backoff=True,
)
def record(what: str, session_id: int, **values: Any) -> None:
    services.event_record(what=what, session_id=session_id, **values)
