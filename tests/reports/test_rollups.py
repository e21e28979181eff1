"""The daily and hourly rollups (reports.rollups): kept as deltas by the facts' write,
equal to a rebuild from the facts, and read for whole days with identical figures."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from contactcenter import events
from inbox import services as inbox_services
from reports import facts, rollup_reads, rollups, selectors, services
from reports.models import (
    ConversationFact,
    DayBucket,
    DayRollup,
    HourBucket,
    HourRollup,
    HourTotal,
)
from reports.rollup_models import SUM_FIELDS
from routing import services as routing_services
from tests import factories
from tests.reports import scenario

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 10, 26, tzinfo=dt.UTC)  # a Monday
SPAN_DAYS = 75  # to 2027-01-09: November and December whole, month rows read
MODELS = (DayRollup, HourRollup, DayBucket, HourBucket, HourTotal)


def rollup_state(models=MODELS) -> dict[str, set[tuple]]:
    """Every rollup row that counts something (a row emptied by deltas counts nothing)."""
    state: dict[str, set[tuple]] = {}
    for model in models:
        columns = [f.attname for f in model._meta.fields if f.name != "id"]
        values = SUM_FIELDS if model in (DayRollup, HourRollup, HourTotal) else ("n",)
        state[model.__name__] = {
            row
            for row in model.objects.values_list(*columns)
            if any(row[columns.index(v)] for v in values)
        }
    return state


def random_figures(rng: random.Random, groups, operators, channels) -> dict:
    """A plausible fact: answered or abandoned or neither, rated or not, in calendar
    seconds with milliseconds and in whole business seconds."""
    started = START + dt.timedelta(seconds=rng.randrange(SPAN_DAYS * 86400), microseconds=1000)
    answered = rng.random() < 0.7
    abandoned = not answered and rng.random() < 0.5
    first = round(rng.uniform(1, 900), 3) if answered else None
    first_bh = rng.randrange(0, 900) if answered else None
    waits = rng.choice([0, 1, 2])
    handled = answered and rng.random() < 0.9
    bot = rng.random() < 0.2
    return {
        "started_at": started,
        "group_id": rng.choice(groups),
        "operator_id": rng.choice(operators) if answered else None,
        "channel_id": rng.choice(channels),
        "schedule_version": "always",
        "answered": answered,
        "first_response_s": first,
        "first_response_bh_s": first_bh,
        "fr_bucket_s": facts.bucket_of(first) if first is not None else None,
        "fr_bucket_bh_s": facts.bucket_of(first_bh) if first_bh is not None else None,
        "on_target": answered and first <= 60,
        "on_target_bh": answered and first_bh <= 60,
        "abandoned": abandoned,
        "abandoned_late": abandoned and rng.random() < 0.5,
        "abandoned_late_bh": abandoned and rng.random() < 0.3,
        "waits": waits,
        "wait_s": round(rng.uniform(0, 100), 3) * waits,
        "wait_bh_s": rng.randrange(0, 100) * waits,
        "handled": handled,
        "handle_s": round(rng.uniform(10, 3000), 3) if handled else 0,
        "handle_bh_s": rng.randrange(0, 3000) if handled else 0,
        "transfers": rng.choice([0, 0, 0, 1, 2]),
        "bot": bot,
        "bot_resolved": bot and not answered,
        "bot_handoff": bot and answered,
        "rating": rng.choice([None, None, 1, 2, 3, 4, 5]),
    }


def random_stream(rng: random.Random, conversations: int = 120) -> None:
    """Each conversation written one to five times through the facts' one write path,
    moving between days, groups, operators and channels as its figures change, some
    writes repeated as a repeated event would."""
    groups, operators, channels = [1, 2, 3, None], [11, 12, 13, 21], [7, 8]
    for conversation_id in range(1, conversations + 1):
        figures = random_figures(rng, groups, operators, channels)
        for _ in range(rng.randint(1, 5)):
            facts.fact_write(conversation_id=conversation_id, figures=figures)
            if rng.random() < 0.3:
                facts.fact_write(conversation_id=conversation_id, figures=figures)
            started = figures["started_at"] if rng.random() < 0.8 else None
            figures = random_figures(rng, groups, operators, channels)
            figures["started_at"] = started or figures["started_at"]


def test_rollups_kept_by_a_stream_of_changes_equal_a_rebuild():
    random_stream(random.Random(16))
    kept = rollup_state()

    rollups.rollups_rebuild()

    assert kept == rollup_state()
    assert sum(DayRollup.objects.filter(grain="d").values_list("sessions", flat=True)) == 120
    assert sum(DayRollup.objects.filter(grain="m").values_list("sessions", flat=True)) == 120
    assert sum(HourRollup.objects.values_list("sessions", flat=True)) == 120
    assert sum(HourTotal.objects.values_list("sessions", flat=True)) == 120


def test_rollups_kept_by_domain_events_equal_a_rebuild(django_capture_on_commit_callbacks):
    group = factories.GroupFactory(name="Support")
    sales = factories.GroupFactory(name="Sales")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=group, operator=anna)
    session = factories.SessionFactory(group=group, status="queued")
    factories.MessageFactory(session=session, sender_type="contact")
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch(
            events.SessionOpened(session_id=session.pk, dialog_id=session.dialog_id, channel_id=1)
        )
        routing_services.session_assign(session=session, operator=anna)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.operator_message_send(session_id=session.pk, user=anna.user, text="Hi")
    with django_capture_on_commit_callbacks(execute=True):
        _closed, opened = routing_services.session_transfer(
            session_id=session.pk, user=anna.user, group=sales
        )
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.session_close(session_id=opened.pk)
    for score in (2, 5, 5):  # a new score replaces the old one; a repeat changes nothing
        inbox_services.session_rate(dialog_id=session.dialog_id, score=score)
        services.session_rated_record(session_id=opened.pk, score=score)
    kept = rollup_state()

    rollups.rollups_rebuild()

    assert kept == rollup_state()
    row = DayRollup.objects.get(grain="d", sessions=1)
    assert (row.group_id, row.operator_id, row.transfers, row.csat_total) == (
        group.pk,
        anna.pk,
        1,
        5,
    )


def test_a_repeated_event_writes_nothing():
    rng = random.Random(3)
    figures = random_figures(rng, [1], [11], [7])
    facts.fact_write(conversation_id=1, figures=figures)
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        facts.fact_write(conversation_id=1, figures=figures)

    assert len(queries) == 1  # the read of the stored figures, no write
    assert DayRollup.objects.get(grain="m").sessions == 1


def test_the_rebuild_command_and_the_backfill_rebuild_the_rollups():
    random_stream(random.Random(5), conversations=30)
    kept = rollup_state()
    DayRollup.objects.update(sessions=99)
    HourBucket.objects.all().delete()

    call_command("reports_rollup_rebuild")
    assert rollup_state() == kept

    DayRollup.objects.update(sessions=99)
    call_command("reports_rollup_rebuild", "--since", "2026-12-01")
    assert rollup_state() != kept
    call_command("reports_backfill")  # rebuilds the facts from sessions (none) and the rollups
    assert rollup_state() == kept


def facts_only(queryset):
    """The same conversations, through a filter the rollups cannot carry: the
    selectors then read the facts alone, as before the rollups."""
    return queryset.filter(started_at__isnull=False)


def random_range(rng: random.Random) -> tuple[dt.datetime, dt.datetime]:
    if rng.random() < 0.3:  # November whole, and more
        since = START + dt.timedelta(seconds=rng.randrange(5 * 86400))
        return since, since + dt.timedelta(days=rng.randint(65, 70), hours=rng.randint(0, 23))
    first = START - dt.timedelta(days=1) + dt.timedelta(days=rng.randrange(SPAN_DAYS // 2))
    longest = rng.choice([3, 12, 40])
    if rng.random() < 0.4:  # exact days
        return first, first + dt.timedelta(days=rng.randint(1, longest))
    since = first + dt.timedelta(seconds=rng.randrange(86400))
    return since, since + dt.timedelta(seconds=rng.randrange(3600, longest * 86400))


NOVEMBER = (dt.datetime(2026, 11, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


FILTERS = [
    Q(),
    Q(group_id=2),
    Q(operator_id=12),
    Q(channel_id=8),
    Q(group_id__in=[1, 3]) | Q(operator_id=21),  # a supervisor: their groups and own
    Q(group_id__isnull=True),
]


@pytest.mark.parametrize("business_hours", [False, True])
def test_figures_from_the_rollups_equal_those_from_the_facts(business_hours):
    rng = random.Random(16 + business_hours)
    random_stream(rng, conversations=300)
    read_rollups = read_months = 0
    for _ in range(16):
        since, until = random_range(rng)
        where = rng.choice(FILTERS)
        scoped = ConversationFact.objects.filter(where)
        query = {"since": since, "until": until, "business_hours": business_hours}

        if until - since >= dt.timedelta(days=2):  # a whole day inside
            assert rollup_reads.split(scoped, since=since, until=until, grain="day") is not None
            read_rollups += 1
            read_months += since <= NOVEMBER[0] and until >= NOVEMBER[1]
        assert selectors.summary(facts=scoped, **query) == selectors.summary(
            facts=facts_only(scoped), **query
        ), (since, until, where)
        for by in selectors.BREAKDOWNS:
            assert selectors.breakdown(facts=scoped, by=by, **query) == selectors.breakdown(
                facts=facts_only(scoped), by=by, **query
            ), (by, since, until, where)
    assert read_rollups >= 6 and read_months >= 2


def test_a_range_of_exact_days_reads_only_the_rollups():
    scenario.build()
    since, until = scenario.MONDAY, scenario.MONDAY + dt.timedelta(days=7)
    ConversationFact.objects.filter(started_at__gte=since).update(answered=False, rating=None)

    figures = selectors.summary(facts=ConversationFact.objects.all(), since=since, until=until)

    # the facts were changed behind the rollups' back: the figures did not read them
    assert (figures["sessions"], figures["answered"], figures["csat_count"]) == (8, 5, 3)


# queries per event before the rollups (SQLite and PostgreSQL alike): the session, the
# chain, the schedules, the bot row, ``update_or_create`` (savepoints, a locking read, the
# write) in a savepoint of its own, and the metric event's insert
BEFORE = {"opened": 18, "first_reply": 16, "closed": 20}
# on SQLite each rollup table written is a statement of its own: a first reply (which
# moves an hour's histogram) adds the hourly totals' upsert and the refresh of the hour's
# median and p90 (18 there); on PostgreSQL the upsert joins the one statement of deltas
# and only the refresh is added (13), within the bound
HOUR_TOTALS_ON_SQLITE = {"opened": 0, "first_reply": 2, "closed": 0}


def test_the_recording_runs_no_more_queries_than_before_per_event():
    from django.db import connection

    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=group, operator=anna)
    session = factories.SessionFactory(group=group, status="queued")
    factories.MessageFactory(session=session, sender_type="contact")
    counted: dict[str, list[str]] = {}

    def record(what, **values):
        with CaptureQueriesContext(connection) as queries:
            services.event_record(what=what, session_id=session.pk, **values)
        counted[what if what not in counted else f"{what} again"] = [q["sql"] for q in queries]

    record("opened")
    routing_services.session_assign(session=session, operator=anna)
    inbox_services.operator_message_send(session_id=session.pk, user=anna.user, text="Hi")
    record("first_reply")
    record("first_reply")
    inbox_services.session_close(session_id=session.pk)
    record("closed", reason="resolved")

    for what, before in BEFORE.items():
        extra = HOUR_TOTALS_ON_SQLITE[what] if connection.vendor == "sqlite" else 0
        assert len(counted[what]) <= before + extra, (what, counted[what])
    refreshes = [sql for sql in counted["first_reply"] if sql.startswith("UPDATE")]
    assert any("reports_hourtotal" in sql for sql in refreshes)
    writes = [sql for sql in counted["first_reply"] if "reports_conversationfact" in sql[:80]]
    assert any("reports_daybucket" in sql for sql in counted["first_reply"])
    if connection.vendor == "postgresql":  # the fact and every delta in one statement
        assert len(writes) == 2 and "reports_daybucket" in writes[1]  # the read, the write
    again = [sql for sql in counted["first_reply again"] if "reports_metricevent" not in sql]
    assert not [sql for sql in again if sql.startswith(("INSERT", "UPDATE", "WITH"))]


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_days_are_the_server_s_in_any_time_zone(settings, zone):
    """Rollup days are the server's (its clocks change on 2026-11-01 in New York); in a
    zone with a half-hour offset ``by=hour`` reads the facts, with the same figures."""
    import zoneinfo

    settings.TIME_ZONE = zone
    rng = random.Random(7)
    random_stream(rng, conversations=200)
    local = zoneinfo.ZoneInfo(zone)
    ranges = [
        (dt.datetime(2026, 10, 27, tzinfo=local), dt.datetime(2026, 12, 3, tzinfo=local)),
        (dt.datetime(2026, 10, 31, 13, tzinfo=local), dt.datetime(2026, 11, 2, 5, tzinfo=local)),
        *(random_range(rng) for _ in range(4)),
    ]
    for since, until in ranges:
        scoped = ConversationFact.objects.filter(rng.choice(FILTERS))
        query = {"since": since, "until": until, "business_hours": False}
        assert selectors.summary(facts=scoped, **query) == selectors.summary(
            facts=facts_only(scoped), **query
        )
        for by in selectors.BREAKDOWNS:
            assert selectors.breakdown(facts=scoped, by=by, **query) == selectors.breakdown(
                facts=facts_only(scoped), by=by, **query
            ), (zone, by, since, until)
    november = DayRollup.objects.filter(grain="d", day=dt.date(2026, 11, 1))
    started = ConversationFact.objects.filter(
        started_at__gte=dt.datetime(2026, 11, 1, tzinfo=local),
        started_at__lt=dt.datetime(2026, 11, 2, tzinfo=local),
    )
    assert sum(november.values_list("sessions", flat=True)) == started.count()


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_fills_the_rollups_from_the_figures_already_recorded():
    """An installation with reports on record migrates to the rollups: its whole days read
    the same figures at once, without anyone running the rebuild by hand."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    random_stream(random.Random(4), conversations=30)
    kept = rollup_state()
    for model in MODELS:
        model.objects.all().delete()  # as before the upgrade: figures, no rollups
    executor = MigrationExecutor(connection)
    executor.migrate([("reports", "0003_rollups")])  # 0004 undone (it writes nothing back)
    assert not any(rollup_state(MODELS[:4]).values())  # and 0005's table dropped

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("reports", "0005_hour_totals")])

    assert rollup_state() == kept
