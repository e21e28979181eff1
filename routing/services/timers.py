"""Time-driven routing: sessions nobody answers, inactive sessions, operators who went
offline or lost their connection. The periodic sweep (``routing.tasks.sweep``, every
second by default) calls ``timers_run``; each rule is also safe to run alone."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter import realtime
from inbox import payloads
from inbox import services as inbox_services
from inbox.models import CloseReason, Session, SessionStatus
from routing import selectors
from routing.models import DEFAULT_ABANDON_AFTER_S, Operator, OperatorStatus
from routing.services.assignment import group_dispatch, open_groups_with_queue
from routing.services.queue import queue_announce

logger = logging.getLogger(__name__)

BATCH = 200


def session_requeue(*, session_id: int, why: str) -> Session | None:
    """Puts an active session back in its group's queue, keeping its priority and its
    original place; the operator who had it is remembered so that it goes to another
    one first (and back to them when nobody else is available: see
    ``assignment._pick``). Supervisors are alerted.

    An unanswered session (``why="no_answer"``) whose group has no other available
    member is not re-queued at all: it stays with its operator, its no-answer timer
    starts again, and the supervisors are alerted (``kind: "kept"``). The customer sees
    no churn (no queue notice, no second "joined")."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "dialog__contact", "dialog__channel", "group", "topic", "operator__user"
            )
            .filter(pk=session_id, status=SessionStatus.ACTIVE)
            .first()
        )
        if session is None:
            return None
        operator = session.operator
        if why == "no_answer" and _nobody_else(session):
            return _session_keep(session=session, operator=operator)
        inbox_services.session_unassign(session=session, at=timezone.now())
        frame = {"type": "session.updated", "session": payloads.session(session)}
        if operator is not None:
            realtime.broadcast(realtime.operator_group(operator.pk), frame)
        if session.group_id:
            realtime.broadcast(
                realtime.supervisor_group(session.group_id),
                {
                    "type": "alert",
                    "kind": why,
                    "session": payloads.session(session),
                    "operator": operator.name if operator else None,
                },
            )
            queue_announce(group_id=session.group_id)
    if session.group_id:
        group_dispatch(group_id=session.group_id)
    return session


def _nobody_else(session: Session) -> bool:
    """No member of the session's group but its operator is available now."""
    if session.operator_id is None or session.group_id is None:
        return False
    return not selectors.group_has_available_operator(
        group=session.group_id, exclude_operator_id=session.operator_id
    )


def _session_keep(*, session: Session, operator: Any) -> Session:
    """The last step of the ladder without a round trip through the queue: the session
    stays with its operator and its no-answer timer starts again."""
    now = timezone.now()
    inbox_services.sessions_assign_batch(assignments={session.pk: operator.pk}, at=now)
    session.assigned_at = now
    if session.group_id:
        realtime.broadcast(
            realtime.supervisor_group(session.group_id),
            {
                "type": "alert",
                "kind": "kept",
                "session": payloads.session(session),
                "operator": operator.name,
            },
        )
    return session


def no_answer_expired(*, now: dt.datetime) -> list[int]:
    """Active sessions whose operator has not replied within the group's timeout."""
    candidates = Session.objects.filter(
        status=SessionStatus.ACTIVE,
        first_response_at__isnull=True,
        group__no_answer_timeout_s__isnull=False,
    ).values_list("pk", "assigned_at", "group__no_answer_timeout_s")[:BATCH]
    return [
        pk
        for pk, assigned_at, timeout in candidates
        if assigned_at is not None and assigned_at + dt.timedelta(seconds=timeout or 0) <= now
    ]


def inactive_expired(*, now: dt.datetime) -> list[tuple[int, str]]:
    """Open sessions without a message for the group's inactivity timeout, with the
    close reason: ``abandoned`` when no operator ever answered, else ``timeout``."""
    candidates = (
        Session.objects.exclude(status=SessionStatus.CLOSED)
        .filter(group__inactivity_timeout_s__isnull=False)
        .values_list(
            "pk",
            "created_at",
            "dialog__last_message_at",
            "group__inactivity_timeout_s",
            "first_response_at",
        )[:BATCH]
    )
    expired: list[tuple[int, str]] = []
    for pk, created_at, last_message_at, timeout, first_response_at in candidates:
        last = max(filter(None, (created_at, last_message_at)))
        if last + dt.timedelta(seconds=timeout or 0) <= now:
            reason = CloseReason.ABANDONED if first_response_at is None else CloseReason.TIMEOUT
            expired.append((pk, reason))
    return expired


def visitors_gone_expired(*, now: dt.datetime) -> list[int]:
    """Waiting sessions (``bot`` or ``queued``, no operator reply yet) whose widget
    visitor has had no socket open for longer than the group's ``abandon_after_s``."""
    candidates = Session.objects.filter(
        status__in=[SessionStatus.BOT, SessionStatus.QUEUED],
        first_response_at__isnull=True,
        dialog__visitor__open_sockets=0,
        dialog__visitor__left_at__isnull=False,
    ).values_list("pk", "dialog__visitor__left_at", "group__abandon_after_s")[:BATCH]
    expired = []
    for pk, left_at, after in candidates:
        limit = dt.timedelta(seconds=DEFAULT_ABANDON_AFTER_S if after is None else after)
        if left_at is not None and left_at + limit <= now:
            expired.append(pk)
    return expired


def disconnected_operators(*, now: dt.datetime) -> list[int]:
    """Operators holding sessions who are offline, or have had no socket for longer than
    the grace period."""
    grace = now - dt.timedelta(seconds=settings.OPERATOR_PRESENCE_GRACE_S)
    return list(
        Operator.objects.filter(
            Q(status=OperatorStatus.OFFLINE)
            | Q(open_sockets=0) & (Q(last_seen_at__lt=grace) | Q(last_seen_at__isnull=True)),
            sessions__status=SessionStatus.ACTIVE,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def operator_sessions_release(*, operator_id: int) -> int:
    """Per group policy, the active sessions of an operator who is gone go back to the
    queue (``requeue``) or stay with them (``keep``)."""
    released = 0
    for session_id in Session.objects.filter(
        operator_id=operator_id, status=SessionStatus.ACTIVE, group__on_operator_offline="requeue"
    ).values_list("pk", flat=True):
        if session_requeue(session_id=session_id, why="operator_offline"):
            released += 1
    return released


def timers_run(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """One sweep of every time rule; returns what it did."""
    now = now or timezone.now()
    done: dict[str, Any] = {"no_answer": 0, "closed": 0, "abandoned": 0, "released": 0}
    done["assigned"] = 0
    for session_id in no_answer_expired(now=now):
        if session_requeue(session_id=session_id, why="no_answer"):
            done["no_answer"] += 1
    for session_id, reason in inactive_expired(now=now):
        try:
            inbox_services.session_close(session_id=session_id, reason=reason)
            done["closed"] += 1
        except Exception:
            logger.exception("closing inactive session %s failed", session_id)
    for session_id in visitors_gone_expired(now=now):
        try:
            inbox_services.session_close(session_id=session_id, reason=CloseReason.ABANDONED)
            done["abandoned"] += 1
        except Exception:
            logger.exception("closing abandoned session %s failed", session_id)
    for operator_id in disconnected_operators(now=now):
        done["released"] += operator_sessions_release(operator_id=operator_id)
    for group_id in open_groups_with_queue():
        done["assigned"] += group_dispatch(group_id=group_id)
    return done
