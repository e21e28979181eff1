"""Hostile frames on both sockets (``contactcenter.sockets.EventSocket``, shared by the widget
and the operator socket): each gets an ``error`` frame, nothing is stored, and the same
socket then works as before."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox import services
from inbox.models import Message
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

DEEP = "[" * 10_000 + "]" * 10_000
# (raw frame, the error code it gets)
HOSTILE_FRAMES = [
    pytest.param(DEEP, "too_deep", id="10,000-deep array"),
    pytest.param('{"type": "typing", "x": ' + DEEP + "}", "too_deep", id="deep inside an event"),
    pytest.param('{"type": "typing", "x": ' + "[" * 40 + "]" * 40 + "}", "too_deep", id="40 deep"),
    pytest.param('{"type": "sync", "after": NaN}', "bad_number", id="NaN"),
    pytest.param('{"type": "sync", "after": Infinity}', "bad_number", id="Infinity"),
    pytest.param('{"type": "sync", "after": -Infinity}', "bad_number", id="-Infinity"),
    pytest.param('{"type": "sync", "after": 1e400}', "bad_number", id="float overflow"),
    pytest.param('{"type": "sync", "after": ' + "9" * 5000 + "}", "bad_number", id="5000 digits"),
    pytest.param('{"type": "sync", "after": 9223372036854775808}', "bad_number", id="2**63"),
    pytest.param('{"type": "typing", "x": "a\\u0000b"}', "bad_text", id="NUL escape"),
    pytest.param('{"type": "typing", "x": "\\ud800"}', "bad_text", id="lone high surrogate"),
    pytest.param('{"type": "typing", "x": "\\udfff"}', "bad_text", id="lone low surrogate"),
    pytest.param('{"type": "typing", "\\u0000": 1}', "bad_text", id="NUL in a key"),
    pytest.param("not json", "bad_json", id="not JSON"),
    pytest.param('{"type": "typing"', "bad_json", id="truncated"),
    pytest.param(" ", "bad_json", id="blank frame"),
    pytest.param("[]", "unknown_type", id="array"),
    pytest.param('"typing"', "unknown_type", id="string"),
    pytest.param("42", "unknown_type", id="number"),
    pytest.param("null", "unknown_type", id="null"),
    pytest.param('{"type": 5}', "unknown_type", id="type not a string"),
    pytest.param('{"type": ["typing"]}', "unknown_type", id="type a list"),
    pytest.param('{"type": "typing\\u0000"}', "bad_text", id="NUL in the type"),
]


def _visitor():
    channel = factories.ChannelFactory()
    visitor, token = services.widget_visitor_create(channel=channel, name="Ada")
    return channel, visitor, token


async def _widget():
    channel, visitor, token = await sync_to_async(_visitor)()
    ws = WebsocketCommunicator(application, f"/ws/widget/{channel.key}/?token={token}")
    connected, _ = await ws.connect()
    assert connected
    assert (await _frame(ws))["type"] == "welcome"
    return ws, visitor


def _operator_with_session():
    operator = factories.OperatorFactory(status="online")
    session = factories.SessionFactory(operator=operator, status="active")
    key = Token.objects.create(user=operator.user).key
    return operator, session, key


async def _operator():
    _operator_row, session, key = await sync_to_async(_operator_with_session)()
    ws = WebsocketCommunicator(
        application, "/ws/operator/", headers=[(b"authorization", f"Token {key}".encode())]
    )
    connected, _ = await ws.connect()
    assert connected
    assert (await _frame(ws))["type"] == "hello"
    return ws, session


async def _frame(ws):
    """The next frame the client would act on (queue and session pushes skipped)."""
    while True:
        frame = await ws.receive_json_from(timeout=3)
        if frame["type"] not in ("queue", "session.updated", "queue.updated", "topics"):
            return frame


async def _still_usable_widget(ws, visitor, client_id):
    await ws.send_json_to({"type": "message", "text": "still here", "client_id": client_id})
    ack = await _frame(ws)
    assert ack["type"] == "ack" and ack["client_id"] == client_id
    texts = await sync_to_async(
        lambda: list(Message.objects.filter(dialog=visitor.dialog).values_list("text", flat=True))
    )()
    assert texts == ["still here"]


@pytest.mark.parametrize(("raw", "code"), HOSTILE_FRAMES)
async def test_a_hostile_frame_on_the_widget_socket_gets_an_error_and_the_socket_works(raw, code):
    ws, visitor = await _widget()

    await ws.send_to(text_data=raw)
    error = await _frame(ws)

    assert error["type"] == "error" and error["code"] == code
    assert isinstance(error["detail"], str) and error["detail"]
    await _still_usable_widget(ws, visitor, "after-" + code)
    await ws.disconnect()


@pytest.mark.parametrize(("raw", "code"), HOSTILE_FRAMES)
async def test_a_hostile_frame_on_the_operator_socket_gets_an_error_and_the_socket_works(raw, code):
    ws, _session = await _operator()

    await ws.send_to(text_data=raw)
    error = await _frame(ws)

    assert error["type"] == "error" and error["code"] == code
    await ws.send_json_to({"type": "ping"})
    assert (await _frame(ws))["type"] == "pong"
    await ws.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("a\u0000b", "bad_text", id="NUL"),
        pytest.param("\ud800", "bad_text", id="lone surrogate"),
        pytest.param("ok \udc00 ok", "bad_text", id="lone low surrogate"),
        pytest.param(123, "empty", id="a number"),
        pytest.param(["hi"], "empty", id="a list"),
        pytest.param({"text": "hi"}, "empty", id="an object"),
        pytest.param(None, "empty", id="null"),
        pytest.param("x" * 10_001, "too_long", id="over-long"),
    ],
)
async def test_a_message_that_cannot_be_stored_is_refused_with_its_client_id(text, code):
    ws, visitor = await _widget()

    # json.dumps escapes NULs and lone surrogates (\u0000, \ud800), as browsers do
    await ws.send_to(text_data=json.dumps({"type": "message", "text": text, "client_id": "m-1"}))
    error = await _frame(ws)

    assert error["type"] == "error" and error["code"] == code
    assert error["client_id"] == "m-1"
    await _still_usable_widget(ws, visitor, "m-2")
    await ws.disconnect()


async def test_a_lone_surrogate_the_server_is_handed_raw_is_refused_not_stored():
    ws, visitor = await _widget()

    await ws.send_to(text_data='{"type": "message", "text": "\ud800", "client_id": "raw"}')
    error = await _frame(ws)

    assert error["type"] == "error" and error["code"] == "bad_text"
    await _still_usable_widget(ws, visitor, "raw-2")
    await ws.disconnect()


async def test_a_binary_frame_is_refused_and_the_socket_works():
    ws, visitor = await _widget()

    await ws.send_to(bytes_data=b"\xff\xfe{not text}")
    error = await _frame(ws)

    assert error["code"] == "bad_frame"
    await _still_usable_widget(ws, visitor, "bin-2")
    await ws.disconnect()


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"type": "sync", "after": "0"}, id="sync after a string"),
        pytest.param({"type": "sync", "after": True}, id="sync after a boolean"),
        pytest.param({"type": "sync", "after": -1}, id="sync after negative"),
        pytest.param({"type": "sync", "after": 1.5}, id="sync after a fraction"),
        pytest.param({"type": "topic", "topic": "billing"}, id="topic a string"),
        pytest.param({"type": "topic", "topic": [1]}, id="topic a list"),
        pytest.param({"type": "topic", "topic": 2**62}, id="topic huge"),
        pytest.param({"type": "topic"}, id="topic missing"),
        pytest.param({"type": "button", "node": ["n"], "button": {"b": 1}}, id="button objects"),
        pytest.param({"type": "rating", "score": "5"}, id="rating a string"),
        pytest.param({"type": "rating", "score": 5.5}, id="rating a fraction"),
        pytest.param({"type": "rating", "score": True}, id="rating a boolean"),
        pytest.param({"type": "rating", "score": 5, "comment": ["x"]}, id="comment a list"),
        pytest.param({"type": "rating", "score": 5, "comment": "x" * 100_000}, id="huge comment"),
        pytest.param({"type": "message", "text": "hi", "client_id": 7}, id="client_id a number"),
        pytest.param({"type": "message", "text": "hi", "client_id": "c" * 65}, id="long client_id"),
    ],
)
async def test_wrong_types_in_widget_events_get_an_error_and_the_socket_works(event):
    ws, visitor = await _widget()

    await ws.send_json_to(event)
    error = await _frame(ws)

    assert error["type"] == "error", error
    await _still_usable_widget(ws, visitor, "typed")
    await ws.disconnect()


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"type": "message", "session": "1", "text": "hi"}, id="session a string"),
        pytest.param({"type": "message", "session": True, "text": "hi"}, id="session a boolean"),
        pytest.param({"type": "message", "session": 2**62, "text": "hi"}, id="session unknown"),
        pytest.param({"type": "message", "session": None, "text": "hi"}, id="session null"),
        pytest.param({"type": "message", "text": "a\u0000b"}, id="text with NUL"),
        pytest.param({"type": "message", "text": 5}, id="text a number"),
        pytest.param({"type": "status", "status": ["online"]}, id="status a list"),
        pytest.param({"type": "status", "status": "asleep"}, id="status unknown"),
        pytest.param({"type": "status", "status": 1}, id="status a number"),
    ],
)
async def test_wrong_types_in_operator_events_get_an_error_and_the_socket_works(event):
    ws, session = await _operator()
    if "session" not in event and event["type"] == "message":
        event = {**event, "session": session.pk}

    await ws.send_to(text_data=json.dumps(event))
    error = await _frame(ws)

    assert error["type"] == "error", error
    await ws.send_json_to(
        {"type": "message", "session": session.pk, "text": "still here", "client_id": "ok"}
    )
    ack = await _frame(ws)
    assert ack["type"] == "ack" and ack["client_id"] == "ok"
    await ws.disconnect()


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"type": "typing", "session": "x"}, id="typing a string"),
        pytest.param({"type": "typing", "session": [1]}, id="typing a list"),
        pytest.param({"type": "typing", "session": 2**62}, id="typing unknown session"),
        pytest.param({"type": "typing"}, id="typing no session"),
    ],
)
async def test_typing_about_no_session_of_theirs_is_ignored_and_the_socket_works(event):
    ws, _session = await _operator()

    await ws.send_json_to(event)
    await ws.send_json_to({"type": "ping"})

    assert (await _frame(ws))["type"] in ("pong", "error")
    await ws.disconnect()
