"""Business seconds of an interval: hand-computed cases and properties."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.business_time import business_seconds, schedule_make, schedule_of
from tests import factories

NINE, FIVE = dt.time(9), dt.time(17)
WEEKDAYS_9_17 = [(day, NINE, FIVE) for day in range(5)]


def at(text: str, zone: str = "UTC") -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(zone))


def test_a_week_from_sunday_midnight_to_saturday_night_is_five_working_days():
    schedule = schedule_make(periods=WEEKDAYS_9_17)
    # 2026-11-01 is a Sunday; the reply comes on Saturday 2026-11-07 at 23:59
    seconds = business_seconds(schedule, at("2026-11-01T00:00"), at("2026-11-07T23:59"))
    assert seconds == 5 * 8 * 3600 == 144_000


def test_a_holiday_in_the_middle_counts_nothing():
    schedule = schedule_make(periods=WEEKDAYS_9_17, holidays=[dt.date(2026, 11, 4)])
    # Tuesday 16:00 to Thursday 10:00: 1 h Tuesday, Wednesday off, 1 h Thursday
    seconds = business_seconds(schedule, at("2026-11-03T16:00"), at("2026-11-05T10:00"))
    assert seconds == 2 * 3600


def test_holidays_and_hours_are_in_the_group_s_time_zone():
    schedule = schedule_make(time_zone="Europe/Moscow", periods=WEEKDAYS_9_17)
    # 06:00 to 08:00 UTC on a Monday is 09:00 to 11:00 in Moscow
    seconds = business_seconds(schedule, at("2026-11-02T06:00"), at("2026-11-02T08:00"))
    assert seconds == 2 * 3600


def test_a_lunch_break_is_left_out():
    schedule = schedule_make(periods=[(0, dt.time(9), dt.time(13)), (0, dt.time(14), dt.time(18))])
    seconds = business_seconds(schedule, at("2026-11-02T12:30"), at("2026-11-02T14:30"))
    assert seconds == 3600


@pytest.mark.parametrize(
    ("zone", "day", "expected_h"),
    [
        # Berlin leaves summer time on Sunday 2026-10-25 at 03:00 (back to 02:00)
        ("Europe/Berlin", "2026-10-25", 25),
        # New York enters summer time on Sunday 2026-03-08 at 02:00 (on to 03:00)
        ("America/New_York", "2026-03-08", 23),
    ],
)
def test_a_day_with_a_dst_change_counts_the_hours_that_really_passed(zone, day, expected_h):
    schedule = schedule_make(time_zone=zone)  # always open
    start = at(f"{day}T00:00", zone)
    end = at(f"{day}T00:00", zone) + dt.timedelta(days=1)
    end = end.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    seconds = business_seconds(schedule, start.astimezone(dt.UTC), end.astimezone(dt.UTC))
    assert seconds == expected_h * 3600


def test_a_period_spanning_the_dst_change_counts_real_seconds():
    # Sunday 01:00-05:00 wall clock in Berlin on 2026-10-25 is five real hours
    schedule = schedule_make(time_zone="Europe/Berlin", periods=[(6, dt.time(1), dt.time(5))])
    start, end = at("2026-10-24T00:00"), at("2026-10-26T00:00")
    assert business_seconds(schedule, start, end) == 5 * 3600


def test_an_interval_entirely_outside_hours_is_zero():
    schedule = schedule_make(periods=WEEKDAYS_9_17)
    assert business_seconds(schedule, at("2026-11-02T18:00"), at("2026-11-03T08:59")) == 0
    assert business_seconds(schedule, at("2026-11-07T00:00"), at("2026-11-09T00:00")) == 0


def test_an_empty_or_reversed_interval_is_zero():
    schedule = schedule_make()
    assert business_seconds(schedule, at("2026-11-02T10:00"), at("2026-11-02T10:00")) == 0
    assert business_seconds(schedule, at("2026-11-02T10:00"), at("2026-11-02T09:00")) == 0


@pytest.mark.parametrize(
    "periods",
    [
        [(0, dt.time(10), dt.time(9))],
        [(0, dt.time(9), dt.time(9))],
        [(0, dt.time(9), dt.time(13)), (0, dt.time(12), dt.time(18))],
        [(7, dt.time(9), dt.time(10))],
    ],
)
def test_bad_periods_are_refused(periods):
    with pytest.raises(ValueError):
        schedule_make(periods=periods)


def test_the_version_changes_with_the_schedule():
    one = schedule_make(periods=WEEKDAYS_9_17)
    assert one.version == schedule_make(periods=list(reversed(WEEKDAYS_9_17))).version
    assert (
        one.version != schedule_make(periods=WEEKDAYS_9_17, holidays=[dt.date(2026, 1, 1)]).version
    )
    assert schedule_make().version == "always"


@pytest.mark.django_db
def test_a_group_s_schedule_comes_from_its_hours_and_holidays():
    group = factories.GroupFactory(time_zone="Europe/Berlin", always_open=False)
    group.working_hours.create(weekday=0, start=NINE, end=FIVE)
    group.holidays.create(date=dt.date(2026, 11, 9))
    schedule = schedule_of(group)
    monday = at("2026-11-02T00:00", "Europe/Berlin")
    assert business_seconds(schedule, monday, monday + dt.timedelta(days=14)) == 8 * 3600


MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds)
    max_value=dt.datetime(2027, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
SCHEDULES = st.sampled_from(
    [
        schedule_make(periods=WEEKDAYS_9_17),
        schedule_make(
            time_zone="Europe/Berlin",
            periods=[(d, dt.time(1), dt.time(4)) for d in range(7)]
            + [(d, dt.time(9), dt.time(13)) for d in range(7)],
            holidays=[dt.date(2026, 10, 25)],
        ),
        schedule_make(time_zone="America/New_York"),
    ]
)


@settings(max_examples=150, deadline=None)
@given(schedule=SCHEDULES, moments=st.lists(MOMENTS, min_size=3, max_size=3))
def test_business_seconds_add_up_and_never_exceed_the_calendar(schedule, moments):
    start, middle, end = sorted(moments)
    whole = business_seconds(schedule, start, end)
    assert (
        business_seconds(schedule, start, middle) + business_seconds(schedule, middle, end) == whole
    )
    # both ends count in whole seconds
    calendar = end.replace(microsecond=0) - start.replace(microsecond=0)
    assert 0 <= whole <= calendar.total_seconds()
