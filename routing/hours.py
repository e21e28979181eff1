"""Working hours: whether a group is open at a moment, in the group's own time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from routing.models import Group


def group_is_open(*, group: Group, at: dt.datetime) -> bool:
    """Always-open groups are open; otherwise ``at`` (aware) must fall in one of the
    weekday intervals, in the group's time zone, on a day that is not a holiday.
    Callers that check many times should prefetch ``working_hours`` and ``holidays``."""
    if group.always_open:
        return True
    local = at.astimezone(zoneinfo.ZoneInfo(group.time_zone))
    if any(h.date == local.date() for h in group.holidays.all()):
        return False
    now = local.time()
    return any(
        h.weekday == local.weekday() and h.start <= now < h.end for h in group.working_hours.all()
    )


def group_next_open_at(*, group: Group, after: dt.datetime) -> dt.datetime | None:
    """The next moment the group opens after ``after`` (within two weeks), or None."""
    if group.always_open:
        return after
    tz = zoneinfo.ZoneInfo(group.time_zone)
    local = after.astimezone(tz)
    holidays = {h.date for h in group.holidays.all()}
    hours = list(group.working_hours.all())
    for day_offset in range(15):
        day = local.date() + dt.timedelta(days=day_offset)
        if day in holidays:
            continue
        for interval in sorted(
            (h for h in hours if h.weekday == day.weekday()), key=lambda h: h.start
        ):
            start = dt.datetime.combine(day, interval.start, tzinfo=tz)
            end = dt.datetime.combine(day, interval.end, tzinfo=tz)
            if end > local:
                return max(start, local).astimezone(after.tzinfo or dt.UTC)
    return None
