"""Reads of the routing app: who is an operator or supervisor, and what they may see.

Visibility (the API answers 404 for anything outside these querysets):

- groups: admins all; others the groups they are a member or a supervisor of;
- operators: admins all; others themselves and the operators of the groups they belong
  to or supervise (read only: a colleague is needed to transfer a session);
- channels: admins only (channel configuration is administration).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from contactcenter import roles
from inbox import payloads
from inbox.models import Channel, Session, SessionStatus
from routing import sla
from routing.models import (
    Group,
    GroupMembership,
    Operator,
    OperatorStatus,
    Topic,
)


def group_sla_target_s(group: Group | int | None) -> int:
    """A group's first-response target in seconds (``routing.sla.sla_target_s``, the one
    definition of the SLA; kept under this name for its callers)."""
    return sla.sla_target_s(group)


def operator_get_for_user(*, user: Any) -> Operator | None:
    """The caller's operator record, if they have one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Operator.objects.filter(user=user).first()


def operator_role_of_user(*, user: Any) -> str | None:
    """``"supervisor"`` when the user's operator record supervises a group, ``"operator"``
    for any other operator record, ``None`` without one (one query)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = (
        Operator.objects.filter(user=user)
        .annotate(supervised=Count("supervisor_of"))
        .values_list("supervised", flat=True)
        .first()
    )
    if row is None:
        return None
    return "supervisor" if row else "operator"


def _limit_expression() -> Coalesce:
    group_default = (
        GroupMembership.objects.filter(operator=OuterRef("pk"))
        .values("operator")
        .annotate(m=Max("group__default_max_sessions"))
        .values("m")
    )
    return Coalesce("max_sessions", Subquery(group_default, output_field=IntegerField()), 3)


def _active_expression() -> Coalesce:
    # a subquery on the active-sessions index, not a join over every session ever held
    active = (
        Session.objects.filter(operator=OuterRef("pk"), status=SessionStatus.ACTIVE)
        .values("operator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), 0)


def presence_q(*, now: dt.datetime, prefix: str = "") -> Q:
    """Present for routing: an inbox socket open, or one seen within the grace period
    (``OPERATOR_PRESENCE_GRACE_S``), so that a reload or a short network cut does not
    count as leaving."""
    grace = now - dt.timedelta(seconds=settings.OPERATOR_PRESENCE_GRACE_S)
    return Q(**{f"{prefix}open_sockets__gt": 0}) | Q(**{f"{prefix}last_seen_at__gte": grace})


def operator_is_present(*, operator: Operator, now: dt.datetime) -> bool:
    """``presence_q`` for one loaded operator row."""
    grace = now - dt.timedelta(seconds=settings.OPERATOR_PRESENCE_GRACE_S)
    seen = operator.last_seen_at
    return operator.open_sockets > 0 or (seen is not None and seen >= grace)


def available_operators(*, group: Group | int, now: dt.datetime) -> QuerySet[Operator]:
    """Members of the group who may get a session now (online, present, an active user,
    a free seat), with ``active``, ``limit`` and their ``position`` in the group. The one
    definition of "available": routing assigns by it, the board counts by it and the
    widget tells customers by it."""
    return (
        Operator.objects.filter(
            memberships__group=group,
            status=OperatorStatus.ONLINE,
            user__is_active=True,
        )
        .filter(presence_q(now=now))
        .annotate(
            active=_active_expression(),
            limit=_limit_expression(),
            position=F("memberships__position"),
        )
        .filter(active__lt=F("limit"))
    )


def _group_ids_of_user(user: Any) -> QuerySet[Group, Any]:
    return Group.objects.filter(
        Q(memberships__operator__user=user) | Q(supervisors__user=user)
    ).values("pk")


def group_list(*, user: Any) -> QuerySet[Group]:
    groups = Group.objects.all()
    if not roles.is_admin(user):
        groups = groups.filter(pk__in=_group_ids_of_user(user))
    return groups.prefetch_related(
        Prefetch("memberships", queryset=GroupMembership.objects.order_by("position", "id")),
        "supervisors",
        "working_hours",
        "holidays",
    )


def operator_list(*, user: Any) -> QuerySet[Operator]:
    operators = Operator.objects.all()
    if not roles.is_admin(user):
        colleagues = GroupMembership.objects.filter(group__in=_group_ids_of_user(user)).values(
            "operator_id"
        )
        operators = operators.filter(Q(user=user) | Q(pk__in=colleagues))
    return operator_with_load(operators=operators)


def operator_with_load(*, operators: QuerySet[Operator]) -> QuerySet[Operator]:
    """Annotates ``active_sessions``: sessions the operator holds in status active."""
    return (
        operators.select_related("user")
        .prefetch_related("memberships", "supervisor_of")
        .annotate(
            active_sessions=Count("sessions", filter=Q(sessions__status=SessionStatus.ACTIVE))
        )
        .order_by("display_name", "id")
    )


def operator_is_supervised_by(*, operator: Operator, user: Any) -> bool:
    """True when ``user`` supervises a group ``operator`` is a member of."""
    return GroupMembership.objects.filter(operator=operator, group__supervisors__user=user).exists()


def operator_group_ids(*, operator: Operator) -> list[int]:
    return [m.group_id for m in operator.memberships.all()]


def channel_list(*, user: Any) -> QuerySet[Channel]:
    if not roles.is_admin(user):
        return Channel.objects.none()
    return Channel.objects.select_related("default_group").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("position", "id"))
    )


def operator_socket_info(*, user: Any) -> dict[str, Any] | None:
    """What an inbox socket needs on connect: the operator, the groups whose queues they
    watch and the groups they supervise. None when the user is no operator."""
    operator = Operator.objects.filter(user=user).select_related("user").first()
    if operator is None:
        return None
    return {
        "operator": {"id": operator.pk, "status": operator.status, "name": operator.name},
        "groups": list(operator.memberships.values_list("group_id", flat=True)),
        "supervised": list(operator.supervisor_of.values_list("pk", flat=True)),
    }


def watcher_socket_info(*, user: Any) -> dict[str, Any] | None:
    """For a user with no operator record who may still watch routing live (admins: the
    board): the groups whose queue and supervisor frames their socket hears, read only.
    None for anyone else."""
    if not roles.is_admin(user):
        return None
    return {"groups": list(Group.objects.order_by("pk").values_list("pk", flat=True))}


def session_dialog_of_operator(*, session_id: Any, operator_id: int) -> int | None:
    """The dialog of an open session the operator holds, else None."""
    if not isinstance(session_id, int) or isinstance(session_id, bool):
        return None
    return (
        Session.objects.filter(pk=session_id, operator_id=operator_id)
        .exclude(status=SessionStatus.CLOSED)
        .values_list("dialog_id", flat=True)
        .first()
    )


def queue_summary(*, user: Any) -> list[dict[str, Any]]:
    """Per group the user belongs to or supervises: queue size and oldest wait."""
    groups = Group.objects.filter(
        Q(memberships__operator__user=user) | Q(supervisors__user=user)
    ).distinct()
    if roles.is_admin(user):
        groups = Group.objects.all()
    out = []
    for group in groups.order_by("name"):
        waiting = Session.objects.filter(group=group, status=SessionStatus.QUEUED)
        oldest = waiting.order_by("queued_at").values_list("queued_at", flat=True).first()
        out.append(
            {
                "group": group.pk,
                "name": group.name,
                "size": waiting.count(),
                "oldest_queued_at": payloads.iso(oldest),
            }
        )
    return out


def session_may_transfer(*, session: Session, user: Any) -> bool:
    """The session's operator, its group's supervisors and admins transfer a session."""
    operator, group = session.operator, session.group
    if roles.is_admin(user) or (operator is not None and operator.user_id == user.pk):
        return True
    return group is not None and group.supervisors.filter(user=user).exists()


def group_has_available_operator(
    *, group: Group | int, exclude_operator_id: int | None = None
) -> bool:
    """True when a member of the group (other than ``exclude_operator_id``) is available
    for routing now."""
    operators = available_operators(group=group, now=timezone.now())
    if exclude_operator_id is not None:
        operators = operators.exclude(pk=exclude_operator_id)
    return operators.exists()
