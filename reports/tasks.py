"""Celery tasks of reports: the periodic scan of SLA alerts (thin, idempotent: a repeat
sends nothing)."""

from __future__ import annotations

import logging

from celery import shared_task

from reports import alerts

logger = logging.getLogger(__name__)


@shared_task(name="reports.sla_alerts_scan", ignore_result=True)
def sla_alerts_scan() -> int:
    """Sends the SLA alerts now due (scheduled every 2 s in the admin's periodic tasks);
    logs only a scan that sent something."""
    sent = alerts.sla_alerts_scan()
    if sent:
        logger.info("SLA alerts sent: %d", sent)
    return sent
