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
from bots.services import runtime, stepper
from contactcenter import events
from inbox import handlers
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


def on_session_opened(event: events.SessionOpened) -> None:
    """A session that a bot claimed (``runtime.session_claim``): the flow starts."""
    bot_id = runtime.handler_bot_id(event.handler)
    if bot_id is not None:
        selectors.bot_sessions_live_forget()
        stepper.step_submit(runtime.Step(session_id=event.session_id, start=bot_id))


def on_message_received(event: events.MessageReceived) -> None:
    """The contact wrote in a session a bot is handling: the flow takes a step."""
    if event.sender_type != SenderType.CONTACT or event.session_id is None:
        return
    if not selectors.bot_sessions_live():
        return
    # the step's own query reads only the sessions still with a bot
    stepper.step_submit(runtime.Step(session_id=event.session_id, message_id=event.message_id))


def on_button_pressed(event: events.ButtonPressed) -> None:
    if event.session_id is not None:
        step = runtime.Step(session_id=event.session_id, node=event.node, button=event.button)
        stepper.step_submit(step)


def register() -> None:
    """Subscribe this app's listeners (``contactcenter.events.subscribe``) and the bots'
    claim on new sessions (``inbox.handlers``)."""
    # on_event and on_message_received read a cached answer and queue: no atomic block
    # of their own (contactcenter.events; the message path runs them per message)
    for event_type in selectors.EVENT_TYPES.values():
        events.subscribe(event_type, on_event, atomic=False)
    handlers.handler_register(runtime.session_claim)
    events.subscribe(events.SessionOpened, on_session_opened)
    events.subscribe(events.MessageReceived, on_message_received, atomic=False)
    events.subscribe(events.ButtonPressed, on_button_pressed)
