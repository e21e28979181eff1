"""SLA alerts: warning at 80 % of the group's target, breached past it, once each per
session and level, for unanswered sessions only, to the group's supervisors only."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox.models import Message, Session, SessionStatus
from reports import alerts
from reports.models import SlaAlert
from tests import factories

ORIGIN = (b"origin", b"http://localhost")


def _waiting(group, *, seconds: float, **fields):  # type: ignore[no-untyped-def]
    channel = factories.ChannelFactory(default_group=group)
    session = factories.SessionFactory(dialog__channel=channel, **fields)
    since = timezone.now() - dt.timedelta(seconds=seconds)
    Session.objects.filter(pk=session.pk).update(created_at=since, queued_at=since)
    message = factories.MessageFactory(session=session)
    Message.objects.filter(pk=message.pk).update(created_at=since)
    return session


@pytest.mark.parametrize(
    ("waited", "level"),
    [(0, "ok"), (47.9, "ok"), (48, "warning"), (59.9, "warning"), (60, "breached")],
)
def test_levels_are_80_and_100_percent_of_the_target(waited, level):
    assert alerts.sla_level(waited, 60) == level


@pytest.mark.django_db
def test_a_waiting_session_gets_a_warning_then_a_breach_once_each():
    group = factories.GroupFactory(sla_target_s=60)
    session = _waiting(group, seconds=50)

    first = alerts.sla_alerts_scan()
    again = alerts.sla_alerts_scan()
    later = alerts.sla_alerts_scan(now=timezone.now() + dt.timedelta(seconds=15))
    after = alerts.sla_alerts_scan(now=timezone.now() + dt.timedelta(seconds=60))

    assert (first, again, later, after) == (1, 0, 1, 0)
    assert list(
        SlaAlert.objects.filter(session=session).order_by("pk").values_list("level", flat=True)
    ) == [
        "warning",
        "breached",
    ]


@pytest.mark.django_db
def test_a_scan_that_comes_late_still_sends_the_warning_first():
    group = factories.GroupFactory(sla_target_s=10)
    session = _waiting(group, seconds=300)

    sent = alerts.sla_alerts_scan()

    assert sent == 2
    levels = (
        SlaAlert.objects.filter(session=session).order_by("pk").values_list("level", "waiting_s")
    )
    assert list(levels) == [("warning", 300), ("breached", 300)]


@pytest.mark.django_db
def test_answered_closed_and_bot_sessions_get_no_alert():
    group = factories.GroupFactory(sla_target_s=10)
    _waiting(group, seconds=300, first_response_at=timezone.now(), status=SessionStatus.ACTIVE)
    _waiting(group, seconds=300, status=SessionStatus.CLOSED, close_reason="abandoned")
    _waiting(group, seconds=300, status=SessionStatus.BOT)
    _waiting(group, seconds=5)  # still under 80 %

    assert alerts.sla_alerts_scan() == 0
    assert not SlaAlert.objects.exists()


@pytest.mark.django_db
def test_a_chat_a_bot_began_is_timed_from_the_handoff():
    group = factories.GroupFactory(sla_target_s=60)
    session = _waiting(group, seconds=600)  # the customer talked to the bot for 10 min
    handoff = timezone.now() - dt.timedelta(seconds=20)
    Session.objects.filter(pk=session.pk).update(queued_at=handoff)

    assert alerts.sla_alerts_scan() == 0
    assert alerts.sla_alerts_scan(now=handoff + dt.timedelta(seconds=49)) == 1


@pytest.mark.django_db
def test_an_active_session_not_yet_answered_is_alerted_too():
    group = factories.GroupFactory(sla_target_s=20)
    _waiting(group, seconds=21, status=SessionStatus.ACTIVE)

    assert alerts.sla_alerts_scan() == 2


async def _socket_of(operator):  # type: ignore[no-untyped-def]
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    ws = WebsocketCommunicator(
        application, "/ws/operator/", headers=[ORIGIN, (b"authorization", f"Token {key}".encode())]
    )
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def _sla_frames(ws, *, wait: float = 0.5) -> list[dict]:  # type: ignore[no-untyped-def]
    """The ``sla.*`` frames a socket got (presence frames and the like are skipped)."""
    frames = []
    while not await ws.receive_nothing(timeout=wait):
        frame = await ws.receive_json_from()
        if frame["type"].startswith("sla."):
            frames.append(frame)
    return frames


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_only_the_groups_supervisors_hear_the_alerts():
    group = await sync_to_async(factories.GroupFactory)(name="Billing", sla_target_s=60)
    other = await sync_to_async(factories.GroupFactory)(name="Sales")
    boss = await sync_to_async(factories.OperatorFactory)()
    member = await sync_to_async(factories.OperatorFactory)()
    stranger = await sync_to_async(factories.OperatorFactory)()
    await sync_to_async(group.supervisors.add)(boss)
    await sync_to_async(other.supervisors.add)(stranger)
    await sync_to_async(factories.MembershipFactory)(group=group, operator=member)
    session = await sync_to_async(_waiting)(group, seconds=55)
    boss_ws, member_ws, stranger_ws = [await _socket_of(o) for o in (boss, member, stranger)]

    await sync_to_async(alerts.sla_alerts_scan)()
    [warning] = await _sla_frames(boss_ws)
    await sync_to_async(alerts.sla_alerts_scan)(now=timezone.now() + dt.timedelta(seconds=10))
    [breached] = await _sla_frames(boss_ws)

    assert warning["type"] == "sla.warning" and breached["type"] == "sla.breached"
    assert (warning["session"], warning["group"], warning["group_name"]) == (
        session.pk,
        group.pk,
        "Billing",
    )
    assert 55 <= warning["waiting_s"] <= 57 and breached["waiting_s"] >= 65
    assert warning["target_s"] == 60 and warning["contact_name"]
    assert await _sla_frames(member_ws, wait=0.2) == []
    assert await _sla_frames(stranger_ws, wait=0.2) == []
    await sync_to_async(alerts.sla_alerts_scan)(now=timezone.now() + dt.timedelta(seconds=99))
    assert await _sla_frames(boss_ws, wait=0.3) == []
    for ws in (boss_ws, member_ws, stranger_ws):
        await ws.disconnect()


@pytest.mark.django_db
def test_the_task_is_scheduled_every_two_seconds():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.sla_alerts_scan")

    assert (task.interval.every, task.interval.period, task.enabled) == (2, "seconds", True)
