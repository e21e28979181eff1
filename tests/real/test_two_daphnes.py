"""Two Daphne processes on one Redis and one PostgreSQL, as in production: a visitor
connected to one reaches an operator connected to the other, and back."""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
import websockets
from rest_framework.authtoken.models import Token

from inbox import services as inbox_services
from tests import factories
from tests.real.support import Process, free_port, real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]


def _start(env: dict[str, str]) -> tuple[Process, int]:
    port = free_port()
    server = Process(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "contactcenter.asgi:application",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server, port
        except OSError:
            pass
        if server.popen.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"daphne did not come up:\n{server.output()}")
        time.sleep(0.2)


@pytest.fixture
def two_daphnes(product_env: dict[str, str]) -> Iterator[tuple[int, int]]:
    env = {**product_env, "CHANNEL_LAYER_PREFIX": f"t{secrets.token_hex(4)}"}
    first, first_port = _start(env)
    try:
        second, second_port = _start(env)
        try:
            yield first_port, second_port
        finally:
            second.stop()
    finally:
        first.stop()


async def _frame(ws, kind: str, timeout: float = 15) -> dict:
    """The next frame of this type, past others (queue updates, hello...)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def _chat(visitor_url: str, operator_url: str, token: str) -> tuple[dict, dict, dict]:
    async with websockets.connect(
        operator_url,
        additional_headers={"Authorization": f"Token {token}", "Origin": "http://127.0.0.1"},
    ) as operator:
        await _frame(operator, "hello")
        async with websockets.connect(visitor_url) as visitor:
            await _frame(visitor, "welcome")
            await visitor.send(
                json.dumps({"type": "message", "text": "Hello across processes", "client_id": "v1"})
            )
            assigned = await _frame(operator, "session.assigned")
            created = await _frame(operator, "message.created")
            await operator.send(
                json.dumps(
                    {
                        "type": "message",
                        "session": assigned["session"]["id"],
                        "text": "Hi back",
                        "client_id": "o1",
                    }
                )
            )
            reply = await _frame(visitor, "message")
            return assigned, created, reply


def test_a_visitor_on_one_daphne_chats_with_an_operator_on_the_other(two_daphnes):
    visitor_port, operator_port = two_daphnes
    group = factories.GroupFactory(name="Two processes")
    channel = factories.ChannelFactory(default_group=group)
    operator = factories.OperatorFactory(display_name="Anna", status="online")
    factories.MembershipFactory(group=group, operator=operator)
    token = Token.objects.create(user=operator.user).key
    _, visitor_token = inbox_services.widget_visitor_create(channel=channel)

    assigned, created, reply = asyncio.run(
        _chat(
            f"ws://127.0.0.1:{visitor_port}/ws/widget/{channel.key}/?token={visitor_token}",
            f"ws://127.0.0.1:{operator_port}/ws/operator/",
            token,
        )
    )

    assert assigned["session"]["operator"] == operator.pk
    assert created["message"]["text"] == "Hello across processes"
    assert reply["message"]["text"] == "Hi back"
    assert reply["message"]["sender_name"] == "Anna"
