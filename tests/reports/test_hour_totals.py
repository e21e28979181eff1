"""``by=hour`` over every conversation from the hourly totals (``HourTotal``: one row an
hour, its median and p90 kept with it), keyed by the zone's hour in Python: the same
figures as counting the conversations one by one, at the edges of a range, across a
change of the clocks, filtered (the per-group rollups) and unfiltered (the totals)."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from reports import facts, rollups, selectors
from reports.models import ConversationFact, HourTotal
from tests.reports.test_rollups import facts_only, random_figures, rollup_state

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# the clocks go back at 2:00 EDT on 2026-11-01: 1:00-2:00 local is lived twice, as
# 05:00 and 06:00 UTC, and the facts' TruncHour keys both as one hour (the first)
BACK = dt.datetime(2026, 11, 1, 5, tzinfo=dt.UTC)


def stream_around_the_change(rng: random.Random, conversations: int = 160) -> None:
    """Conversations from a day before the change to a day after, most of them in the
    hours around it, each written one to three times (moving between hours, groups and
    figures) through the facts' one write path."""
    groups, operators, channels = [1, 2, 3, None], [11, 12, 13, 21], [7, 8]

    def moment() -> dt.datetime:
        spread = 4 * 3600 if rng.random() < 0.7 else 36 * 3600
        return BACK + dt.timedelta(seconds=rng.randrange(-spread, spread), microseconds=1000)

    for conversation_id in range(1, conversations + 1):
        for _ in range(rng.randint(1, 3)):
            figures = random_figures(rng, groups, operators, channels)
            figures["started_at"] = moment()
            facts.fact_write(conversation_id=conversation_id, figures=figures)


def local(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK).replace(fold=fold)


RANGES = [
    # edges on both sides, the change inside
    (local(2026, 10, 31, 22, 17), local(2026, 11, 2, 3, 41)),
    # starts in the first 1:00-2:00, whole hours begin with the second: one key, two parts
    (local(2026, 11, 1, 1, 30), local(2026, 11, 1, 9, 10)),
    # ends in the second 1:00-2:00 after the first one whole: one key, two parts
    (local(2026, 10, 31, 20, 0), local(2026, 11, 1, 1, 20, fold=1)),
    # whole hours only, both 1:00-2:00 among them
    (BACK - dt.timedelta(hours=3), BACK + dt.timedelta(hours=4)),
    # whole hours from the second 1:00-2:00 on (keyed as the facts key it: the first)
    (BACK + dt.timedelta(hours=1), BACK + dt.timedelta(hours=5)),
    # within one hour (no whole hour: the facts alone)
    (local(2026, 11, 1, 0, 5), local(2026, 11, 1, 0, 55)),
]
FILTERS = [Q(), Q(group_id=2), Q(group_id__in=[1, 3]) | Q(operator_id=21)]


@pytest.mark.parametrize("business_hours", [False, True])
def test_by_hour_equals_the_facts_across_a_change_of_the_clocks(settings, business_hours):
    settings.TIME_ZONE = "America/New_York"
    stream_around_the_change(random.Random(160 + business_hours))
    for since, until in RANGES:
        for where in FILTERS:
            scoped = ConversationFact.objects.filter(where)
            query = {"since": since, "until": until, "business_hours": business_hours}
            with CaptureQueriesContext(connection) as queries:
                rolled = selectors.breakdown(facts=scoped, by="hour", **query)
            assert rolled == selectors.breakdown(facts=facts_only(scoped), by="hour", **query), (
                since,
                until,
                where,
            )
            read = " ".join(q["sql"] for q in queries)
            if until - since > dt.timedelta(hours=2):  # whole hours inside
                # every conversation: the totals; a group: its rows per group and
                # channel (a scope with operators: the facts, hourly rows have none)
                assert ("reports_hourtotal" in read) == (where == Q()), (since, until, where)
                assert ("reports_hourrollup" in read) == (where == Q(group_id=2))


def test_the_repeated_hour_is_one_row_with_both_hours_conversations(settings):
    settings.TIME_ZONE = "America/New_York"
    stream_around_the_change(random.Random(3))
    since, until = BACK - dt.timedelta(hours=3), BACK + dt.timedelta(hours=4)

    rows = selectors.breakdown(
        facts=ConversationFact.objects.all(), by="hour", since=since, until=until
    )["rows"]

    keys = [row["key"] for row in rows]
    assert keys == sorted(keys, key=dt.datetime.fromisoformat) and len(keys) == len(set(keys))
    repeated = next(row for row in rows if row["key"] == "2026-11-01T01:00:00-04:00")
    both = ConversationFact.objects.filter(
        started_at__gte=BACK, started_at__lt=BACK + dt.timedelta(hours=2)
    )
    assert repeated["sessions"] == both.count() > 0
    assert repeated["label"] == "2026-11-01 01:00"
    assert (
        sum(row["sessions"] for row in rows)
        == ConversationFact.objects.filter(started_at__gte=since, started_at__lt=until).count()
    )


def test_an_hour_s_median_and_p90_follow_its_first_responses():
    """The stored percentiles move with every write of a first response, and equal a
    rebuild."""
    hour = dt.datetime(2026, 11, 3, 14, tzinfo=dt.UTC)
    rng = random.Random(5)
    for conversation_id, first in enumerate([10.0, 20.0, 200.0, 700.0], start=1):
        figures = random_figures(rng, [1], [11], [7])
        figures |= {
            "started_at": hour + dt.timedelta(minutes=conversation_id),
            "answered": True,
            "first_response_s": first,
            "fr_bucket_s": facts.bucket_of(first),
        }
        facts.fact_write(conversation_id=conversation_id, figures=figures)
    row = HourTotal.objects.get(hour=hour)
    # nearest rank over 4: the 2nd smallest (20 s, bucket 20) and the 4th (700 s, 720)
    assert (row.answered, row.fr_p50, row.fr_p90) == (4, 20, 720)

    figures["answered"] = False  # the 700 s conversation was not answered after all
    figures |= {"first_response_s": None, "fr_bucket_s": None, "fr_bucket_bh_s": None}
    facts.fact_write(conversation_id=4, figures=figures)
    row.refresh_from_db()
    assert (row.answered, row.fr_p50, row.fr_p90) == (3, 20, 200)

    kept = rollup_state()
    rollups.rollups_rebuild()
    assert rollup_state() == kept


def test_a_zone_with_a_half_hour_offset_reads_the_facts(settings):
    """A UTC hour is not one hour of Kolkata's clock (+05:30): the totals cannot answer,
    the conversations' rows do, keyed by the zone's own hours."""
    settings.TIME_ZONE = "Asia/Kolkata"
    stream_around_the_change(random.Random(11))
    since, until = BACK - dt.timedelta(hours=30), BACK + dt.timedelta(hours=30)
    everyone = ConversationFact.objects.all()

    with CaptureQueriesContext(connection) as queries:
        rows = selectors.breakdown(facts=everyone, by="hour", since=since, until=until)

    assert rows == selectors.breakdown(
        facts=facts_only(everyone), by="hour", since=since, until=until
    )
    assert not any("reports_hourtotal" in q["sql"] for q in queries)
    assert rows["rows"] and all(row["key"].endswith(":00:00+05:30") for row in rows["rows"])
