"""The console of the run command stays readable: the once-a-second sweeps say nothing
unless they did something, while every other task and every warning is still logged."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from contactcenter.celery import ROUTINE_LOGGERS, RoutineTaskFilter
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from routing import tasks
from routing.models import WorkingHours
from tests import factories


def _record(logger: str, level: int, message: str, args: object = ()) -> logging.LogRecord:
    return logging.LogRecord(logger, level, __file__, 1, message, args, None)  # type: ignore[arg-type]


def test_routine_lines_about_the_sweeps_are_dropped_and_the_rest_pass() -> None:
    routine = RoutineTaskFilter()
    # beat sending the sweep, the worker receiving it and finishing it: dropped
    assert not routine.filter(
        _record(
            "celery.beat",
            logging.INFO,
            "Scheduler: Sending due task %s (%s)",
            ("routing sweep", "routing.sweep"),
        )
    )
    assert not routine.filter(
        _record(
            "celery.app.trace",
            logging.INFO,
            "Task %(name)s[%(id)s] succeeded",
            ({"name": "routing.sweep", "id": "1"},),
        )
    )
    # another task, and a failing sweep: kept
    assert routine.filter(
        _record(
            "celery.app.trace",
            logging.INFO,
            "Task %(name)s[%(id)s] succeeded",
            ({"name": "inbox.deliver", "id": "2"},),
        )
    )
    assert routine.filter(
        _record(
            "celery.app.trace",
            logging.ERROR,
            "Task %(name)s[%(id)s] raised",
            ({"name": "routing.sweep", "id": "3"},),
        )
    )


def test_the_filter_sits_on_celerys_routine_loggers() -> None:
    for name in ROUTINE_LOGGERS:
        assert any(isinstance(f, RoutineTaskFilter) for f in logging.getLogger(name).filters)


@pytest.mark.django_db(transaction=True)
def test_a_sweep_logs_only_when_it_did_something(caplog: pytest.LogCaptureFixture) -> None:
    # given a closed group with a waiting customer and an operator online
    group = factories.GroupFactory(name="Support", always_open=False)
    channel = factories.ChannelFactory(default_group=group)
    operator = factories.OperatorFactory(display_name="Anna", status="online", open_sockets=1)
    factories.MembershipFactory(group=group, operator=operator)
    visitor, _ = inbox_services.widget_visitor_create(channel=channel)
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
    caplog.set_level(logging.INFO, logger="routing.tasks")

    # when a sweep finds nothing to do, it says nothing
    tasks.sweep()
    assert [r for r in caplog.records if r.name == "routing.tasks"] == []

    # when the group opens, the next sweep hands the chat out and says so
    now = timezone.localtime(timezone.now(), timezone=dt.UTC)
    WorkingHours.objects.create(
        group=group, weekday=now.weekday(), start=dt.time(0, 0), end=dt.time(23, 59, 59)
    )
    tasks.sweep()
    lines = [r.getMessage() for r in caplog.records if r.name == "routing.tasks"]
    assert lines == ["routing sweep: assigned 1"]
    session = Session.objects.get(pk=stored.message.session_id)
    assert session.status == SessionStatus.ACTIVE
