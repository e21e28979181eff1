"""Reads of the supervisor routing board: per group the caller supervises (admins: every
group), the queue, the active sessions and each member's status, presence and load.

A fixed number of queries whatever the number of groups and operators: the role check,
one query for the groups with their queue and session counts, one for the memberships
with each operator's load and effective limit (subqueries, not one query per row), one
for the waiting and active chats (each with the inbox address that opens it).

The effective limit is the one routing applies (``routing.services.operator_limit``):
the operator's own ``max_sessions``, else the largest ``default_max_sessions`` of their
groups, else 3.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from contactcenter import roles
from inbox import payloads
from inbox.models import Session, SessionStatus
from routing import selectors
from routing.models import Group, GroupMembership, OperatorStatus

FALLBACK_LIMIT = 3  # routing's limit for an operator of no group


class BoardOperator(TypedDict):
    id: int
    name: str
    status: str
    connected: bool
    available: bool
    active_sessions: int
    limit: int
    max_sessions: int | None
    last_assigned_at: str | None


class BoardSession(TypedDict):
    id: int
    status: str
    contact_name: str
    operator: int | None
    operator_name: str | None
    priority: int
    queued_at: str | None
    assigned_at: str | None
    url: str


class BoardGroup(TypedDict):
    id: int
    name: str
    routing_strategy: str
    default_max_sessions: int
    queue_size: int
    oldest_queued_at: str | None
    active_sessions: int
    operators: list[BoardOperator]
    sessions: list[BoardSession]


class Board(TypedDict):
    server_time: str
    groups: list[BoardGroup]


def board_groups(*, user: Any) -> QuerySet[Group]:
    """The groups whose board ``user`` sees: all for admins, else those they supervise."""
    if roles.is_admin(user):
        return Group.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Group.objects.none()
    return Group.objects.filter(pk__in=Group.objects.filter(supervisors__user=user).values("pk"))


def board_user_may_see(*, user: Any) -> bool:
    """Admins and supervisors of at least one group see the board."""
    return roles.is_admin(user) or board_groups(user=user).exists()


def board_get(*, user: Any, now: dt.datetime | None = None) -> Board:
    """The whole board of ``user`` (empty for someone who supervises nothing)."""
    now = now or timezone.now()
    # annotated with queue_size, oldest_queued_at and active_count
    groups: list[Any] = list(_groups_with_counts(board_groups(user=user)))
    members = _members_with_load(group_ids=[g.pk for g in groups])
    by_group: dict[int, list[BoardOperator]] = {g.pk: [] for g in groups}
    for membership in members:
        by_group[membership.group_id].append(_operator_row(membership, now))
    for rows in by_group.values():
        rows.sort(key=lambda row: (row["name"].casefold(), row["id"]))
    chats = _open_sessions(group_ids=[g.pk for g in groups])
    return {
        "server_time": now.isoformat(),
        "groups": [
            {
                "id": g.pk,
                "name": g.name,
                "routing_strategy": g.routing_strategy,
                "default_max_sessions": g.default_max_sessions,
                "queue_size": g.queue_size,
                "oldest_queued_at": payloads.iso(g.oldest_queued_at),
                "active_sessions": g.active_count,
                "operators": by_group[g.pk],
                "sessions": chats.get(g.pk, []),
            }
            for g in groups
        ],
    }


def _groups_with_counts(groups: QuerySet[Group]) -> QuerySet[Group]:
    # correlated subqueries on open sessions (the queue index) rather than a join that
    # would aggregate every session the group ever had
    def of_group(status: str) -> QuerySet[Session]:
        return Session.objects.filter(group_id=OuterRef("pk"), status=status).order_by()

    def count(status: str) -> Coalesce:
        rows = of_group(status).values("group_id").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    oldest = (
        of_group(SessionStatus.QUEUED)
        .filter(queued_at__isnull=False)
        .order_by("queued_at")
        .values("queued_at")[:1]
    )
    return groups.annotate(
        queue_size=count(SessionStatus.QUEUED),
        oldest_queued_at=Subquery(oldest),
        active_count=count(SessionStatus.ACTIVE),
    ).order_by("name", "pk")


def _members_with_load(*, group_ids: list[int]) -> list[GroupMembership]:
    if not group_ids:
        return []
    active = (
        Session.objects.filter(operator_id=OuterRef("operator_id"), status=SessionStatus.ACTIVE)
        .order_by()
        .values("operator_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    group_default = (
        GroupMembership.objects.filter(operator_id=OuterRef("operator_id"))
        .order_by()
        .values("operator_id")
        .annotate(m=Max("group__default_max_sessions"))
        .values("m")
    )
    return list(
        GroupMembership.objects.filter(group_id__in=group_ids)
        .select_related("operator__user")
        .annotate(
            active_sessions=Coalesce(Subquery(active, output_field=IntegerField()), 0),
            effective_limit=Coalesce(
                "operator__max_sessions",
                Subquery(group_default, output_field=IntegerField()),
                FALLBACK_LIMIT,
                output_field=IntegerField(),
            ),
        )
    )


# a board is a glance, not a report: the longest waits and the oldest active chats
SESSIONS_PER_GROUP = 50
INBOX_SESSION_URL = "/inbox/?session={id}"


def _open_sessions(*, group_ids: list[int]) -> dict[int, list[BoardSession]]:
    """Per group, its waiting chats (highest priority, then longest wait first) and then
    its active ones, each with the inbox address that opens it; one query for every
    group."""
    if not group_ids:
        return {}
    order = [F("status").desc(), F("priority").desc(), F("queued_at").asc(), F("pk").asc()]
    rows = (
        Session.objects.filter(
            group_id__in=group_ids, status__in=[SessionStatus.QUEUED, SessionStatus.ACTIVE]
        )
        # the first SESSIONS_PER_GROUP of each group, chosen by the database: a queue of
        # thousands is not read to show fifty ("queued" sorts after "active", so
        # descending puts the waiting chats first)
        .annotate(rank=Window(RowNumber(), partition_by=[F("group_id")], order_by=order))
        .filter(rank__lte=SESSIONS_PER_GROUP)
        .select_related("dialog__contact", "operator__user")
        .order_by("group_id", *order)
    )
    out: dict[int, list[BoardSession]] = {}
    for session in rows:
        operator = session.operator
        out.setdefault(session.group_id or 0, []).append(
            {
                "id": session.pk,
                "status": session.status,
                "contact_name": str(session.dialog.contact),
                "operator": session.operator_id,
                "operator_name": operator.name if operator is not None else None,
                "priority": session.priority,
                "queued_at": payloads.iso(session.queued_at),
                "assigned_at": payloads.iso(session.assigned_at),
                "url": INBOX_SESSION_URL.format(id=session.pk),
            }
        )
    return out


def _operator_row(membership: Any, now: dt.datetime) -> BoardOperator:
    operator = membership.operator
    # routing's own definition (``selectors.available_operators``), so that the board's
    # "available" is exactly who routing may give the next chat to
    available = (
        operator.status == OperatorStatus.ONLINE
        and operator.user.is_active
        and selectors.operator_is_present(operator=operator, now=now)
        and membership.active_sessions < membership.effective_limit
    )
    return {
        "id": operator.pk,
        "name": operator.name,
        "status": operator.status,
        "connected": operator.open_sockets > 0,
        "available": available,
        "active_sessions": membership.active_sessions,
        "limit": membership.effective_limit,
        "max_sessions": operator.max_sessions,
        "last_assigned_at": payloads.iso(operator.last_assigned_at),
    }
