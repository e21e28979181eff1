"""Hostile input against Daphne on PostgreSQL and Redis, as the issue's outside tester
sent it: every shape answers an error frame or a 400 and leaves the socket usable;
nothing reaches the database (which refuses NUL characters) or closes a socket with
1011."""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import websockets
from rest_framework.authtoken.models import Token

from crm.models import Contact
from inbox import services as inbox_services
from inbox.models import Message
from tests import factories
from tests.real.support import Process, real
from tests.real.test_two_daphnes import _start

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

DEEP = "[" * 10_000 + "]" * 10_000
FRAMES = [
    (DEEP, "too_deep"),
    ('{"type": "message", "text": "a\\u0000b", "client_id": "nul"}', "bad_text"),
    ('{"type": "message", "text": "\\ud800", "client_id": "sur"}', "bad_text"),
    ('{"type": "sync", "after": NaN}', "bad_number"),
    ('{"type": "sync", "after": 1e999}', "bad_number"),
    ("[1]", "unknown_type"),
]


@pytest.fixture
def daphne(product_env: dict[str, str]) -> Iterator[int]:
    server: Process
    server, port = _start({**product_env, "CHANNEL_LAYER_PREFIX": f"t{secrets.token_hex(4)}"})
    try:
        yield port
    finally:
        server.stop()


def _post(url: str, body: bytes, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def _frame(ws) -> dict:
    async with asyncio.timeout(10):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] in ("error", "ack"):
                return frame


async def _hostile_frames(url: str, headers: dict[str, str]) -> list[dict]:
    answers = []
    async with websockets.connect(url, additional_headers=headers) as ws:
        for raw, _code in FRAMES:
            await ws.send(raw)
            answers.append(await _frame(ws))
        await ws.send(json.dumps({"type": "message", "text": "still here", "client_id": "ok"}))
        answers.append(await _frame(ws))
    return answers


def test_hostile_frames_on_the_widget_socket_get_errors_and_the_socket_stays(daphne):
    channel = factories.ChannelFactory()
    visitor, token = inbox_services.widget_visitor_create(channel=channel)

    answers = asyncio.run(
        _hostile_frames(f"ws://127.0.0.1:{daphne}/ws/widget/{channel.key}/?token={token}", {})
    )

    assert [a.get("code") for a in answers[:-1]] == [code for _, code in FRAMES]
    assert answers[1]["client_id"] == "nul" and answers[2]["client_id"] == "sur"
    assert answers[-1] == {"type": "ack", "client_id": "ok", "id": answers[-1]["id"]}
    assert list(Message.objects.filter(dialog=visitor.dialog).values_list("text", flat=True)) == [
        "still here"
    ]


def test_hostile_frames_on_the_operator_socket_from_a_token_client_without_origin(daphne):
    operator = factories.OperatorFactory(status="online")
    token = Token.objects.create(user=operator.user).key

    answers = asyncio.run(
        _hostile_frames(
            f"ws://127.0.0.1:{daphne}/ws/operator/", {"Authorization": f"Token {token}"}
        )
    )

    assert [a.get("code") for a in answers[:-1]] == [code for _, code in FRAMES]
    assert answers[-1]["type"] == "error" and answers[-1]["code"] == "bad_session"


def test_hostile_bodies_are_400_on_postgresql(daphne, admin_user):
    base = f"http://127.0.0.1:{daphne}"
    token = Token.objects.create(user=admin_user).key
    channel = factories.ChannelFactory()

    deep = _post(
        f"{base}/api/v1/contacts/", b'{"attributes": {"x": ' + DEEP.encode() + b"}}", token
    )
    nul_name = _post(f"{base}/api/v1/contacts/", b'{"name": "a\\u0000b"}', token)
    typed = _post(f"{base}/api/v1/contacts/", b'{"name": 123}', token)
    visitor_nul = _post(f"{base}/widget/api/{channel.key}/visitors/", b'{"name": "a\\u0000b"}')
    visitor_sur = _post(f"{base}/widget/api/{channel.key}/visitors/", b'{"name": "\\ud800"}')
    request = urllib.request.Request(f"{base}/api/v1/reports/summary/?until=2026-99-99")
    request.add_header("Authorization", f"Token {token}")
    try:
        urllib.request.urlopen(request, timeout=20)
        report = (200, {})
    except urllib.error.HTTPError as error:
        report = (error.code, json.loads(error.read()))

    assert deep[0] == 400
    assert nul_name[0] == 400 and "name" in nul_name[1]
    assert typed[0] == 400 and "name" in typed[1]
    assert visitor_nul[0] == visitor_sur[0] == 400 and "name" in visitor_sur[1]
    assert report[0] == 400 and "until" in report[1]
    assert not Contact.objects.exists()
