"""Recording a lane batch set-based (reports.batch, reports.services.events_record):
the same figures, metric events and rollups as recording each event on its own, in a
few statements a batch; a record that fails costs only itself."""

from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bots.models import BotSession
from inbox.models import Session
from reports import batch, facts, services
from reports.models import (
    ConversationFact,
    DayBucket,
    DayRollup,
    HourBucket,
    HourRollup,
    HourTotal,
    MetricEvent,
    MetricKind,
)
from routing import services as routing_services
from tests import factories
from tests.reports import scenario
from tests.reports.test_rollups import rollup_state

pytestmark = pytest.mark.django_db

CLOSE_KINDS = {"resolved", "transfer", "timeout", "abandoned"}


def records_of_the_week() -> list[batch.Record]:
    """Every domain event of the scripted week (tests/reports/scenario.py), plus a
    conversation reopened after C1 was resolved: opened, queued, assigned, first reply,
    closed (resolved, transferred, abandoned), rated, the bots' kinds, a refresh."""
    week = scenario.build()
    c1 = Session.objects.filter(rating=5).get()
    scenario.session(
        factories.DialogFactory(channel=week.web),
        week.support,
        created=scenario.at("15:00:00"),
        queued=scenario.at("15:00:00"),
        operator=week.anna,
        assigned=scenario.at("15:00:30"),
        reply=scenario.at("15:01:00"),
        previous=c1,
    )
    bots = set(BotSession.objects.values_list("session_id", flat=True))
    records: list[batch.Record] = []
    for s in Session.objects.order_by("id"):
        records.append(("opened", s.pk, {}))
        if s.pk in bots:
            records.append((MetricKind.BOT_SESSION.value, s.pk, {}))
        if s.queued_at is not None:
            records.append((MetricKind.QUEUED.value, s.pk, {}))
            if s.pk in bots:
                records.append((MetricKind.BOT_HANDOFF.value, s.pk, {}))
        if s.assigned_at is not None:
            records.append(("assigned", s.pk, {}))
            records.append(("first_reply", s.pk, {}))
        if s.pk in bots and s.queued_at is None:
            records.append((MetricKind.BOT_RESOLVED.value, s.pk, {}))
        if s.closed_at is not None:
            records.append(("closed", s.pk, {"reason": s.close_reason}))
        if s.rating is not None:
            records.append(("rated", s.pk, {"score": s.rating}))
            records.append(("rated", s.pk, {"score": s.rating}))  # a repeat: no change
        records.append(("refresh", s.pk, {}))
    return records


def state() -> dict[str, object]:
    fact_fields = [
        f.attname for f in ConversationFact._meta.fields if f.name not in ("id", "updated_at")
    ]
    event_fields = [f.attname for f in MetricEvent._meta.fields if f.name != "id"]
    events = set()
    for row in MetricEvent.objects.values(*event_fields):
        if row["kind"] not in CLOSE_KINDS:  # the others are stamped when recorded
            row.pop("occurred_at")
        events.add(tuple(sorted(row.items())))
    return {
        "facts": set(ConversationFact.objects.values_list(*fact_fields)),
        "events": events,
    } | rollup_state()


def forget() -> None:
    for model in (ConversationFact, MetricEvent, DayRollup, HourRollup, DayBucket, HourBucket):
        model.objects.all().delete()
    HourTotal.objects.all().delete()


@pytest.mark.parametrize("size", [1000, 7, 1])
def test_a_batch_records_what_one_by_one_records(size):
    records = records_of_the_week()
    forget()
    services.records_each(records)
    one_by_one = state()
    assert len(one_by_one["facts"]) == 10  # the week's 9 conversations, and the reopened
    forget()

    for start in range(0, len(records), size):
        with transaction.atomic():
            batch.batch_record(records[start : start + size])

    got = state()
    assert got["facts"] == one_by_one["facts"]
    assert got["events"] == one_by_one["events"]
    assert got == one_by_one
    kinds = {row[0] for row in MetricEvent.objects.values_list("kind")}
    assert kinds >= {"opened", "reopened", "transfer", "abandoned", "rating", "bot_resolved"}


def test_the_backfill_still_equals_recording_the_events():
    records = records_of_the_week()
    forget()
    facts.conversations_backfill()
    backfilled = state()["facts"]
    forget()

    services.events_record(records)

    assert state()["facts"] == backfilled


@pytest.fixture
def burst():
    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna", max_sessions=100)
    factories.MembershipFactory(group=group, operator=anna)
    sessions = [factories.SessionFactory(group=group, status="queued") for _ in range(50)]
    for session in sessions:
        factories.MessageFactory(session=session, sender_type="contact")
        routing_services.session_assign(session=session, operator=anna)
    return group, anna, sessions


def test_a_batch_of_50_assignments_takes_a_handful_of_statements(burst):
    group, anna, sessions = burst
    records = [("assigned", s.pk, {}) for s in sessions]

    with CaptureQueriesContext(connection) as queries:
        services.events_record(records)

    # sessions, messages, bots, groups (3 with their hours), facts locked, facts
    # inserted, rollups (one statement on PostgreSQL, three here), metric events: one
    # by one it was 10 or more a record
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 12, "\n".join(sql[:90] for sql in statements)
    assert MetricEvent.objects.filter(kind="assigned", operator_id=anna.pk).count() == 50
    days = DayRollup.objects.filter(grain="d", group_id=group.pk)
    assert sum(days.values_list("sessions", flat=True)) == 50


def test_a_failing_record_costs_only_itself(burst, caplog):
    _, _, sessions = burst
    records: list[batch.Record] = [("assigned", s.pk, {}) for s in sessions[:3]]
    records.insert(1, ("no such kind", sessions[3].pk, {}))
    records.append(("assigned", 10**9, {}))  # a session gone meanwhile: nothing to record

    with caplog.at_level(logging.WARNING):
        services.events_record(records)

    assert MetricEvent.objects.filter(kind="assigned").count() == 3
    assert ConversationFact.objects.count() == 3  # the bad record recorded nothing
    assert "report event no such kind of session" in caplog.text


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_deadlocked_batch_is_run_again(burst, monkeypatch, caplog):
    _, _, sessions = burst
    real, calls = batch.batch_record, []

    def once_deadlocked(records):
        calls.append(len(records))
        if len(calls) == 1:
            raise DatabaseError("deadlock detected") from _Deadlock()
        real(records)

    monkeypatch.setattr(batch, "batch_record", once_deadlocked)
    one_by_one = []
    monkeypatch.setattr(services, "records_each", one_by_one.append)

    with caplog.at_level(logging.WARNING):
        services.events_record([("assigned", s.pk, {}) for s in sessions])

    assert calls == [50, 50] and not one_by_one
    assert MetricEvent.objects.filter(kind="assigned").count() == 50
    assert "again" in caplog.text


def test_a_batch_that_keeps_failing_is_recorded_one_by_one(burst, monkeypatch):
    _, _, sessions = burst

    def deadlocked(records):
        raise DatabaseError("deadlock detected") from _Deadlock()

    monkeypatch.setattr(batch, "batch_record", deadlocked)

    services.events_record([("assigned", s.pk, {}) for s in sessions])

    assert MetricEvent.objects.filter(kind="assigned").count() == 50
