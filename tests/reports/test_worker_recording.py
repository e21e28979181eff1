"""The reports recorded by the workers (``REPORTS_RECORDER = "celery"``, the default): a
process's lane hands its batch over as one task, whose records, through the broker's
JSON, leave the same figures as recording them in the process; the event's time is
when it happened, not when a worker got to it; with the broker away, or with
``"thread"``, the process records the batch itself; nothing is lost either way."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from contactcenter import jobs
from reports import listeners, services, tasks
from reports.models import ConversationFact, MetricEvent, MetricKind
from tests.reports.test_batch_recording import forget, records_of_the_week, state

# outside a transaction: a worker reads only what is committed, so a batch is handed over
# only then (inside one, the process records it itself)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[tuple[str, Any]]:
    """The tasks the lanes queue, as the broker carries them (JSON), not run."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REPORTS_RECORDER = "celery"
    sent: list[tuple[str, Any]] = []

    def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
        sent.append((name, json.loads(json.dumps(list(args)))))

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    return sent


def test_a_lane_batch_goes_to_the_workers_and_they_record_what_the_process_would(queued):
    records = records_of_the_week()
    forget()
    services.events_record(records)  # what the process records with the thread recorder
    recorded_here = state()
    forget()

    listeners._record_each(records)
    assert ConversationFact.objects.count() == 0  # nothing recorded in this process
    assert [name for name, _ in queued] == ["reports.events_record"]
    [(_, [carried])] = queued[-1:]
    assert tasks.events_record(carried) == len(records)

    assert state() == recorded_here
    assert len(recorded_here["facts"]) == 10


def test_the_time_recorded_is_when_it_happened(queued):
    records = [r for r in records_of_the_week() if r[0] == "assigned"][:3]
    forget()
    happened = dt.datetime(2026, 3, 4, 10, 15, tzinfo=dt.UTC)
    listeners._record_each(
        [(what, sid, values | {"at": happened.timestamp()}) for what, sid, values in records]
    )
    tasks.events_record(queued[0][1][0])  # a worker gets to it much later

    stamped = set(
        MetricEvent.objects.filter(kind=MetricKind.ASSIGNED).values_list("occurred_at", flat=True)
    )
    assert stamped == {happened}


def test_with_the_broker_away_the_process_records_the_batch_itself(monkeypatch, settings, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    records = records_of_the_week()
    forget()

    def away(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(jobs, "enqueue", away)
    listeners._record_each(records)

    assert ConversationFact.objects.count() == 10
    assert "not queued (the broker is away): recorded here" in caplog.text


def test_with_the_thread_recorder_the_process_records_and_queues_nothing(queued, settings):
    settings.REPORTS_RECORDER = "thread"
    records = records_of_the_week()
    forget()
    listeners._record_each(records)
    assert queued == []
    assert ConversationFact.objects.count() == 10


def test_a_malformed_record_is_left_out_not_the_batch(caplog):
    records = [r for r in records_of_the_week() if r[0] == "opened"]
    forget()
    carried: list[Any] = [[w, s, v] for w, s, v in records]
    carried.insert(1, ["opened", "not a number", {}])
    carried.append("garbage")
    assert tasks.events_record(carried) == len(records)
    assert ConversationFact.objects.count() == 10  # 11 sessions, one a transfer's
    assert "a malformed record left out" in caplog.text
    assert tasks.events_record("not a list") == 0  # type: ignore[arg-type]


def test_an_unknown_recorder_is_a_configuration_error(settings):
    settings.REPORTS_RECORDER = "cron"
    with pytest.raises(SystemCheckError, match="REPORTS_RECORDER is 'cron'"):
        call_command("check")
