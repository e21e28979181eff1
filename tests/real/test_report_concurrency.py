"""The reports' set-based recording under concurrency on PostgreSQL: several dispatcher
processes each have a reports lane, and their batches write the same hour's and group's
rollup rows and, when two processes saw events of the same conversation, the same
facts, at once.

Four threads (each its own connection, so its own transaction: what matters here is
the row locks, not the interpreter) record batches of the same 240 conversations, all
started in the same hour in one group, each thread in its own shuffled order and batch
sizes. Afterwards the rollups kept by their deltas must equal a rebuild from the facts
(no delta lost or counted twice), every total must be exact, every metric event must be
there once, and no batch may have fallen back to one by one (a deadlock between
batches would show there, or as an error)."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading

import pytest
from django.db import connection

from inbox.models import Message, Session
from reports import rollups, services
from reports.models import ConversationFact, HourTotal, MetricEvent
from tests import factories
from tests.real.support import real
from tests.reports.test_rollups import rollup_state

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

CONVERSATIONS = 240
THREADS = 4
HOUR = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


def conversations() -> list[Session]:
    group = factories.GroupFactory(name="Support", sla_target_s=60)
    channel = factories.ChannelFactory(name="Web", default_group=group)
    operators = [factories.OperatorFactory(display_name=f"op{i}") for i in range(3)]
    rng = random.Random(18)
    made = []
    for i in range(CONVERSATIONS):
        created = HOUR + dt.timedelta(seconds=rng.randrange(3600))
        assigned = created + dt.timedelta(seconds=rng.randrange(1, 120))
        session = factories.SessionFactory(
            dialog=factories.DialogFactory(channel=channel),
            group=group,
            operator=operators[i % 3],
            status="closed",
            close_reason="resolved",
            queued_at=created,
            assigned_at=assigned,
            closed_at=assigned + dt.timedelta(seconds=rng.randrange(60, 900)),
            rating=rng.choice([None, 3, 5]),
        )
        Session.objects.filter(pk=session.pk).update(created_at=created)
        for sender, at in (("contact", created), ("operator", assigned)):
            message = factories.MessageFactory(session=session, sender_type=sender)
            reply = at + dt.timedelta(seconds=rng.randrange(0, 400) if sender != "contact" else 0)
            Message.objects.filter(pk=message.pk).update(created_at=reply)
        made.append(session)
    return made


def records(sessions: list[Session]) -> list[services.Record]:
    out: list[services.Record] = []
    for s in sessions:
        out += [("opened", s.pk, {}), ("assigned", s.pk, {}), ("first_reply", s.pk, {})]
        out.append(("closed", s.pk, {"reason": "resolved"}))
        if s.rating is not None:
            out.append(("rated", s.pk, {"score": s.rating}))
    return out


def test_batches_recorded_at_once_keep_exact_totals(caplog):
    every = records(conversations())
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def recorder(seed: int) -> None:
        rng = random.Random(seed)
        mine = list(every)
        rng.shuffle(mine)
        try:
            start.wait()
            while mine:
                size = rng.randint(20, 120)
                services.events_record(mine[:size])
                mine = mine[size:]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=recorder, args=(seed,)) for seed in range(THREADS)]
    with caplog.at_level(logging.WARNING, logger="reports"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

    assert not errors
    assert "one by one" not in caplog.text
    assert ConversationFact.objects.count() == CONVERSATIONS
    kept = rollup_state()
    total = HourTotal.objects.get(hour=HOUR)
    assert (total.sessions, total.answered, total.handled) == (CONVERSATIONS,) * 3
    rated = sum(1 for what, _, _ in every if what == "rated")
    assert total.csat_count == rated
    # opened, assigned, first reply, resolved for each; the ratings
    assert MetricEvent.objects.count() == 4 * CONVERSATIONS + rated
    rollups.rollups_rebuild()
    assert kept == rollup_state()
