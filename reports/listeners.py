"""Domain-event listeners of the reports app, registered from `AppConfig.ready()`: each
appends the metric events and refreshes the conversation's figures
(``reports.services``). None listens to every message: only the first reply of a
session comes here.

The recording runs in a background lane of each process (``contactcenter.lanes``),
not in the thread that emitted the event: a session's opening in the message writer's
thread, a burst of assignments in the router's, a bot's start in the bots' lane do not
wait for its queries, and no Celery worker is needed. An event queued when the process
dies is not recorded; ``manage.py reports_backfill`` rebuilds the figures from the
sessions."""

from __future__ import annotations

from typing import Any

from contactcenter import events, lanes
from reports import batch, services
from reports.models import MetricKind

Record = batch.Record  # (what, session id, values)


def _record_each(records: list[Record]) -> None:
    """A lane batch, set-based (``reports.services.events_record``): one transaction
    and a handful of statements for the whole batch; a record that fails is logged and
    costs only itself."""
    services.events_record(records)


# The lane lingers a little after an event so that a burst (a router's batch after
# batch) is recorded in a few large batches, not in many small ones that each cost a
# transaction and preempt the dispatcher's thread.
LINGER_S = 0.2
MAX_BATCH = 500
_lane: lanes.Lane[Record] = lanes.Lane(
    "report-events", _record_each, max_batch=MAX_BATCH, linger_s=LINGER_S
)


def _record(what: str, session_id: int, **values: Any) -> None:
    _lane.submit((what, session_id, values))


def on_opened(event: events.SessionOpened) -> None:
    _record("opened", event.session_id)


def on_queued(event: events.SessionQueued) -> None:
    _record(MetricKind.QUEUED.value, event.session_id)


def on_assigned(event: events.SessionAssigned) -> None:
    _record("assigned", event.session_id)


def on_first_reply(event: events.FirstReplySent) -> None:
    _record("first_reply", event.session_id)


def on_rerouted(event: events.SessionRerouted) -> None:
    # the contact picked a topic: the conversation's group changes, no metric event
    _record("refresh", event.session_id)


def on_handed_off(event: events.SessionHandedOff) -> None:
    _record(MetricKind.BOT_HANDOFF.value, event.session_id)


def on_closed(event: events.SessionClosed) -> None:
    _record("closed", event.session_id, reason=event.reason)


def on_rated(event: events.SessionRated) -> None:
    _record("rated", event.session_id, score=event.score)


def on_bot_started(event: events.BotSessionStarted) -> None:
    _record(MetricKind.BOT_SESSION.value, event.session_id)


def on_bot_resolved(event: events.BotSessionResolved) -> None:
    _record(MetricKind.BOT_RESOLVED.value, event.session_id)


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
