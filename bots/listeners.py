"""Domain-event listeners of the bots app, registered from ``AppConfig.ready()``.

Each event the triggers or webhooks know becomes one ``bots.event_react`` task, queued
after the listener's own transaction commits, so a slow trigger or webhook never holds
up the message flow. The task gets the event's fields and a fresh occurrence key.
"""

from __future__ import annotations

import dataclasses
import uuid

from django.db import transaction

from bots import selectors, tasks
from contactcenter import events
from inbox.models import SenderType


def on_event(event: events.Event) -> None:
    name = selectors.EVENT_NAMES.get(type(event))
    if name is None:
        return
    if isinstance(event, events.MessageReceived) and event.sender_type != SenderType.CONTACT:
        return  # "message received" is the customer's; operators' replies are not
    if not selectors.event_wanted(event=name):
        return
    payload = dataclasses.asdict(event)
    key = uuid.uuid4().hex
    transaction.on_commit(lambda: tasks.event_react.delay(name, payload, key))


def register() -> None:
    """Subscribe this app's listeners (``contactcenter.events.subscribe``)."""
    for event_type in selectors.EVENT_TYPES.values():
        events.subscribe(event_type, on_event)
