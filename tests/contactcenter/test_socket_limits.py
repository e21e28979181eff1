"""contactcenter.socket_limits: one client address holds at most SOCKETS_PER_ADDRESS
sockets (widget and operator alike); the one over the cap is closed with 4429."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from contactcenter import socket_limits
from contactcenter.asgi import application
from inbox import services
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _widget_path():
    channel = factories.ChannelFactory()
    _visitor, token = services.widget_visitor_create(channel=channel)
    return f"/ws/widget/{channel.key}/?token={token}"


async def _open(path, address, headers=()):
    ws = WebsocketCommunicator(application, path, headers=list(headers))
    ws.scope["client"] = (address, 50_000)
    connected, _ = await ws.connect()
    assert connected
    return ws


# Generous: on a loaded machine the welcome (the visitor's look-up in the database
# thread) can take seconds; an answer that comes costs no wait.
WAIT_S = 10


async def _refused(ws):
    closed = await ws.receive_output(timeout=WAIT_S)
    return closed["type"] == "websocket.close" and closed.get("code") == 4429


async def _welcomed(ws):
    return (await ws.receive_json_from(timeout=WAIT_S))["type"] in ("welcome", "hello")


async def test_the_socket_over_the_cap_is_closed_with_4429_and_others_are_not(settings):
    settings.SOCKETS_PER_ADDRESS = 2
    path = await sync_to_async(_widget_path)()

    first = await _open(path, "203.0.113.7")
    second = await _open(path, "203.0.113.7")
    third = await _open(path, "203.0.113.7")
    elsewhere = await _open(path, "198.51.100.1")

    assert await _welcomed(first) and await _welcomed(second)
    closed = await third.receive_output(timeout=WAIT_S)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4429)
    assert closed["reason"] == socket_limits.CLOSE_REASON
    assert await _welcomed(elsewhere)
    for ws in (first, second, elsewhere):
        await ws.disconnect()


async def test_a_closed_socket_frees_its_seat(settings):
    settings.SOCKETS_PER_ADDRESS = 1
    path = await sync_to_async(_widget_path)()
    first = await _open(path, "203.0.113.8")
    assert await _welcomed(first)
    assert await _refused(await _open(path, "203.0.113.8"))

    await first.disconnect()
    again = await _open(path, "203.0.113.8")

    assert await _welcomed(again)
    await again.disconnect()


async def _operator_token():
    operator = await sync_to_async(factories.OperatorFactory)()
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    return [(b"authorization", f"Token {key}".encode())]


async def test_sockets_without_valid_credentials_count_against_the_address(settings):
    settings.SOCKETS_PER_ADDRESS = 1
    path = await sync_to_async(_widget_path)()
    widget = await _open(path, "203.0.113.9")
    assert await _welcomed(widget)

    refused = await _open("/ws/operator/", "203.0.113.9", [(b"authorization", b"Token bad")])

    assert await _refused(refused)
    await widget.disconnect()


async def test_a_signed_in_operators_sockets_count_per_user_not_per_address(settings):
    settings.SOCKETS_PER_ADDRESS = 1
    anna, boris = await _operator_token(), await _operator_token()
    path = await sync_to_async(_widget_path)()
    office = "203.0.113.20"
    visitor = await _open(path, office)

    annas = await _open("/ws/operator/", office, anna)
    boriss = await _open("/ws/operator/", office, boris)
    annas_second = await _open("/ws/operator/", "198.51.100.20", anna)

    assert await _welcomed(visitor)
    assert await _welcomed(annas) and await _welcomed(boriss)
    assert await _refused(annas_second)
    for ws in (visitor, annas, boriss):
        await ws.disconnect()


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(settings):
    settings.SOCKETS_PER_ADDRESS = 1
    settings.TRUSTED_PROXY_COUNT = 1
    path = await sync_to_async(_widget_path)()
    proxy = "10.0.0.2"

    ada = await _open(path, proxy, [(b"x-forwarded-for", b"203.0.113.10")])
    bob = await _open(path, proxy, [(b"x-forwarded-for", b"203.0.113.11")])
    # a forged entry to the left of what the proxy appended changes nothing
    ada_again = await _open(path, proxy, [(b"x-forwarded-for", b"1.2.3.4, 203.0.113.10")])

    assert await _welcomed(ada) and await _welcomed(bob)
    assert await _refused(ada_again)
    await ada.disconnect()
    await bob.disconnect()


async def test_zero_means_no_cap(settings):
    settings.SOCKETS_PER_ADDRESS = 0
    path = await sync_to_async(_widget_path)()

    sockets = [await _open(path, "203.0.113.12") for _ in range(5)]

    assert all([await _welcomed(ws) for ws in sockets])
    for ws in sockets:
        await ws.disconnect()
