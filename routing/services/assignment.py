"""Automatic assignment: the head of a group's queue goes to an available operator with a
free seat, chosen by the group's strategy.

Why it never overloads an operator: each assignment is one short transaction that locks
the queue's head (``SKIP LOCKED``, so dispatchers in other processes take the next
session) and then the chosen operator's row, and counts the operator's active sessions
inside that lock. Every path that gives an operator a session (this one, ``take``,
transfers) locks the operator row first, so two assignments to one operator run one
after the other, in any process. The count is never cached.

Available means: status ``online``, an inbox socket open or seen within the grace
period (``OPERATOR_PRESENCE_GRACE_S``), an active user, and fewer active sessions than
the limit (their own ``max_sessions`` or the largest default of their groups).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.api_common import StateConflict
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from routing.hours import group_is_open
from routing.models import Group, GroupMembership, Operator, OperatorStatus, RoutingStrategy
from routing.services.sessions import queue_announce, session_assign

# A bound on one dispatch call, so that one busy group cannot hold a worker forever.
MAX_PER_DISPATCH = 500


def _limit_expression() -> Coalesce:
    group_default = (
        GroupMembership.objects.filter(operator=OuterRef("pk"))
        .values("operator")
        .annotate(m=Max("group__default_max_sessions"))
        .values("m")
    )
    return Coalesce("max_sessions", Subquery(group_default, output_field=IntegerField()), 3)


def available_operators(*, group: Group, now: dt.datetime) -> QuerySet[Operator]:
    """Members of the group who may get a session now, with ``active`` and ``limit``."""
    grace = now - dt.timedelta(seconds=settings.OPERATOR_PRESENCE_GRACE_S)
    return (
        Operator.objects.filter(
            memberships__group=group,
            status=OperatorStatus.ONLINE,
            user__is_active=True,
        )
        .filter(Q(open_sockets__gt=0) | Q(last_seen_at__gte=grace))
        .annotate(
            active=Count("sessions", filter=Q(sessions__status=SessionStatus.ACTIVE)),
            limit=_limit_expression(),
            position=F("memberships__position"),
        )
        .filter(active__lt=F("limit"))
    )


def _ordered(candidates: QuerySet[Operator], group: Group) -> QuerySet[Operator]:
    oldest_first = F("last_assigned_at").asc(nulls_first=True)
    if group.routing_strategy == RoutingStrategy.LEAST_BUSY:
        return candidates.order_by("active", oldest_first, "pk")
    if group.routing_strategy == RoutingStrategy.LONGEST_IDLE:
        return candidates.order_by(oldest_first, "pk")
    # round robin: the members after the last one served, in order, then from the start
    return candidates.annotate(
        wrapped=Case(When(position__gt=group.round_robin_position, then=0), default=1)
    ).order_by("wrapped", "position", "pk")


def group_dispatch(*, group_id: int, limit: int = MAX_PER_DISPATCH) -> int:
    """Hands out the head of the group's queue while there are seats. Returns how many
    sessions were assigned. Safe to call from any number of processes at once."""
    group = Group.objects.prefetch_related("working_hours", "holidays").filter(pk=group_id).first()
    if group is None or group.routing_strategy == RoutingStrategy.MANUAL:
        return 0
    now = timezone.now()
    if not group_is_open(group=group, at=now):
        return 0
    assigned = 0
    while assigned < limit and _assign_head(group, now) is not None:
        assigned += 1
    return assigned


@transaction.atomic
def _assign_head(group: Group, now: dt.datetime) -> Session | None:
    if group.routing_strategy == RoutingStrategy.ROUND_ROBIN:
        # the cursor is shared: one round-robin dispatcher per group at a time
        group.round_robin_position = (
            Group.objects.select_for_update()
            .values_list("round_robin_position", flat=True)
            .get(pk=group.pk)
        )
    session = (
        Session.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("dialog__contact", "dialog__channel", "group", "topic")
        .filter(group_id=group.pk, status=SessionStatus.QUEUED)
        .order_by("-priority", "queued_at", "pk")
        .first()
    )
    if session is None:
        return None
    candidates = _ordered(available_operators(group=group, now=now), group)
    for candidate in candidates.exclude(pk=session.previous_operator_id or 0)[:8]:
        operator = (
            Operator.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=candidate.pk)
            .first()
        )
        if operator is None:
            continue  # another dispatcher is assigning to this operator right now
        try:
            # counts the operator's sessions under their row lock; refuses before writing
            session_assign(session=session, operator=operator)
        except StateConflict:
            continue
        if group.routing_strategy == RoutingStrategy.ROUND_ROBIN:
            Group.objects.filter(pk=group.pk).update(round_robin_position=candidate.position)
        return session
    return None


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
    elif group_dispatch(group_id=session.group_id) == 0:
        queue_announce(group_id=session.group_id)


def offline_notify(*, session: Session) -> None:
    """Sends the group's offline message once per session."""
    with transaction.atomic():
        updated = Session.objects.filter(pk=session.pk, offline_notified=False).update(
            offline_notified=True
        )
        if updated and session.group is not None:
            text = session.group.offline_message or _(
                "We are away right now. Leave your message and we will answer as soon as we "
                "are back."
            )
            inbox_services.system_message_send(session=session, text=text)
    queue_announce(group_id=session.group_id)


def open_groups_with_queue() -> list[int]:
    """Groups that have sessions waiting (the periodic sweep dispatches these)."""
    return list(
        Session.objects.filter(status=SessionStatus.QUEUED, group__isnull=False)
        .values_list("group_id", flat=True)
        .distinct()
    )
