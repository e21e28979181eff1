"""A waiting chat whose website visitor left (no widget socket open) for longer than
the group's ``abandon_after_s`` is closed as abandoned."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from contactcenter.asgi import application
from inbox import services
from inbox.models import Session, WidgetVisitor
from inbox.services import presence
from routing.services import timers
from tests import factories

T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def _waiting(*, status="queued", abandon_after_s=120):
    group = factories.GroupFactory(abandon_after_s=abandon_after_s)
    channel = factories.ChannelFactory(default_group=group)
    visitor, _token = services.widget_visitor_create(channel=channel, name="Ada")
    session = factories.SessionFactory(
        dialog=visitor.dialog, group=group, status=status, queued_at=T0
    )
    presence.visitor_socket_opened(visitor_id=visitor.pk, at=T0)
    return visitor, session


def _status(session):
    session.refresh_from_db()
    return session.status, session.close_reason


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["queued", "bot"])
def test_a_visitor_gone_past_the_group_s_limit_abandons_the_chat(status):
    visitor, session = _waiting(status=status, abandon_after_s=120)
    presence.visitor_socket_closed(visitor_id=visitor.pk, at=T0)

    timers.timers_run(now=T0 + dt.timedelta(seconds=119))
    assert _status(session) == (status, "")

    done = timers.timers_run(now=T0 + dt.timedelta(seconds=120))
    assert _status(session) == ("closed", "abandoned")
    assert done["abandoned"] == 1


@pytest.mark.django_db
def test_a_second_tab_or_a_reconnect_keeps_the_chat_waiting():
    visitor, session = _waiting(abandon_after_s=60)
    presence.visitor_socket_opened(visitor_id=visitor.pk, at=T0)  # a second tab
    presence.visitor_socket_closed(visitor_id=visitor.pk, at=T0)

    timers.timers_run(now=T0 + dt.timedelta(hours=1))
    assert _status(session) == ("queued", "")

    presence.visitor_socket_closed(visitor_id=visitor.pk, at=T0 + dt.timedelta(hours=1))
    presence.visitor_socket_opened(visitor_id=visitor.pk, at=T0 + dt.timedelta(hours=1, seconds=5))
    timers.timers_run(now=T0 + dt.timedelta(hours=2))
    assert _status(session) == ("queued", "")


@pytest.mark.django_db
def test_an_answered_chat_is_not_abandoned():
    visitor, session = _waiting(abandon_after_s=60)
    Session.objects.filter(pk=session.pk).update(first_response_at=T0)
    presence.visitor_socket_closed(visitor_id=visitor.pk, at=T0)

    timers.timers_run(now=T0 + dt.timedelta(hours=1))
    assert _status(session) == ("queued", "")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_widget_socket_counts_the_visitor_s_presence():
    def make():
        channel = factories.ChannelFactory()
        return channel, *services.widget_visitor_create(channel=channel, name="Ada")

    channel, visitor, token = await sync_to_async(make)()
    ws = WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.key}/?token={token}",
        headers=[(b"origin", b"https://shop.example")],
    )
    connected, _ = await ws.connect()
    assert connected
    await ws.receive_json_from()

    def state():
        row = WidgetVisitor.objects.get(pk=visitor.pk)
        return row.open_sockets, row.left_at is not None

    assert await sync_to_async(state)() == (1, False)
    await ws.disconnect()
    assert await sync_to_async(state)() == (0, True)
