"""Sockets meeting an outage: an event that meets a lost database connection is retried once;
if the database is still away the client gets an error frame and keeps the socket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox import services as inbox_services
from inbox.models import Message, SessionStatus
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://localhost")


async def _operator_in_a_chat():
    """An operator's socket, and an active session of theirs."""
    operator = await sync_to_async(factories.OperatorFactory)(status="online")
    session = await sync_to_async(factories.SessionFactory)(
        status=SessionStatus.ACTIVE, operator=operator
    )
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    ws = WebsocketCommunicator(
        application, "/ws/operator/", headers=[ORIGIN, (b"authorization", f"Token {key}".encode())]
    )
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws, session


async def _next(ws, kind):
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


def _losing(times: int, monkeypatch):
    real = inbox_services.operator_message_send
    left = {"n": times}

    def send(**kwargs):
        if left["n"] > 0:
            left["n"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(inbox_services, "operator_message_send", send)


async def test_a_message_meeting_a_lost_connection_is_stored_on_the_retry(monkeypatch):
    # given an operator in a chat, and a database connection that was lost
    ws, session = await _operator_in_a_chat()
    _losing(1, monkeypatch)
    # when they send a message
    await ws.send_json_to(
        {"type": "message", "session": session.pk, "text": "hi", "client_id": "c1"}
    )
    # then it is stored once, on a new connection, and acknowledged
    ack = await _next(ws, "ack")
    assert ack["client_id"] == "c1"
    assert await sync_to_async(Message.objects.filter(client_id="c1").count)() == 1
    await ws.disconnect()


async def test_a_database_still_away_gives_an_error_frame_and_the_socket_stays(monkeypatch):
    ws, session = await _operator_in_a_chat()
    _losing(2, monkeypatch)
    await ws.send_json_to(
        {"type": "message", "session": session.pk, "text": "hi", "client_id": "c2"}
    )
    error = await _next(ws, "error")
    assert (error["code"], error["client_id"]) == ("unavailable", "c2")
    await ws.send_json_to({"type": "ping"})
    assert (await _next(ws, "pong")) == {"type": "pong"}
    assert not await sync_to_async(Message.objects.filter(client_id="c2").exists)()
    await ws.disconnect()


async def test_a_socket_opened_while_redis_is_away_is_told_to_come_back_not_crashed(monkeypatch):
    # given a real-time layer that cannot be reached (Redis down)
    from channels.layers import get_channel_layer
    from redis.exceptions import ConnectionError as RedisConnectionError

    async def unreachable(self, prefix="specific."):  # type: ignore[no-untyped-def]
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    # the layer in use: in-process in the fast tier, Redis pub/sub in the real one
    monkeypatch.setattr(type(get_channel_layer()), "new_channel", unreachable, raising=False)
    # when a widget socket opens
    ws = WebsocketCommunicator(application, "/ws/widget/some-key/?token=t")
    connected, _ = await ws.connect()
    # then it is accepted and closed with 1013 (try again later), not a 500
    assert connected
    closed = await ws.receive_output(timeout=2)
    assert (closed["type"], closed["code"]) == ("websocket.close", 1013)
