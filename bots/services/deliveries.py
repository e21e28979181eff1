"""Outbound webhook deliveries: one row per event and subscription, sent by a Celery
task, retried with exponential backoff and jitter, then dead-lettered.

An attempt is claimed under the delivery's row lock by pushing ``next_attempt_at`` a
lease ahead, so a second copy of the task (a redelivery, the sweep) finds it not due and
does nothing; the HTTP call itself runs outside any transaction. The delivery's id is
its ``X-Webhook-Id`` on every attempt, for receivers to drop repeats.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bots import selectors
from bots.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from contactcenter import jobs, webhooks

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = webhooks.MAX_ATTEMPTS
# Longer than an attempt can take (the HTTP timeout), so a claimed attempt is not
# claimed again while it runs; a worker that died mid-attempt is retried after it.
LEASE = dt.timedelta(seconds=webhooks.TIMEOUT_S * 6)
TRIGGER_EVENT = "trigger.fired"


def backoff_s(attempts: int) -> float:
    """The wait after the ``attempts``-th failed attempt (``contactcenter.webhooks``)."""
    return webhooks.backoff_s(attempts)


def _enqueue(delivery_id: Any, *, countdown: float | None = None) -> None:
    transaction.on_commit(
        lambda: jobs.enqueue("bots.webhook_deliver", str(delivery_id), countdown=countdown)
    )


_KEYS = uuid.UUID("6f1c2a52-3b8e-4c1e-9d0a-5a7e0c9b2f41")


def webhook_delivery_create(
    *, subscription: WebhookSubscription, event: str, data: dict[str, Any], key: str = ""
) -> WebhookDelivery:
    """Stores a delivery and sends it once the transaction commits. With a ``key`` (an
    event occurrence) the delivery's id derives from it and the subscription, so that
    handling the same occurrence twice stores one delivery."""
    payload = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    delivery_id = uuid.uuid5(_KEYS, f"{key}:{subscription.pk}") if key else uuid.uuid4()
    delivery, created = WebhookDelivery.objects.get_or_create(
        pk=delivery_id,
        defaults={
            "subscription": subscription,
            "event": event,
            "payload": payload,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        _enqueue(delivery.pk)
    return delivery


def webhook_event_deliver(
    *, event: str, data: dict[str, Any], key: str = ""
) -> list[WebhookDelivery]:
    """A delivery for every active subscription to ``event``."""
    return [
        webhook_delivery_create(subscription=subscription, event=event, data=data, key=key)
        for subscription in selectors.subscriptions_to(event=event)
    ]


def body_of(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": str(delivery.pk),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def _claim(delivery_id: Any, now: dt.datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (
            DeliveryStatus.PENDING,
            DeliveryStatus.FAILED,
        ):
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None  # not due yet, or another worker holds the attempt
        delivery.attempts += 1  # under the row lock
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
        return delivery


def _attempt(delivery: WebhookDelivery) -> tuple[webhooks.Outcome, bool]:
    """Sends once; returns the outcome and whether retrying is pointless."""
    subscription = delivery.subscription
    if not subscription.is_active:
        return webhooks.Outcome(ok=False, error=_("The subscription is inactive.")), True
    try:
        target = webhooks.url_check(subscription.url)
    except webhooks.UnsafeURL as refused:
        return webhooks.Outcome(ok=False, error=str(refused)), refused.permanent
    body = body_of(delivery)
    headers = webhooks.signed_headers(
        delivery_id=str(delivery.pk), event=delivery.event, secret=subscription.secret, body=body
    )
    return webhooks.post(target=target, body=body, headers=headers), False


def webhook_delivery_send(*, delivery_id: Any) -> WebhookDelivery | None:
    """One attempt of a due delivery (nothing for one not due or finished). A failure
    schedules the next attempt, or makes the delivery dead after ``MAX_ATTEMPTS`` or
    when retrying cannot help (an address refused as private)."""
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    outcome, final = _attempt(delivery)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.response_status = outcome.status
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        elif final or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD, None
        else:
            wait = backoff_s(delivery.attempts)
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=wait)
            _enqueue(delivery.pk, countdown=wait)
        delivery.save(update_fields=["status", "next_attempt_at", "response_status", "last_error"])
    # the subscription id only: addresses may carry tokens, and secrets never go to logs
    logger.info(
        "webhook delivery %s (subscription %s) attempt %d: %s %s",
        delivery.pk,
        delivery.subscription_id,
        delivery.attempts,
        delivery.status,
        outcome.status or outcome.error[:200],
    )
    return delivery


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """One more attempt right away, whatever the delivery's state; the same id goes out,
    and a failure of this attempt schedules retries only while under ``MAX_ATTEMPTS``."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    _enqueue(delivery.pk)
    return delivery


def webhook_deliveries_sweep(*, limit: int = 500) -> int:
    """Queues deliveries that are due but whose task went missing (a lost message, a
    worker that died mid-attempt). Returns how many."""
    due = list(
        selectors.deliveries_due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        _enqueue(delivery_id)
    return len(due)
