"""Saving and deleting triggers and webhook subscriptions: what decides which events
the bots react to. Each write drops this process's remembered answer to "does anyone
want this event?" (``selectors.event_wanted``) once it is done; other processes follow
within its two seconds. The admin saves and deletes through these functions."""

from __future__ import annotations

from django.db.models import QuerySet

from bots import selectors
from bots.models import Trigger, WebhookSubscription


def trigger_save(*, trigger: Trigger) -> Trigger:
    trigger.save()
    selectors.event_wanted_forget()
    return trigger


def triggers_delete(*, triggers: QuerySet[Trigger]) -> None:
    triggers.delete()
    selectors.event_wanted_forget()


def webhook_subscription_save(*, subscription: WebhookSubscription) -> WebhookSubscription:
    subscription.save()
    selectors.event_wanted_forget()
    return subscription


def webhook_subscriptions_delete(*, subscriptions: QuerySet[WebhookSubscription]) -> None:
    subscriptions.delete()
    selectors.event_wanted_forget()
