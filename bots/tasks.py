"""Celery tasks of the bots app: thin, by id, idempotent."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from bots import services

logger = logging.getLogger(__name__)


@shared_task(name="bots.event_react", ignore_result=True)
def event_react(event: str, payload: dict[str, Any], event_key: str) -> int:
    """Triggers and webhook deliveries for one domain event; ``event_key`` makes a
    redelivered task do nothing twice."""
    return len(services.event_react(event=event, payload=payload, event_key=event_key))


@shared_task(name="bots.webhook_deliver", ignore_result=True)
def webhook_deliver(delivery_id: str) -> str | None:
    """One attempt of a due webhook delivery; a delivery not due or finished is left."""
    delivery = services.webhook_delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(name="bots.webhook_deliveries_sweep", ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """The periodic safety net: queues due deliveries whose task went missing. Logs only
    when it found some (the routine lines about it are filtered: contactcenter.celery)."""
    queued = services.webhook_deliveries_sweep()
    if queued:
        logger.info("webhook sweep: %s deliveries queued again", queued)
    return queued
