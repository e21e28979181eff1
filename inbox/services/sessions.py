"""The writes of a session's handling state: opening, who has it, its queue and place.

The ``Session`` table is inbox's, so every change of who handles a session is written
here and nowhere else; ``routing`` decides (strategies, limits, the ladder, rules) and
calls these; ``bots`` calls routing. Closing is ``conversations.session_close``; a
transfer (close, then the follow-up session) is ``transfers.session_transfer``.

The functions that take a ``Session`` expect the caller to hold its row lock
(``select_for_update``) inside the current transaction: the decision and the write then
see the same row. They write only the fields they name and update the instance, and
emit nothing unless said: the caller's service announces what follows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Case, Value, When

from contactcenter import events
from inbox import handlers
from inbox.models import Dialog, Session, SessionStatus


def session_open(*, dialog: Dialog, at: dt.datetime, topic: Any = None) -> Session:
    """A new session of the dialog (the caller holds the dialog's row lock and knows
    none is open), for the topic's group or else the channel's default group.

    Who handles it is decided here, before the row is written: a handler that a higher
    app registered (``inbox.handlers``) may claim it, and then it opens as ``bot`` with
    no queue time; otherwise it opens ``queued`` and routing takes it on
    ``SessionOpened``. The event names the handler (``None``: routing)."""
    previous = Session.objects.filter(dialog=dialog).order_by("-id").first()
    session = Session(
        dialog=dialog,
        topic=topic,
        group_id=topic.group_id if topic is not None else dialog.channel.default_group_id,
        status=SessionStatus.QUEUED,
        queued_at=at,
        previous_session=previous,
        priority=previous.priority if previous is not None else 0,
    )
    handler = handlers.who_handles(session)
    if handler is not None:
        session.status, session.queued_at = SessionStatus.BOT, None
    session.save(force_insert=True)
    events.emit(
        events.SessionOpened(
            session_id=session.pk,
            dialog_id=dialog.pk,
            channel_id=dialog.channel_id,
            handler=handler.name if handler is not None else None,
        )
    )
    return session


def session_current_or_open(*, dialog: Dialog, at: dt.datetime, topic: Any = None) -> Session:
    """The dialog's open session, or a new one (``session_open``). The caller holds the
    dialog's row lock, so that one dialog never gets two open sessions."""
    session = Session.objects.filter(dialog=dialog).exclude(status=SessionStatus.CLOSED).first()
    if session is not None:
        return session
    return session_open(dialog=dialog, at=at, topic=topic)


def session_continue(
    *, previous: Session, group_id: int | None, previous_operator_id: int | None, at: dt.datetime
) -> Session:
    """The session that continues a transferred one in the same dialog: queued for
    ``group_id``, with the same topic, priority and last customer message.
    ``previous_operator_id`` is who routing offers it to last (see the ladder)."""
    return Session.objects.create(
        dialog_id=previous.dialog_id,
        group_id=group_id,
        topic_id=previous.topic_id,
        status=SessionStatus.QUEUED,
        queued_at=at,
        priority=previous.priority,
        previous_session=previous,
        previous_operator_id=previous_operator_id,
        last_contact_message_at=previous.last_contact_message_at,
    )


# PostgreSQL: one statement for the whole batch, from arrays (a ``CASE`` of one branch
# per row costs more to build than to run).
ASSIGN_SQL = """
UPDATE "inbox_session" SET "status" = %s, "assigned_at" = %s, "operator_id" = v.operator_id
  FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, operator_id)
 WHERE "inbox_session"."id" = v.id
"""


def sessions_assign_batch(*, assignments: dict[int, int], at: dt.datetime) -> int:
    """Sessions (id: operator id) become ``active`` with that operator, assigned at
    ``at``: routing's dispatcher, a take, a transfer to a person, and a session kept by
    its operator (its no-answer timer starts again) all write through here. The caller
    holds the sessions' and the operators' row locks and has checked the limits.
    Returns how many rows were written."""
    if not assignments:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                ASSIGN_SQL,
                [SessionStatus.ACTIVE, at, list(assignments), list(assignments.values())],
            )
            return cursor.rowcount
    return Session.objects.filter(pk__in=list(assignments)).update(
        status=SessionStatus.ACTIVE,
        assigned_at=at,
        operator_id=Case(*(When(pk=pk, then=Value(op)) for pk, op in assignments.items())),
    )


def session_unassign(*, session: Session, at: dt.datetime) -> Session:
    """An active session goes back to its group's queue, keeping its priority and its
    original queue time; the operator who had it is remembered (``previous_operator``)."""
    session.previous_operator_id = session.operator_id
    session.operator = None
    session.status = SessionStatus.QUEUED
    session.queued_at = session.queued_at or at
    session.save(update_fields=["previous_operator", "operator", "status", "queued_at"])
    return session


def session_enqueue(
    *, session: Session, group_id: int | None, priority: int, at: dt.datetime
) -> Session:
    """A session a handler (a bot) had goes ``queued`` for ``group_id``: it waits from
    ``at`` on, at ``priority``."""
    session.status, session.queued_at = SessionStatus.QUEUED, at
    session.group_id, session.priority = group_id, priority
    session.save(update_fields=["status", "queued_at", "group", "priority"])
    return session


def session_priority_set(*, session: Session, priority: int) -> Session:
    """Higher numbers are served first from the queue."""
    session.priority = priority
    session.save(update_fields=["priority"])
    return session


def session_group_set(*, session: Session, group_id: int | None, topic_id: int | None) -> Session:
    """A waiting session moves to another group (a topic the customer picked, a routing
    rule)."""
    session.group_id, session.topic_id = group_id, topic_id
    session.save(update_fields=["group", "topic"])
    return session


def session_offline_notice_claim(*, session_id: int) -> bool:
    """True once per session: the caller then tells the customer the group is closed."""
    return bool(
        Session.objects.filter(pk=session_id, offline_notified=False).update(offline_notified=True)
    )
