"""Celery tasks of reports: the recording of the session events the processes' lanes
gathered (``reports.listeners``), and the periodic scan of SLA alerts. Thin and
idempotent: a repeated record appends nothing, a repeated scan sends nothing."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from reports import alerts, services

logger = logging.getLogger(__name__)


@shared_task(name="reports.sla_alerts_scan", ignore_result=True)
def sla_alerts_scan() -> int:
    """Sends the SLA alerts now due (scheduled every 2 s in the admin's periodic tasks);
    logs only a scan that sent something."""
    sent = alerts.sla_alerts_scan()
    if sent:
        logger.info("SLA alerts sent: %d", sent)
    return sent


@shared_task(name="reports.events_record", ignore_result=True)
def events_record(records: list[Any]) -> int:
    """Records a batch of session events: ``[what, session id, values]`` each, as a
    lane gathered them (``reports.services.events_record``: set-based, one transaction;
    never raises). A malformed record is logged and left out, never the batch."""
    good: list[services.Record] = []
    for record in records if isinstance(records, list) else []:
        try:
            what, session_id, values = record
            good.append((str(what), int(session_id), dict(values)))
        except (TypeError, ValueError):
            logger.warning("reports: a malformed record left out: %r", record)
    services.events_record(good)
    return len(good)
