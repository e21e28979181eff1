"""The operator socket: authentication, presence, and what operators hear."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox import services
from routing.models import Operator
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://localhost")


async def _connect(headers):
    ws = WebsocketCommunicator(application, "/ws/operator/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    return ws


async def test_without_credentials_the_socket_closes_with_4401():
    ws = await _connect([ORIGIN])
    closed = await ws.receive_output(timeout=2)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4401)


async def test_a_bad_token_closes_with_4401():
    ws = await _connect([ORIGIN, (b"authorization", b"Token not-a-token")])
    closed = await ws.receive_output(timeout=2)
    assert closed["code"] == 4401


async def test_a_user_who_is_no_operator_is_refused():
    user = await sync_to_async(factories.UserFactory)()
    key = await sync_to_async(lambda: Token.objects.create(user=user).key)()
    ws = await _connect([ORIGIN, (b"authorization", f"Token {key}".encode())])
    closed = await ws.receive_output(timeout=2)
    assert closed["code"] == 4403


async def test_the_session_cookie_authenticates_and_presence_is_counted():
    operator = await sync_to_async(factories.OperatorFactory)(status="online")
    client = Client()
    await sync_to_async(client.force_login)(operator.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    first = await _connect([ORIGIN, (b"cookie", cookie)])
    hello = await first.receive_json_from()
    second = await _connect([ORIGIN, (b"cookie", cookie)])
    await second.receive_json_from()
    connected = await sync_to_async(Operator.objects.get)(pk=operator.pk)

    assert hello == {
        "type": "hello",
        "operator": {"id": operator.pk, "status": "online", "name": operator.name},
    }
    assert connected.open_sockets == 2 and connected.connected_at is not None
    await first.disconnect()
    await second.disconnect()
    gone = await sync_to_async(Operator.objects.get)(pk=operator.pk)
    assert gone.open_sockets == 0 and gone.connected_at is None


async def test_a_foreign_page_cannot_open_the_operator_socket():
    operator = await sync_to_async(factories.OperatorFactory)()
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    ws = WebsocketCommunicator(
        application,
        "/ws/operator/",
        headers=[(b"origin", b"https://evil.example"), (b"authorization", f"Token {key}".encode())],
    )
    connected, _ = await ws.connect()
    assert not connected


async def test_status_ping_and_errors():
    operator = await sync_to_async(factories.OperatorFactory)()
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    ws = await _connect([ORIGIN, (b"authorization", f"Token {key}".encode())])
    await ws.receive_json_from()

    await ws.send_json_to({"type": "status", "status": "away"})
    assert await ws.receive_json_from() == {"type": "status", "status": "away"}
    await ws.send_json_to({"type": "status", "status": "sleeping"})
    assert (await ws.receive_json_from())["code"] == "invalid"
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.send_json_to({"type": "message", "session": 999999, "text": "hi", "client_id": "z"})
    refused = await ws.receive_json_from()
    assert (refused["type"], refused["client_id"]) == ("error", "z")
    assert (await sync_to_async(Operator.objects.get)(pk=operator.pk)).status == "away"
    await ws.disconnect()


async def test_members_hear_a_queued_sessions_messages_and_the_contact_typing():
    group = await sync_to_async(factories.GroupFactory)()
    operator = await sync_to_async(factories.OperatorFactory)()
    await sync_to_async(factories.MembershipFactory)(group=group, operator=operator)
    channel = await sync_to_async(factories.ChannelFactory)(default_group=group)
    visitor, _ = await sync_to_async(services.widget_visitor_create)(channel=channel)
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    ws = await _connect([ORIGIN, (b"authorization", f"Token {key}".encode())])
    await ws.receive_json_from()

    await sync_to_async(services.contact_message_receive)(
        dialog_id=visitor.dialog_id, text="Anyone there?"
    )
    frame = await ws.receive_json_from()
    while frame["type"] == "queue.updated":  # the session entered the queue first
        frame = await ws.receive_json_from()

    assert frame["type"] == "message.created"
    assert frame["message"]["text"] == "Anyone there?"
    assert frame["message"]["sender_type"] == "contact"
    await ws.disconnect()


async def test_a_token_client_that_sends_no_origin_is_let_in():
    operator = await sync_to_async(factories.OperatorFactory)()
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()

    ws = await _connect([(b"authorization", f"Token {key}".encode())])

    assert (await ws.receive_json_from())["type"] == "hello"
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_the_session_cookie_without_an_origin_is_refused():
    operator = await sync_to_async(factories.OperatorFactory)()
    client = Client()
    await sync_to_async(client.force_login)(operator.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = WebsocketCommunicator(application, "/ws/operator/", headers=[(b"cookie", cookie)])

    connected, _ = await ws.connect()

    assert not connected


async def test_a_bad_token_beside_a_good_cookie_closes_with_4401():
    operator = await sync_to_async(factories.OperatorFactory)()
    client = Client()
    await sync_to_async(client.force_login)(operator.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    ws = await _connect([(b"cookie", cookie), (b"authorization", b"Token not-a-token")])

    closed = await ws.receive_output(timeout=2)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4401)


async def test_an_admin_without_an_operator_record_watches_every_group_read_only():
    # given a superuser who is no operator, and a group
    admin = await sync_to_async(factories.UserFactory)(is_superuser=True, is_staff=True)
    group = await sync_to_async(factories.GroupFactory)(name="Support")
    key = await sync_to_async(lambda: Token.objects.create(user=admin).key)()

    # when they open the operator socket (the board does)
    ws = await _connect([ORIGIN, (b"authorization", f"Token {key}".encode())])
    hello = await ws.receive_json_from()

    # then they are a watcher: they hear the group's queue live, answer pings, may not
    # act, and count as nobody's presence
    assert hello == {"type": "hello", "watcher": True, "operator": None}
    from contactcenter import realtime

    await sync_to_async(realtime.send_now)(
        realtime.queue_group(group.pk), {"type": "queue.updated", "group": group.pk, "size": 1}
    )
    assert (await ws.receive_json_from())["type"] == "queue.updated"
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.send_json_to({"type": "status", "status": "online"})
    refused = await ws.receive_json_from()
    assert (refused["type"], refused["code"]) == ("error", "not_operator")
    assert not await sync_to_async(Operator.objects.exists)()
    await ws.disconnect()
