"""The widget socket end to end through the ASGI application: a visitor chats with an
operator, reconnects and syncs, and bad input gets clear errors."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox import services
from inbox.models import Message, SessionStatus
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _channel_and_visitor(**channel_kwargs):
    channel = factories.ChannelFactory(**channel_kwargs)
    visitor, token = services.widget_visitor_create(channel=channel, name="Ada")
    return channel, visitor, token


async def _widget(channel, token, origin="https://shop.example"):
    ws = WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.key}/?token={token}",
        headers=[(b"origin", origin.encode())],
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def _next(ws):
    """The next frame, past queue updates (routing pushes those whenever it likes)."""
    while True:
        frame = await ws.receive_json_from()
        if frame["type"] != "queue":
            return frame


async def _operator_socket(user):
    token = await sync_to_async(lambda: Token.objects.get_or_create(user=user)[0].key)()
    ws = WebsocketCommunicator(
        application,
        "/ws/operator/",
        headers=[(b"authorization", f"Token {token}".encode()), (b"origin", b"http://localhost")],
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def test_a_visitor_is_welcomed_and_offered_topics():
    channel, _, token = await sync_to_async(_channel_and_visitor)()
    topic = await sync_to_async(factories.TopicFactory)(channel=channel, title="Billing")

    ws = await _widget(channel, token)

    welcome = await _next(ws)
    assert welcome == {
        "type": "welcome",
        "dialog": welcome["dialog"],
        "session": None,
        "operator": None,
    }
    topics = await _next(ws)
    assert topics == {"type": "topics", "topics": [{"id": topic.pk, "title": "Billing"}]}
    await ws.disconnect()


async def test_a_message_is_acked_once_stored_and_a_repeat_stores_nothing():
    channel, visitor, token = await sync_to_async(_channel_and_visitor)()
    ws = await _widget(channel, token)
    await _next(ws)

    await ws.send_json_to({"type": "message", "text": "Hello <b>there</b>", "client_id": "c-1"})
    ack = await _next(ws)
    await ws.send_json_to({"type": "message", "text": "Hello <b>there</b>", "client_id": "c-1"})
    again = await _next(ws)

    stored = await sync_to_async(lambda: list(Message.objects.filter(dialog=visitor.dialog)))()
    assert ack == {"type": "ack", "client_id": "c-1", "id": stored[0].pk}
    assert again == ack
    assert [m.text for m in stored] == ["Hello <b>there</b>"]
    await ws.disconnect()


async def test_bad_events_get_errors_and_the_socket_stays_open():
    channel, _, token = await sync_to_async(_channel_and_visitor)()
    ws = await _widget(channel, token)
    await _next(ws)

    await ws.send_to(text_data="not json")
    assert (await _next(ws))["code"] == "bad_json"
    await ws.send_json_to({"type": "dance"})
    assert (await _next(ws))["code"] == "unknown_type"
    await ws.send_json_to({"type": "message", "text": "", "client_id": "e"})
    assert await _next(ws) == {
        "type": "error",
        "code": "empty",
        "detail": "Write a message of 1 to 10,000 characters.",
        "client_id": "e",
    }
    await ws.send_json_to({"type": "message", "text": "x" * 10_001, "client_id": "f"})
    assert (await _next(ws))["code"] == "too_long"
    await ws.send_json_to({"type": "sync", "after": "zero"})
    assert (await _next(ws))["code"] == "bad_after"
    await ws.send_json_to({"type": "message", "text": "still here", "client_id": "g"})
    assert (await _next(ws))["type"] == "ack"
    await ws.disconnect()


async def test_a_flood_is_refused_then_the_socket_is_closed():
    channel, _, token = await sync_to_async(_channel_and_visitor)()
    ws = await _widget(channel, token)
    await _next(ws)

    codes = []
    for _ in range(80):
        await ws.send_json_to({"type": "typing"})
    while True:
        frame = await ws.receive_output(timeout=2)
        if frame["type"] == "websocket.close":
            codes.append(frame["code"])
            break
        codes.append(json.loads(frame["text"]).get("code"))
    assert "rate_limited" in codes
    assert codes[-1] == 4429


@pytest.mark.parametrize(("key_ok", "token_ok", "code"), [(False, True, 4404), (True, False, 4401)])
async def test_a_bad_key_or_token_closes_with_the_contract_code(key_ok, token_ok, code):
    channel, _, token = await sync_to_async(_channel_and_visitor)()
    key = channel.key if key_ok else "nope"
    ws = WebsocketCommunicator(application, f"/ws/widget/{key}/?token={token if token_ok else 'x'}")
    await ws.connect()

    closed = await ws.receive_output(timeout=2)

    assert closed == {"type": "websocket.close", "code": code, "reason": None} or (
        closed["type"] == "websocket.close" and closed["code"] == code
    )


async def test_a_page_on_a_foreign_origin_is_refused():
    channel, _, token = await sync_to_async(_channel_and_visitor)(
        allowed_origins=["https://shop.example"]
    )
    ws = WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.key}/?token={token}",
        headers=[(b"origin", b"https://evil.example")],
    )
    await ws.connect()
    closed = await ws.receive_output(timeout=2)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4403)

    allowed = await _widget(channel, token, origin="https://shop.example")
    assert (await allowed.receive_json_from())["type"] == "welcome"
    await allowed.disconnect()


async def test_visitor_and_operator_chat_and_a_reconnect_syncs_what_was_missed():
    channel, _visitor, token = await sync_to_async(_channel_and_visitor)()
    operator = await sync_to_async(factories.OperatorFactory)(display_name="Anna")
    await sync_to_async(factories.MembershipFactory)(group=channel.default_group, operator=operator)
    widget = await _widget(channel, token)
    await _next(widget)
    await widget.send_json_to({"type": "message", "text": "Need help", "client_id": "v-1"})
    first_ack = await _next(widget)
    session = await sync_to_async(
        lambda: Message.objects.select_related("session").get(pk=first_ack["id"]).session
    )()

    # an operator takes it (routing's job in production) and answers from the socket
    session.status, session.operator = SessionStatus.ACTIVE, operator
    await sync_to_async(session.save)()
    op = await _operator_socket(operator.user)
    hello = await op.receive_json_from()
    assert hello["type"] == "hello"
    await widget.disconnect()  # the visitor's connection drops
    await op.send_json_to(
        {"type": "message", "session": session.pk, "text": "Hi, I am Anna", "client_id": "o-1"}
    )
    op_frames = [await op.receive_json_from(), await op.receive_json_from()]
    assert {f["type"] for f in op_frames} == {"ack", "message.created"}

    again = await _widget(channel, token)
    welcome = await _next(again)
    await again.send_json_to({"type": "sync", "after": first_ack["id"]})
    missed = await _next(again)

    assert welcome["session"] == {"id": session.pk, "status": "active"}
    assert welcome["operator"] == {"name": "Anna"}
    assert missed["type"] == "message"
    assert (missed["message"]["text"], missed["message"]["sender_type"]) == (
        "Hi, I am Anna",
        "operator",
    )
    assert await again.receive_nothing(timeout=0.3)
    await again.send_json_to({"type": "sync", "after": 0})
    history = [(await _next(again))["message"]["text"] for _ in range(2)]
    assert history == ["Need help", "Hi, I am Anna"]
    await again.disconnect()
    await op.disconnect()


async def test_the_operator_reply_reaches_a_connected_visitor_live():
    channel, visitor, token = await sync_to_async(_channel_and_visitor)()
    operator = await sync_to_async(factories.OperatorFactory)(display_name="Boris")
    session = await sync_to_async(factories.SessionFactory)(
        dialog=visitor.dialog, status=SessionStatus.ACTIVE, operator=operator
    )
    widget = await _widget(channel, token)
    await _next(widget)
    op = await _operator_socket(operator.user)
    await op.receive_json_from()

    await op.send_json_to({"type": "typing", "session": session.pk})
    assert await _next(widget) == {"type": "typing", "sender_type": "operator"}
    await op.send_json_to({"type": "message", "session": session.pk, "text": "<i>Hello</i>"})
    live = await _next(widget)

    assert live["type"] == "message"
    assert live["message"]["text"] == "<i>Hello</i>"
    assert live["message"]["sender_name"] == "Boris"
    await widget.disconnect()
    await op.disconnect()
