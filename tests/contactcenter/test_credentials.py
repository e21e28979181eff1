"""Revocation, deactivation and a password change end every credential of the user: REST
answers 401 at once, and every open operator socket of theirs closes with 4401."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contactcenter import realtime
from contactcenter.asgi import application
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://localhost")
CLOSED_WITHIN_S = 5


async def _operator_with_token():
    operator = await sync_to_async(factories.OperatorFactory)()
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    return operator, key


async def _open(headers):
    ws = WebsocketCommunicator(application, "/ws/operator/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def _token_socket(key):
    return await _open([ORIGIN, (b"authorization", f"Token {key}".encode())])


async def _session_socket(user):
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return await _open([ORIGIN, (b"cookie", cookie)])


async def _close_code(ws) -> int:
    while True:
        output = await ws.receive_output(timeout=CLOSED_WITHIN_S)
        if output["type"] == "websocket.close":
            return output["code"]


def _rest_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/operators/me/").status_code


async def test_a_deleted_token_answers_401_and_its_socket_closes():
    # given an operator with an open socket on a token, and another on their session
    operator, key = await _operator_with_token()
    on_token = await _token_socket(key)
    on_session = await _session_socket(operator.user)
    # when the token is deleted (the admin's "delete", drf_create_token -r)
    await sync_to_async(lambda: Token.objects.filter(key=key).delete())()
    # then the REST API refuses it, and the token's socket closes, the session's stays
    assert await sync_to_async(_rest_status)(key) == 401
    assert await _close_code(on_token) == 4401
    await on_session.send_json_to({"type": "ping"})
    assert await on_session.receive_json_from() == {"type": "pong"}
    await on_session.disconnect()


async def test_a_deactivated_user_loses_every_socket_and_token():
    operator, key = await _operator_with_token()
    on_token = await _token_socket(key)
    on_session = await _session_socket(operator.user)

    def deactivate() -> None:
        user = get_user_model().objects.get(pk=operator.user_id)
        user.is_active = False
        user.save()

    await sync_to_async(deactivate)()

    assert await _close_code(on_token) == 4401
    assert await _close_code(on_session) == 4401
    assert await sync_to_async(_rest_status)(key) == 401
    assert not await sync_to_async(Token.objects.filter(user_id=operator.user_id).exists)()


async def test_a_password_change_ends_the_old_token_and_every_socket():
    operator, key = await _operator_with_token()
    on_token = await _token_socket(key)
    on_session = await _session_socket(operator.user)

    def change_password() -> None:
        user = get_user_model().objects.get(pk=operator.user_id)
        user.set_password("a-new-and-better-passphrase")
        user.save()

    await sync_to_async(change_password)()

    assert await sync_to_async(_rest_status)(key) == 401
    assert await _close_code(on_token) == 4401
    assert await _close_code(on_session) == 4401


async def test_signing_in_again_does_not_close_anything():
    # given an open socket
    operator, key = await _operator_with_token()
    ws = await _token_socket(key)

    # when the user signs in elsewhere (last_login is saved)
    def sign_in() -> None:
        Client().post(
            "/accounts/login/",
            {"username": operator.user.username, "password": factories.PASSWORD},
        )
        get_user_model().objects.get(pk=operator.user_id).save()  # a plain save, too

    await sync_to_async(sign_in)()
    # then the socket still works and the token still answers
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    assert await sync_to_async(_rest_status)(key) == 200
    await ws.disconnect()


async def test_a_credential_ended_unheard_is_noticed_at_the_next_resync():
    # given a token socket, and a deactivation that no signal announced (a bulk update,
    # or one made while the real-time layer was down)
    operator, key = await _operator_with_token()
    ws = await _token_socket(key)
    await sync_to_async(
        lambda: get_user_model().objects.filter(pk=operator.user_id).update(is_active=False)
    )()
    # when the layer comes back and tells every socket to resync
    await get_channel_layer().group_send(
        realtime.user_group(operator.user_id), {"type": "rt.resync"}
    )
    # then the socket rechecks its credential and closes instead of resyncing
    assert await _close_code(ws) == 4401


async def test_a_valid_socket_passes_the_resync_hint_to_its_client():
    operator, key = await _operator_with_token()
    ws = await _token_socket(key)
    await get_channel_layer().group_send(
        realtime.user_group(operator.user_id), {"type": "rt.resync"}
    )
    assert await asyncio.wait_for(ws.receive_json_from(), CLOSED_WITHIN_S) == {"type": "resync"}
    await ws.disconnect()
