"""Automatic assignment: the head of a group's queue goes to available operators with
free seats, each session to the one the group's strategy picks.

Why it never overloads an operator: sessions are handed out in short transactions of up
to ``BATCH`` each. One locks the members who had a free seat (``SKIP LOCKED``: another
dispatcher, in any process, takes other members or other groups meanwhile), counts
their active sessions again under those locks, locks as many queue heads as there are
free seats (``SKIP LOCKED`` again, so concurrent dispatchers take the next sessions), and
assigns greedily, counting each assignment against the operator's seats. Every path
that gives an operator a session (this one, ``take``, transfers) locks the operator row
first, so assignments to one operator never overlap. The count is never cached.

Available means: status ``online``, an inbox socket open or seen within the grace
period (``OPERATOR_PRESENCE_GRACE_S``), an active user, and fewer active sessions than
the limit (their own ``max_sessions`` or the largest default of their groups).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import realtime
from inbox import payloads
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from routing.hours import group_is_open
from routing.models import Group, Operator, OperatorStatus, RoutingStrategy
from routing.selectors import available_operators
from routing.services.sessions import queue_announce, sessions_assigned

# A bound on one dispatch call, so that one busy group cannot hold a worker forever.
MAX_PER_DISPATCH = 500
# Sessions handed out in one transaction: the locks and counts are paid once per batch.
BATCH = 20


def group_dispatch(*, group_id: int, limit: int = MAX_PER_DISPATCH) -> int:
    """Hands out the head of the group's queue while there are seats. Returns how many
    sessions were assigned. Safe to call from any number of processes at once."""
    # its hours and holidays are read only when it is not always open (two queries a
    # call that most groups need not make: dispatch runs after every close and message)
    group = Group.objects.filter(pk=group_id).first()
    if group is None or group.routing_strategy == RoutingStrategy.MANUAL:
        return 0
    if not group_is_open(group=group, at=timezone.now()):
        return 0
    # members with a free seat, read once for the whole call, before any transaction:
    # the locks are held only for what must be done under them. Each batch locks those
    # still online and counts their load again under the locks; those it filled leave
    # the list. A seat freed meanwhile starts a dispatch of its own (its event).
    candidates = _candidates(group)
    assigned = 0
    while assigned < limit and candidates:
        batch = _assign_batch(group, min(BATCH, limit - assigned), candidates)
        if not batch:
            break
        assigned += batch
    if assigned:
        queue_announce(group_id=group.pk)  # once for all the batches
    return assigned


class _Seat:
    """A candidate operator while a batch is handed out: their load and place in the
    strategy's order, updated as the batch assigns to them."""

    __slots__ = ("active", "limit", "operator", "position", "stamp")

    def __init__(
        self, operator: Operator, active: int, limit: int, position: int, last: dt.datetime | None
    ) -> None:
        self.operator, self.active, self.limit, self.position = operator, active, limit, position
        # oldest assignment first, never assigned before anyone; assigned in this batch
        # after everyone, in the batch's order
        self.stamp: tuple[Any, ...] = (1, last) if last is not None else (0,)


def _seat(candidate: Any, active: int, last: dt.datetime | None) -> _Seat:
    """A candidate (annotated by ``available_operators``) with their load and last
    assignment time as read under their lock."""
    return _Seat(candidate, active, candidate.limit, candidate.position, last)


def _pick(seats: list[_Seat], group: Group, previous: int | None, pointer: int) -> _Seat | None:
    """The escalation ladder: the seat the strategy picks among the members other than
    the operator the session just left (``previous``, after a no-answer or a lost
    connection); when nobody else has a free seat, that same operator again, rather than
    nobody (a session never waits while a member of its group has a free seat)."""
    free = [s for s in seats if s.active < s.limit]
    others = [s for s in free if s.operator.pk != previous]
    return _by_strategy(others or free, group, pointer)


def _by_strategy(free: list[_Seat], group: Group, pointer: int) -> _Seat | None:
    if not free:
        return None
    if group.routing_strategy == RoutingStrategy.LEAST_BUSY:
        return min(free, key=lambda s: (s.active, s.stamp, s.operator.pk))
    if group.routing_strategy == RoutingStrategy.LONGEST_IDLE:
        return min(free, key=lambda s: (s.stamp, s.operator.pk))
    # round robin: the members after the last one served, in order, then from the start
    return min(free, key=lambda s: (s.position <= pointer, s.position, s.operator.pk))


def _pointer_locked(group: Group) -> int:
    """Where round robin goes on from; under its row lock, as the cursor is shared (one
    round-robin dispatcher per group at a time)."""
    if group.routing_strategy != RoutingStrategy.ROUND_ROBIN:
        return group.round_robin_position
    return (
        Group.objects.select_for_update()
        .values_list("round_robin_position", flat=True)
        .get(pk=group.pk)
    )


@dataclass
class _Batch:
    picks: dict[int, Operator] = field(default_factory=dict)  # session id -> operator
    stamps: dict[int, dt.datetime] = field(default_factory=dict)  # operator id -> time
    returned: list[int] = field(default_factory=list)  # back to the operator they left
    pointer: int = 0


def _hand_out(
    seats: list[_Seat],
    heads: list[tuple[int, int | None]],
    group: Group,
    pointer: int,
    now: dt.datetime,
) -> _Batch:
    """Each head of the queue, in order, to the seat the ladder picks, until no seat is
    free; the seats' load and order are updated as it goes."""
    batch = _Batch(pointer=pointer)
    for session_id, previous_operator_id in heads:
        seat = _pick(seats, group, previous_operator_id, batch.pointer)
        if seat is None:
            break  # no free seat left in this batch
        if seat.operator.pk == previous_operator_id:
            batch.returned.append(session_id)
        seat.active += 1
        seat.stamp = (2, len(batch.picks))
        batch.pointer = seat.position
        # the batch's order, for the strategies' next choice
        batch.stamps[seat.operator.pk] = now + len(batch.picks) * dt.timedelta(microseconds=1)
        batch.picks[session_id] = seat.operator
    return batch


def _candidates(group: Group) -> dict[int, Any]:
    """The group's members with a free seat now (``available_operators``: annotated with
    their limit and position in the group), by id. On PostgreSQL the same definition as
    one statement written out (``CANDIDATES_SQL``): the queryset's annotations cost more
    to compile than to run, once per dispatch call (``tests/routing/test_candidates.py``
    checks that both give the same operators, limits and positions)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _candidates_sql(group.pk, now)
    return {o.pk: o for o in available_operators(group=group, now=now).select_related("user")}


@functools.cache
def _candidates_query() -> str:
    """``available_operators`` of one group as one statement (see ``_candidates``)."""
    q = connection.ops.quote_name
    user: Any = get_user_model()._meta
    users, user_pk = q(user.db_table), q(user.pk.column)
    first, last, active = (
        q(user.get_field(name).column) for name in ("first_name", "last_name", "is_active")
    )
    username = q(user.get_field(user.model.USERNAME_FIELD).column)
    return f"""
WITH members AS (
  SELECT o.id, o.display_name, o.user_id, m.position,
         COALESCE(o.max_sessions, (
           SELECT max(g.default_max_sessions) FROM routing_groupmembership gm
             JOIN routing_group g ON g.id = gm.group_id
            WHERE gm.operator_id = o.id), 3) AS lim,
         u.{first}, u.{last}, u.{username}
    FROM routing_groupmembership m
    JOIN routing_operator o ON o.id = m.operator_id
    JOIN {users} u ON u.{user_pk} = o.user_id
   WHERE m.group_id = %s AND o.status = %s AND u.{active}
     AND (o.open_sockets > 0 OR o.last_seen_at >= %s)
)
SELECT * FROM members
 WHERE (SELECT count(*) FROM inbox_session s
         WHERE s.operator_id = members.id AND s.status = %s) < members.lim
"""


def _candidates_sql(group_id: int, now: dt.datetime) -> dict[int, Any]:
    grace = now - dt.timedelta(seconds=settings.OPERATOR_PRESENCE_GRACE_S)
    with connection.cursor() as cursor:
        cursor.execute(
            _candidates_query(), [group_id, OperatorStatus.ONLINE, grace, SessionStatus.ACTIVE]
        )
        rows = cursor.fetchall()
    user_model: Any = get_user_model()
    found: dict[int, Any] = {}
    for pk, display_name, user_id, position, limit, first, last, username in rows:
        user = user_model(pk=user_id, first_name=first, last_name=last)
        setattr(user, user_model.USERNAME_FIELD, username)
        operator: Any = Operator(pk=pk, display_name=display_name, user=user)
        operator.limit, operator.position = limit, position
        found[pk] = operator
    return found


def _assign_batch(group: Group, most: int, candidates: dict[int, Any]) -> int:
    """Up to ``most`` sessions from the head of the queue, each to the operator the
    strategy picks among ``candidates``, never over anyone's limit, in one short
    transaction. Returns how many; the candidates it filled leave ``candidates``."""
    grace = timezone.now() - dt.timedelta(seconds=settings.OPERATOR_PRESENCE_GRACE_S)
    with transaction.atomic():
        pointer = _pointer_locked(group)
        # the candidates still available and the head of the queue, locked; other
        # dispatchers skip both meanwhile
        locked, heads = _lock(
            group_id=group.pk, operator_ids=list(candidates), grace=grace, most=most
        )
        if not locked or not heads:
            return 0
        # their load again, under the locks: a new statement sees every commit before it
        active = _active_counts(list(locked))
        # stamped under the locks: after every close that freed the seats counted here
        now = timezone.now()
        seats = [_seat(candidates[pk], active.get(pk, 0), locked[pk]) for pk in sorted(locked)]
        # the heads beyond the free seats stay queued (their locks end with the batch)
        heads = heads[: sum(max(0, s.limit - s.active) for s in seats)]
        batch = _hand_out(seats, heads, group, pointer, now)
        picks, returned, pointer = batch.picks, batch.returned, batch.pointer
        if not picks:
            return 0
        _write_assignments(
            now=now, sessions={pk: o.pk for pk, o in picks.items()}, operators=batch.stamps
        )
        if group.routing_strategy == RoutingStrategy.ROUND_ROBIN:
            Group.objects.filter(pk=group.pk).update(round_robin_position=pointer)
        group.round_robin_position = pointer
        sessions_assigned(assigned=picks, group_ids={group.pk}, announce=False)
        if returned:
            transaction.on_commit(lambda: _returned_alert(group.pk, returned, picks))
    for seat in seats:
        if seat.active >= seat.limit:
            del candidates[seat.operator.pk]
    return len(picks)


def _returned_alert(group_id: int, session_ids: list[int], picks: dict[int, Operator]) -> None:
    """Supervisors hear that sessions went back to the operator they had left, because
    nobody else of the group was available (the last step of the ladder)."""
    sessions = Session.objects.select_related(
        "dialog__contact", "dialog__channel", "group", "topic"
    ).in_bulk(session_ids)
    sends: list[tuple[list[str], dict[str, Any]]] = []
    for session_id in session_ids:
        session = sessions.get(session_id)
        if session is None:
            continue
        operator = picks[session_id]
        session.operator = operator
        frame = {
            "type": "alert",
            "kind": "returned",
            "session": payloads.session(session),
            "operator": operator.name,
        }
        sends.append(([realtime.supervisor_group(group_id)], frame))
    realtime.send_batch_now(sends)


# PostgreSQL runs the statements under the locks as written here, each one round trip;
# other databases (SQLite in the fast test tier) run the same steps through the ORM.
LOCK_SQL = """
WITH ops AS (
  SELECT id, last_assigned_at FROM routing_operator
   WHERE id = ANY(%s) AND status = %s AND (open_sockets > 0 OR last_seen_at >= %s)
     FOR UPDATE SKIP LOCKED
), heads AS (
  SELECT id, previous_operator_id FROM inbox_session
   WHERE group_id = %s AND status = %s
   ORDER BY priority DESC, queued_at, id
   LIMIT %s
     FOR UPDATE SKIP LOCKED
)
SELECT true, id, NULL::bigint, last_assigned_at FROM ops
UNION ALL
SELECT false, id, previous_operator_id, NULL::timestamptz FROM heads
"""

COUNT_SQL = """
SELECT operator_id, count(*) FROM inbox_session
 WHERE status = %s AND operator_id = ANY(%s)
 GROUP BY operator_id
"""

STAMP_SQL = """
UPDATE "routing_operator" SET "last_assigned_at" = v.at
  FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at)
 WHERE "routing_operator"."id" = v.id
"""


def _lock(
    *, group_id: int, operator_ids: list[int], grace: dt.datetime, most: int
) -> tuple[dict[int, dt.datetime | None], list[tuple[int, int | None]]]:
    """Locks those of ``operator_ids`` still online and present, and up to ``most``
    sessions from the head of the group's queue, in order; ``SKIP LOCKED`` both, so
    nothing here waits for another dispatcher. Returns (operator id: their last
    assignment time, read under the lock; heads as (session id, previous operator id))."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                LOCK_SQL,
                [
                    operator_ids,
                    OperatorStatus.ONLINE,
                    grace,
                    group_id,
                    SessionStatus.QUEUED,
                    most,
                ],
            )
            rows = cursor.fetchall()
        return {r[1]: r[3] for r in rows if r[0]}, [(r[1], r[2]) for r in rows if not r[0]]
    locked: dict[int, dt.datetime | None] = dict(
        Operator.objects.select_for_update(skip_locked=True)
        .filter(pk__in=operator_ids, status=OperatorStatus.ONLINE)
        .filter(Q(open_sockets__gt=0) | Q(last_seen_at__gte=grace))
        .values_list("pk", "last_assigned_at")
    )
    heads: list[tuple[int, int | None]] = list(
        Session.objects.select_for_update(skip_locked=True)
        .filter(group_id=group_id, status=SessionStatus.QUEUED)
        .order_by("-priority", "queued_at", "pk")
        .values_list("pk", "previous_operator_id")[:most]
    )
    return locked, heads


def _active_counts(operator_ids: list[int]) -> dict[int, int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(COUNT_SQL, [SessionStatus.ACTIVE, operator_ids])
            return dict(cursor.fetchall())
    return dict(
        Session.objects.filter(operator_id__in=operator_ids, status=SessionStatus.ACTIVE)
        .values("operator_id")
        .annotate(n=Count("pk"))
        .values_list("operator_id", "n")
    )


def _write_assignments(
    *, now: dt.datetime, sessions: dict[int, int], operators: dict[int, dt.datetime]
) -> None:
    """Sessions (id: operator id) become active (inbox writes them, in one statement);
    operators get their last assignment time (one statement on PostgreSQL, from arrays:
    a ``CASE`` of one branch per row costs more to build than to run)."""
    inbox_services.sessions_assign_batch(assignments=sessions, at=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(STAMP_SQL, [list(operators), list(operators.values())])
        return
    Operator.objects.filter(pk__in=list(operators)).update(
        last_assigned_at=Case(*(When(pk=pk, then=Value(at)) for pk, at in operators.items()))
    )


def groups_dispatch(*, group_ids: tuple[int, ...] | list[int]) -> int:
    return sum(group_dispatch(group_id=g) for g in dict.fromkeys(group_ids))


def session_route(*, session_id: int) -> None:
    """A session just entered a queue: tell the contact if the group is closed, then try
    to assign it."""
    session = (
        Session.objects.select_related("group")
        .prefetch_related("group__working_hours", "group__holidays")
        .filter(pk=session_id, status=SessionStatus.QUEUED)
        .first()
    )
    if session is None or session.group is None:
        return
    if not group_is_open(group=session.group, at=timezone.now()):
        offline_notify(session=session)
    elif group_dispatch(group_id=session.group.pk) == 0:
        queue_announce(group_id=session.group.pk)


def offline_notify(*, session: Session) -> None:
    """Sends the group's offline message once per session."""
    with transaction.atomic():
        claimed = inbox_services.session_offline_notice_claim(session_id=session.pk)
        if claimed and session.group is not None:
            text = session.group.offline_message or _(
                "We are away right now. Leave your message and we will answer as soon as we "
                "are back."
            )
            inbox_services.system_message_send(session=session, text=text)
    if session.group_id is not None:
        queue_announce(group_id=session.group_id)


def open_groups_with_queue() -> list[int]:
    """Groups that have sessions waiting (the periodic sweep dispatches these)."""
    return list(
        Session.objects.filter(status=SessionStatus.QUEUED, group__isnull=False)
        .values_list("group_id", flat=True)
        .distinct()
    )
