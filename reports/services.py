"""Writes of the reports app: metric events appended as domain events arrive, and the
conversation figures refreshed with them (``reports.facts``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from inbox.models import Session
from reports import batch, facts
from reports.batch import CLOSE_KINDS, Record
from reports.models import ConversationFact, MetricEvent, MetricKind
from routing.business_time import business_seconds

logger = logging.getLogger(__name__)

# deadlock_detected, serialization_failure: a batch that met one is run again
RETRYABLE = {"40P01", "40001"}
BATCH_ATTEMPTS = 2


# The groups' schedules shared by the records of one batch (``records_batch``): a burst
# of assignments reads each group's hours once, not twice per session.
_schedules: ContextVar[facts.Schedules | None] = ContextVar("report_schedules", default=None)


@contextmanager
def records_batch() -> Iterator[None]:
    """The records made inside share one load of the groups and their schedules (a
    batch lasts milliseconds: an edit of a group's hours meanwhile counts from the next
    batch on)."""
    token = _schedules.set(facts.Schedules())
    try:
        yield
    finally:
        _schedules.reset(token)


def _schedules_now() -> facts.Schedules:
    return _schedules.get() or facts.Schedules()


def _load(session_id: int) -> Session | None:
    return Session.objects.select_related("dialog").filter(pk=session_id).first()


def _fact_refresh(session_id: int, session: Session | None = None) -> ConversationFact | None:
    # two listeners racing to create a conversation's row need no retry (``fact_write``)
    return facts.conversation_fact_refresh(
        session_id=session_id, schedules=_schedules_now(), session=session
    )


def conversation_refresh(*, session_id: int) -> None:
    """Recomputes the figures of the session's conversation (no metric event)."""
    _fact_refresh(session_id)


def _span(session: Session, start: dt.datetime | None, end: dt.datetime | None) -> dict[str, Any]:
    if start is None or end is None:
        return {}
    schedule = _schedules_now().schedule(session.group_id)
    return {
        "seconds": max(0.0, (end - start).total_seconds()),
        "business_seconds": business_seconds(schedule, start, end),
        "schedule_version": schedule.version,
    }


def metric_event_record(
    *,
    kind: str,
    session: Session,
    conversation_id: int,
    ref: int | None = None,
    occurred_at: dt.datetime | None = None,
    **values: Any,
) -> None:
    """Appends one metric event, unless it was already recorded (a repeated domain event
    appends nothing). ``ref`` defaults to the session (per-session kinds)."""
    row = MetricEvent(
        kind=kind,
        conversation_id=conversation_id,
        ref=session.pk if ref is None else ref,
        session_id=session.pk,
        group_id=session.group_id,
        operator_id=session.operator_id,
        channel_id=session.dialog.channel_id,
        occurred_at=occurred_at or timezone.now(),
        **values,
    )
    MetricEvent.objects.bulk_create([row], ignore_conflicts=True)


def session_event_record(*, session_id: int, kind: str, **values: Any) -> None:
    """Records ``kind`` for a session's conversation and refreshes its figures."""
    session = _load(session_id)
    if session is None:
        return
    fact = _fact_refresh(session_id, session)
    conversation_id = fact.conversation_id if fact else session.pk
    metric_event_record(kind=kind, session=session, conversation_id=conversation_id, **values)


def session_opened_record(*, session_id: int) -> None:
    """``opened`` for the first session of a conversation, ``reopened`` for a new
    session after a closed one (not a transfer)."""
    session = _load(session_id)
    if session is None:
        return
    fact = _fact_refresh(session_id, session)
    if fact is None or fact.conversation_id != session.pk:
        return  # a transfer's continuation: its conversation is already open
    metric_event_record(kind=MetricKind.OPENED, session=session, conversation_id=session.pk, ref=0)
    if session.previous_session_id is not None:
        metric_event_record(kind=MetricKind.REOPENED, session=session, conversation_id=session.pk)


def session_assigned_record(*, session_id: int) -> None:
    session = _load(session_id)
    if session is None:
        return
    fact = _fact_refresh(session_id, session)
    metric_event_record(
        kind=MetricKind.ASSIGNED,
        session=session,
        conversation_id=fact.conversation_id if fact else session.pk,
        **_span(session, session.queued_at, session.assigned_at),
    )


def first_reply_record(*, session_id: int) -> None:
    """``first_human_reply`` once per conversation, with its first response times."""
    session = _load(session_id)
    fact = _fact_refresh(session_id, session) if session is not None else None
    if session is None or fact is None or not fact.answered:
        return
    metric_event_record(
        kind=MetricKind.FIRST_HUMAN_REPLY,
        session=session,
        conversation_id=fact.conversation_id,
        ref=0,
        seconds=fact.first_response_s,
        business_seconds=fact.first_response_bh_s,
        schedule_version=fact.schedule_version,
    )


def session_closed_record(*, session_id: int, reason: str) -> None:
    """The close, with the session's handle time (its wait, for an abandon)."""
    kind = CLOSE_KINDS.get(reason)  # type: ignore[call-overload]
    session = _load(session_id)
    if kind is None or session is None:
        return
    start = session.assigned_at
    if kind == MetricKind.ABANDONED:
        start = session.queued_at or session.created_at
    session_event_record(
        session_id=session_id,
        kind=kind,
        occurred_at=session.closed_at,
        **_span(session, start, session.closed_at),
    )


def session_rated_record(*, session_id: int, score: int) -> None:
    """The rating (a new score replaces the one recorded)."""
    session_event_record(session_id=session_id, kind=MetricKind.RATING, score=score)
    MetricEvent.objects.filter(kind=MetricKind.RATING, session_id=session_id).update(score=score)


def event_record(*, what: str, session_id: int, **values: Any) -> None:
    """Records one domain event by name (the listeners' task calls this)."""
    if what == "opened":
        session_opened_record(session_id=session_id)
    elif what == "assigned":
        session_assigned_record(session_id=session_id)
    elif what == "first_reply":
        first_reply_record(session_id=session_id)
    elif what == "closed":
        session_closed_record(session_id=session_id, reason=values["reason"])
    elif what == "rated":
        session_rated_record(session_id=session_id, score=values["score"])
    elif what == "refresh":
        conversation_refresh(session_id=session_id)
    else:
        session_event_record(session_id=session_id, kind=MetricKind(what))


def events_record(records: Sequence[Record]) -> None:
    """Records a batch of domain events (the reports' lane calls this): set-based, in one
    transaction (``reports.batch``). A deadlock or serialization failure between
    batches recording at once runs it again; a batch that still fails, for whatever
    reason, is recorded one by one (``records_each``), so that no record is lost for
    another's sake. Never raises: what cannot be recorded is logged, and
    ``manage.py reports_backfill`` rebuilds it."""
    if not records:
        return
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                batch.batch_record(records)
            return
        except DatabaseError as exc:
            again = _sqlstate(exc) in RETRYABLE and attempt < BATCH_ATTEMPTS
            logger.warning(
                "report batch of %d failed (%s); %s",
                len(records),
                exc,
                "again" if again else "one by one",
            )
            if not again:
                break
        except Exception:
            logger.exception("report batch of %d failed; one by one", len(records))
            break
    records_each(records)


def records_each(records: Sequence[Record]) -> None:
    """Each record in its own transaction: a failure is logged and costs only itself."""
    with records_batch():
        for what, session_id, values in records:
            try:
                with transaction.atomic():
                    event_record(what=what, session_id=session_id, **values)
            except Exception:
                logger.exception("report event %s of session %s not recorded", what, session_id)


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
