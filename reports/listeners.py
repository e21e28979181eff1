"""Domain-event listeners of the reports app, registered from `AppConfig.ready()`: each
appends metric events and refreshes the conversation's figures (``reports.services``).
None listens to every message: only the first reply of a session comes here."""

from __future__ import annotations

from contactcenter import events
from reports import services
from reports.models import MetricKind


def on_opened(event: events.SessionOpened) -> None:
    services.session_opened_record(session_id=event.session_id)


def on_queued(event: events.SessionQueued) -> None:
    services.session_event_record(session_id=event.session_id, kind=MetricKind.QUEUED)


def on_assigned(event: events.SessionAssigned) -> None:
    services.session_assigned_record(session_id=event.session_id)


def on_first_reply(event: events.FirstReplySent) -> None:
    services.first_reply_record(session_id=event.session_id)


def on_rerouted(event: events.SessionRerouted) -> None:
    # the contact picked a topic: the conversation's group changes, no metric event
    services.conversation_refresh(session_id=event.session_id)


def on_handed_off(event: events.SessionHandedOff) -> None:
    services.session_event_record(session_id=event.session_id, kind=MetricKind.BOT_HANDOFF)


def on_closed(event: events.SessionClosed) -> None:
    services.session_closed_record(session_id=event.session_id, reason=event.reason)


def on_rated(event: events.SessionRated) -> None:
    services.session_rated_record(session_id=event.session_id, score=event.score)


def on_bot_started(event: events.BotSessionStarted) -> None:
    services.session_event_record(session_id=event.session_id, kind=MetricKind.BOT_SESSION)


def on_bot_resolved(event: events.BotSessionResolved) -> None:
    services.session_event_record(session_id=event.session_id, kind=MetricKind.BOT_RESOLVED)


def register() -> None:
    """Subscribe this app's listeners (`contactcenter.events.subscribe`)."""
    events.subscribe(events.SessionOpened, on_opened)
    events.subscribe(events.SessionQueued, on_queued)
    events.subscribe(events.SessionAssigned, on_assigned)
    events.subscribe(events.FirstReplySent, on_first_reply)
    events.subscribe(events.SessionRerouted, on_rerouted)
    events.subscribe(events.SessionHandedOff, on_handed_off)
    events.subscribe(events.SessionClosed, on_closed)
    events.subscribe(events.SessionRated, on_rated)
    events.subscribe(events.BotSessionStarted, on_bot_started)
    events.subscribe(events.BotSessionResolved, on_bot_resolved)
