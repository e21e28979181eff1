"""What a waiting customer's widget learns when it (re)connects: their place in the queue
and the expected wait, at once, not at the queue's next move."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from contactcenter.asgi import application
from inbox import services as inbox_services
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"https://shop.example")


def _queue_of_two():
    """A group with nobody online and two customers who wrote: both wait."""
    group = factories.GroupFactory(name="Support")
    channel = factories.ChannelFactory(default_group=group)
    tokens = []
    for text in ("First", "Second"):
        visitor, token = inbox_services.widget_visitor_create(channel=channel)
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text=text)
        tokens.append(token)
    return channel, tokens


async def _frames_on_connect(channel, token, count):
    ws = WebsocketCommunicator(
        application, f"/ws/widget/{channel.key}/?token={token}", headers=[ORIGIN]
    )
    connected, _ = await ws.connect()
    assert connected
    frames = [await ws.receive_json_from(timeout=3) for _ in range(count)]
    return ws, frames


async def test_a_waiting_customer_who_reconnects_hears_their_place_and_wait_at_once():
    channel, tokens = await sync_to_async(_queue_of_two)()

    ws, (welcome, queue) = await _frames_on_connect(channel, tokens[1], 2)

    assert welcome["type"] == "welcome"
    assert welcome["session"]["status"] == "queued"
    assert queue["type"] == "queue"
    assert queue["position"] == 2
    assert queue["estimated_wait_s"] > 0
    await ws.disconnect()

    ws, (_, first) = await _frames_on_connect(channel, tokens[0], 2)
    assert first["position"] == 1
    assert first["estimated_wait_s"] < queue["estimated_wait_s"]
    await ws.disconnect()


async def test_a_customer_with_an_operator_gets_no_queue_frame():
    def served():
        group = factories.GroupFactory(name="Sales")
        operator = factories.OperatorFactory(display_name="Maria", status="online", open_sockets=1)
        factories.MembershipFactory(group=group, operator=operator)
        channel = factories.ChannelFactory(default_group=group)
        visitor, token = inbox_services.widget_visitor_create(channel=channel)
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
        return channel, token

    channel, token = await sync_to_async(served)()

    ws, (welcome,) = await _frames_on_connect(channel, token, 1)

    assert welcome["session"]["status"] == "active"
    assert welcome["operator"] == {"name": "Maria"}
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_waiting_customer_hears_that_nobody_can_answer_now_and_what_happens_next():
    def waiting():
        channel, tokens = _queue_of_two()
        channel.default_group.offline_message = "Leave your e-mail: we answer within a day."
        channel.default_group.save()
        return channel, tokens

    channel, tokens = await sync_to_async(waiting)()

    ws, (_, _, availability) = await _frames_on_connect(channel, tokens[0], 3)

    assert availability == {
        "type": "availability",
        "offline": False,
        "available": False,
        "offline_message": "Leave your e-mail: we answer within a day.",
    }
    await ws.disconnect()
