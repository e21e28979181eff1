"""Domain-event listeners of the reports app, registered from `AppConfig.ready()`: each
appends the metric events and refreshes the conversation's figures
(``reports.services``). None listens to every message: only the first reply of a
session comes here.

No listener records in the thread that emitted its event (a session's opening in the
message writer's thread, a burst of assignments in the router's, a bot's start in the
bots' lane): each hands a small record (what, the session, when) to a background lane of
its process (``contactcenter.lanes``). With ``REPORTS_RECORDER = "celery"`` (the
default) the lane gathers them for 1 s (up to 1,000) and queues the batch as one Celery
task (``reports.events_record``) for the workers to record; with ``"thread"`` it
gathers them for 0.2 s and records the batch itself, as it does when the broker refuses
the task. So a router's
or a socket server's process spends a publish per batch on the reports, not the
recording's queries and CPU (issue 18: the dispatcher's p99 doubled beside them). A
record queued in a lane when its process dies is lost; one in the broker waits for a
worker. ``manage.py reports_backfill`` rebuilds the figures from the sessions."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection

from contactcenter import events, jobs, lanes
from reports import batch, services
from reports.models import MetricKind

logger = logging.getLogger(__name__)

Record = batch.Record  # (what, session id, values)
TASK = "reports.events_record"


def _record_each(records: list[Record]) -> None:
    """A lane batch: to the workers as one task (``REPORTS_RECORDER = "celery"``), or
    recorded here, set-based (``reports.services.events_record``: one transaction and a
    handful of statements for the whole batch; a record that fails is logged and costs
    only itself). Recorded here too when tasks run in place (eager), inside an open
    transaction (a worker could read before its commit), or when the broker refuses."""
    if (
        getattr(settings, "REPORTS_RECORDER", "celery") == "celery"
        and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        and not connection.in_atomic_block
    ):
        try:
            jobs.enqueue(TASK, [[what, session_id, values] for what, session_id, values in records])
            return
        except Exception:
            logger.warning(
                "reports: a batch of %d records not queued (the broker is away): recorded here",
                len(records),
                exc_info=True,
            )
    services.events_record(records)


# The lane lingers after an event so that a burst (a router's batch after batch) is
# recorded in a few large batches, not in many small ones that each cost a transaction
# (and, recorded here, preempt the dispatcher's thread): a record costs the recording a
# third as much CPU in a batch of 500 as in one of 50 (docs/benchmarks.md). Handed to the
# workers, a batch costs this process one publish, so the lane waits longer for more.
LINGER_S = 0.2
WORKERS_LINGER_S = 1.0
MAX_BATCH = 1000
_lane: lanes.Lane[Record] = lanes.Lane(
    "report-events",
    _record_each,
    max_batch=MAX_BATCH,
    linger_s=WORKERS_LINGER_S
    if getattr(settings, "REPORTS_RECORDER", "celery") == "celery"
    else LINGER_S,
)


def _record(what: str, session_id: int, **values: Any) -> None:
    values["at"] = time.time()  # when it happened: the record may wait in the queue
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
