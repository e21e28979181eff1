"""Celery tasks of reports: the listeners hand each domain event here, so that whoever
emitted it (the router assigning a burst, an operator's first reply) pays one enqueue,
not the queries that record it; and the periodic scan of SLA alerts. Thin, by id,
idempotent (a repeat appends or sends nothing)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from reports import alerts, services

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.record",
    ignore_result=True,
    autoretry_for=(Exception,),
    max_retries=5,
    retry_backoff=True,
)
def record(what: str, session_id: int, **values: Any) -> None:
    services.event_record(what=what, session_id=session_id, **values)


@shared_task(name="reports.sla_alerts_scan", ignore_result=True)
def sla_alerts_scan() -> int:
    """Sends the SLA alerts now due (scheduled every 2 s in the admin's periodic tasks);
    logs only a scan that sent something."""
    sent = alerts.sla_alerts_scan()
    if sent:
        logger.info("SLA alerts sent: %d", sent)
    return sent
