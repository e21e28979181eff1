"""``reports/live/``: each visible group's queue and today's figures (today in the
group's time zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from contactcenter import roles
from inbox.models import Session, SessionStatus
from reports import selectors
from reports.models import ConversationFact
from routing.models import Group, Operator, OperatorStatus
from routing.selectors import presence_q
from routing.sla import sla_target_s


def live_groups(*, user: Any) -> QuerySet[Group] | None:
    """Admins every group, supervisors theirs, operators their own groups; None when
    the user is not staff of any kind."""
    if roles.is_admin(user):
        return Group.objects.order_by("name")
    operator = Operator.objects.filter(user=user).first() if user.is_authenticated else None
    if operator is None:
        return None
    return (
        Group.objects.filter(Q(supervisors=operator) | Q(members=operator))
        .distinct()
        .order_by("name")
    )


def live(*, groups: QuerySet[Group], now: dt.datetime) -> dict[str, Any]:
    """Queue size, longest wait, operators online and active chats now; answered,
    abandoned and service level of the conversations started today."""
    rows = list(groups)
    ids = [g.pk for g in rows]
    open_counts = _open_counts(ids, now)
    online = dict(
        Operator.objects.filter(presence_q(now=now), memberships__group_id__in=ids)
        .filter(status=OperatorStatus.ONLINE)
        .values_list("memberships__group_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    result = []
    for group in rows:
        today = selectors.summary(
            facts=ConversationFact.objects.filter(group_id=group.pk),
            since=selectors.today_start(group, now),
            until=now + dt.timedelta(seconds=1),
        )
        counts = open_counts.get(group.pk, {})
        oldest = counts.get("oldest")
        result.append(
            {
                "group": group.pk,
                "name": group.name,
                "queue_size": counts.get("queued", 0),
                "longest_wait_s": int((now - oldest).total_seconds()) if oldest else 0,
                "operators_online": online.get(group.pk, 0),
                "active_sessions": counts.get("active", 0),
                "answered": today["answered"],
                "abandoned": today["abandoned"],
                "service_level_pct": today["service_level_pct"],
                # the wallboard colours the longest wait against it
                "sla_target_s": sla_target_s(group),
            }
        )
    return {"groups": result}


def _open_counts(group_ids: list[int], now: dt.datetime) -> dict[int, dict[str, Any]]:
    counts: dict[int, dict[str, Any]] = {}
    for group_id, status, n, oldest in (
        Session.objects.filter(
            group_id__in=group_ids, status__in=[SessionStatus.QUEUED, SessionStatus.ACTIVE]
        )
        .values_list("group_id", "status")
        .annotate(n=Count("pk"), oldest=Min("queued_at"))
        .order_by()
    ):
        entry = counts.setdefault(group_id, {})
        entry["queued" if status == SessionStatus.QUEUED else "active"] = n
        if status == SessionStatus.QUEUED and oldest is not None:
            entry["oldest"] = min(oldest, now)
    return counts
