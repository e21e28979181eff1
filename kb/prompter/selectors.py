"""The prompter's weekly figures (``GET /api/v1/kb/stats/`` and the admin's chart).

Over the customer messages the prompter looked at (those in sessions with an operator),
per week (Monday, in UTC):

- ``prompted``: how many it looked at;
- ``suggested``: how many got at least one suggestion;
- ``coverage``: ``suggested / prompted``;
- ``accept_at_1``: the share of ``suggested`` whose first suggestion was accepted (sent
  as is, or edited);
- ``accept_at_3``: the share of ``suggested`` where any of the (up to three)
  suggestions was accepted or edited;
- ``mrr``: the mean over ``suggested`` of 1 / the rank of the accepted (or edited)
  suggestion, 0 when none was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from kb.prompter.models import Outcome, Prompt

USED = (Outcome.ACCEPTED, Outcome.EDITED)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def prompter_weekly_stats(
    *, weeks: int = 12, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """One row per week for the last ``weeks`` weeks, oldest first (weeks with no
    prompted message included, their figures 0)."""
    now = now or timezone.now()
    first = _monday(now.astimezone(dt.UTC).date()) - dt.timedelta(weeks=weeks - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    rows = (
        Prompt.objects.filter(created_at__gte=start)
        .annotate(
            day=TruncDate("created_at", tzinfo=dt.UTC),
            used_rank=Min("suggestions__rank", filter=Q(suggestions__outcome__in=USED)),
        )
        .values_list("day", "suggested", "used_rank")
    )
    weeks_at: dict[dt.date, list[float]] = {
        first + dt.timedelta(weeks=i): [0, 0, 0, 0, 0.0] for i in range(weeks)
    }
    for day, suggested, used_rank in rows:
        tally = weeks_at.get(_monday(day))
        if tally is None:
            continue
        tally[0] += 1
        if suggested:
            tally[1] += 1
            if used_rank:
                tally[2] += used_rank == 1
                tally[3] += 1
                tally[4] += 1.0 / used_rank
    return [_row(week, *tally) for week, tally in sorted(weeks_at.items())]


def _row(
    week: dt.date, prompted: float, suggested: float, at1: float, at3: float, rr: float
) -> dict[str, Any]:
    def share(part: float, whole: float) -> float:
        return round(part / whole, 4) if whole else 0.0

    return {
        "week": week.isoformat(),
        "prompted": int(prompted),
        "suggested": int(suggested),
        "accept_at_1": share(at1, suggested),
        "accept_at_3": share(at3, suggested),
        "mrr": share(rr, suggested),
        "coverage": share(suggested, prompted),
    }
