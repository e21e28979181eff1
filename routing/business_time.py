"""Business time: how many seconds of an interval fall within a group's working hours,
outside its holidays, in its time zone. Written once; reports and timers use it.

A schedule is plain data (``Schedule``), so that a report computes many intervals of
one group without touching the database, and records which schedule it used
(``Schedule.version``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from routing.models import Group

Period = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Schedule:
    """Open periods per weekday (Monday = 0; several a day: lunch breaks, split shifts),
    holidays (dates in the schedule's zone), the time zone; ``periods`` None: always
    open."""

    time_zone: str = "UTC"
    periods: dict[int, tuple[Period, ...]] | None = None
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def always_open(self) -> bool:
        return self.periods is None

    @property
    def version(self) -> str:
        """A short fingerprint of the schedule: a figure records the one it used."""
        if self.periods is None:
            return "always"
        text = "|".join(
            [self.time_zone]
            + [
                f"{day}:{start:%H:%M}-{end:%H:%M}"
                for day in sorted(self.periods)
                for start, end in self.periods[day]
            ]
            + [f"{d:%Y-%m-%d}" for d in sorted(self.holidays)]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def schedule_make(
    *,
    time_zone: str = "UTC",
    periods: Iterable[tuple[int, dt.time, dt.time]] | None = None,
    holidays: Iterable[dt.date] = (),
) -> Schedule:
    """A schedule from ``(weekday, start, end)`` periods (None: always open). ``ValueError``
    for an unknown zone, a period that does not end after it starts, or periods of one
    weekday that overlap."""
    zoneinfo.ZoneInfo(time_zone)  # raises for an unknown zone
    if periods is None:
        return Schedule(time_zone=time_zone, holidays=frozenset(holidays))
    by_day: dict[int, list[Period]] = {}
    for weekday, start, end in periods:
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday} is not 0-6")
        if end <= start:
            raise ValueError(f"weekday {weekday}: {start:%H:%M}-{end:%H:%M} ends before it starts")
        by_day.setdefault(weekday, []).append((start, end))
    for weekday, day_periods in by_day.items():
        day_periods.sort()
        for (_, end), (start, _) in itertools.pairwise(day_periods):
            if start < end:
                raise ValueError(f"weekday {weekday}: periods overlap at {start:%H:%M}")
    return Schedule(
        time_zone=time_zone,
        periods={day: tuple(p) for day, p in by_day.items()},
        holidays=frozenset(holidays),
    )


def schedule_of(group: Group | None) -> Schedule:
    """A group's schedule (prefetch ``working_hours`` and ``holidays`` for many groups);
    no group: always open in UTC."""
    if group is None:
        return Schedule()
    holidays = [h.date for h in group.holidays.all()]
    if group.always_open:
        return schedule_make(time_zone=group.time_zone, holidays=holidays)
    return schedule_make(
        time_zone=group.time_zone,
        periods=[(h.weekday, h.start, h.end) for h in group.working_hours.all()],
        holidays=holidays,
    )


def business_seconds(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> int:
    """Whole seconds of ``[start, end)`` (aware) inside the schedule's open periods and
    outside its holidays; 0 when ``end`` is not after ``start``. An always-open schedule
    still skips its holidays. Periods are wall-clock times, so a day with a DST change
    counts the real elapsed seconds of its periods."""
    # whole seconds at both ends, so that the seconds of adjacent intervals add up
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    if end <= start:
        return 0
    tz = zoneinfo.ZoneInfo(schedule.time_zone)
    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    total = dt.timedelta()
    day = first_day
    while day <= last_day:
        for open_at, close_at in _day_windows(schedule, day, tz):
            low, high = max(open_at, start), min(close_at, end)
            if high > low:
                total += high - low
        day += dt.timedelta(days=1)
    return int(total.total_seconds())


def _day_windows(
    schedule: Schedule, day: dt.date, tz: zoneinfo.ZoneInfo
) -> Sequence[tuple[dt.datetime, dt.datetime]]:
    """The open windows of one local day as aware moments (UTC, so that subtraction
    counts real seconds across a DST change)."""
    if day in schedule.holidays:
        return ()
    if schedule.periods is None:
        periods: Sequence[Period] = ((dt.time(0), dt.time(0)),)
    else:
        periods = schedule.periods.get(day.weekday(), ())
    windows = []
    for start, end in periods:
        opens = dt.datetime.combine(day, start, tzinfo=tz)
        end_day = day + dt.timedelta(days=1) if end == dt.time(0) else day
        closes = dt.datetime.combine(end_day, end, tzinfo=tz)
        windows.append((opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)))
    return windows
