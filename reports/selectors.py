"""Report figures, computed from sessions and their messages (the definitions are the
contract's "Reports" section, repeated on ``summary``)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, Q, QuerySet

from contactcenter import roles
from inbox.models import CloseReason, Session
from routing.models import Group, Operator
from routing.selectors import group_sla_target_s


def sessions_visible(*, user: Any) -> QuerySet[Session] | None:
    """Sessions whose figures the user may see: admins all; supervisors their groups';
    operators their own. None when the user may see no reports at all."""
    if roles.is_admin(user):
        return Session.objects.all()
    operator = Operator.objects.filter(user=user).first()
    if operator is None:
        return None
    supervised = Group.objects.filter(supervisors=operator).values("pk")
    return Session.objects.filter(Q(group__in=supervised) | Q(operator=operator))


def report_groups(*, user: Any) -> QuerySet[Group]:
    """The groups whose reports the user may open on the reports page: admins every
    group, supervisors the groups they supervise, anyone else none."""
    if roles.is_admin(user):
        return Group.objects.order_by("name")
    if not getattr(user, "is_authenticated", False):
        return Group.objects.none()
    return Group.objects.filter(supervisors__user=user).order_by("name").distinct()


def reports_page_allowed(*, user: Any) -> bool:
    """Admins and the supervisors of at least one group."""
    return roles.is_admin(user) or report_groups(user=user).exists()


def report_page_sessions(*, user: Any, group: Group | None = None) -> QuerySet[Session]:
    """The sessions the reports page counts: one group the user may report on, else
    every session for admins and the supervised groups' sessions for supervisors
    (``sessions_visible`` narrowed to ``report_groups``)."""
    sessions = sessions_visible(user=user)
    if sessions is None:
        return Session.objects.none()
    if group is not None:
        return sessions.filter(group=group)
    if roles.is_admin(user):
        return sessions
    return sessions.filter(group__in=report_groups(user=user).values("pk"))


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (k - low), 1)


def _summary_rows(
    sessions: QuerySet[Session], since: dt.datetime, until: dt.datetime
) -> Iterable[Any]:
    """Per session created in ``[since, until)``: its times, its first customer and
    first operator message, its rating and its group's SLA target."""
    return (
        sessions.filter(created_at__gte=since, created_at__lt=until)
        .annotate(
            first_contact=Min("messages__created_at", filter=Q(messages__sender_type="contact")),
            first_operator=Min(
                "messages__created_at",
                # a private note is not an answer to the customer
                filter=Q(messages__sender_type="operator", messages__internal=False),
            ),
        )
        .values(
            "created_at",
            "queued_at",
            "assigned_at",
            "closed_at",
            "close_reason",
            "rating",
            "first_contact",
            "first_operator",
            "group__sla_target_s",
        )
    )


@dataclass
class _Tally:
    """The figures of ``summary`` gathered one session at a time."""

    waits: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)
    handles: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)
    count: int = 0
    answered: int = 0
    abandoned: int = 0
    on_target: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.count += 1
        if row["close_reason"] == CloseReason.ABANDONED:
            self.abandoned += 1
        if (wait := _seconds(row["assigned_at"], row["queued_at"])) is not None:
            self.waits.append(wait)
        if (handle := _seconds(row["closed_at"], row["assigned_at"])) is not None:
            self.handles.append(handle)
        if row["rating"] is not None:
            self.ratings.append(row["rating"])
        if row["first_operator"] is None:
            return
        self.answered += 1
        start = row["first_contact"]
        if start is None or start > row["first_operator"]:
            start = row["created_at"]
        first = _seconds(row["first_operator"], start) or 0.0
        self.firsts.append(first)
        if first <= group_sla_target_s(row["group__sla_target_s"]):
            self.on_target += 1


def summary(
    *, sessions: QuerySet[Session], since: dt.datetime, until: dt.datetime
) -> dict[str, Any]:
    """Figures over the sessions created in ``[since, until)``:

    - queue wait: ``queued_at`` to ``assigned_at``;
    - first response: the session's first customer message (or its creation, when an
      operator wrote first) to the first operator message;
    - handle time: ``assigned_at`` to ``closed_at``;
    - answered: sessions with an operator message; abandoned: closed as ``abandoned``;
    - ``sla_pct``: share of answered sessions answered within their group's target.
    """
    tally = _Tally()
    for row in _summary_rows(sessions, since, until):
        tally.add(row)
    firsts, ratings, answered = tally.firsts, tally.ratings, tally.answered
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "sessions": tally.count,
        "answered": answered,
        "abandoned": tally.abandoned,
        "avg_queue_wait_s": _mean(tally.waits),
        "avg_first_response_s": _mean(firsts),
        "median_first_response_s": _percentile(firsts, 50),
        "p90_first_response_s": _percentile(firsts, 90),
        "avg_handle_s": _mean(tally.handles),
        "sla_pct": round(100 * tally.on_target / answered, 1) if answered else None,
        "csat_avg": round(statistics.fmean(ratings), 2) if ratings else None,
        "csat_count": len(ratings),
    }
