"""Domain-event listeners of the bots app, registered from ``AppConfig.ready()``.

Each event the triggers or webhooks know becomes one ``bots.event_react`` task, queued
after the listener's own transaction commits, so a slow trigger or webhook never holds
up the message flow. The task gets the event's fields and a fresh occurrence key.
"""

from __future__ import annotations

import dataclasses
import time
import uuid

from django.db import transaction

from bots import selectors, tasks
from bots.models import Trigger
from bots.services import deliveries
from contactcenter import events
from inbox.models import SenderType

# Whether any active trigger or webhook wants an event, remembered per process for a
# couple of seconds: the question comes with every customer message, and the answer
# changes only when an administrator edits triggers or subscriptions.
WANTED_TTL_S = 2.0
_wanted_cache: dict[str, tuple[float, bool]] = {}


def _wanted(name: str) -> bool:
    now = time.monotonic()
    cached = _wanted_cache.get(name)
    if cached is not None and now - cached[0] < WANTED_TTL_S:
        return cached[1]
    wanted = Trigger.objects.filter(event=name, is_active=True).exists() or bool(
        deliveries.subscriptions_to(event=name)
    )
    _wanted_cache[name] = (now, wanted)
    return wanted


def wanted_forget() -> None:
    """Drops the remembered answers (after triggers or subscriptions change)."""
    _wanted_cache.clear()


def on_event(event: events.Event) -> None:
    name = selectors.EVENT_NAMES.get(type(event))
    if name is None:
        return
    if isinstance(event, events.MessageReceived) and event.sender_type != SenderType.CONTACT:
        return  # "message received" is the customer's; operators' replies are not
    if not _wanted(name):
        return
    payload = dataclasses.asdict(event)
    key = uuid.uuid4().hex
    transaction.on_commit(lambda: tasks.event_react.delay(name, payload, key))


def register() -> None:
    """Subscribe this app's listeners (``contactcenter.events.subscribe``)."""
    for event_type in selectors.EVENT_TYPES.values():
        events.subscribe(event_type, on_event)
