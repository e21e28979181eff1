"""The API channel end to end: a company's backend posts its users' messages with the
channel's bearer secret and polls the conversation; every message to the user arrives
at a webhook receiver on 127.0.0.1 that checks the signature as a real client would."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from crm.models import ChannelType, Contact, IdentityPolicy, LinkPolicy, MergeSuggestion
from inbox import services
from inbox.connectors.api.connector import ApiConnector, delivery_id
from inbox.connectors.base import DeliveryRefused, SendFailed
from inbox.connectors.tasks import connector_reply_send
from inbox.models import Channel, Dialog, Message, SenderType, Session, SessionStatus
from tests import factories

INBOUND_SECRET = "inbound-secret-of-the-shop-app-0001"
WEBHOOK_SECRET = "webhook-secret-of-the-shop-app-0001"


@dataclass
class Receiver:
    """The company's webhook endpoint: verifies each request like docs/api-channel.md
    says and answers the next of ``statuses`` (then 200)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    verified: list[dict[str, Any]] = field(default_factory=list)
    forged: int = 0
    attempts: int = 0


def verify(secret: str, headers: Any, body: bytes) -> bool:
    timestamp = headers.get("X-Webhook-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), headers.get("X-Webhook-Signature", ""))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.attempts += 1
            if not verify(WEBHOOK_SECRET, self.headers, body):
                box.forged += 1
                status = 401
            else:
                status = box.statuses.pop(0) if box.statuses else 200
                box.verified.append(
                    {"headers": dict(self.headers), "body": json.loads(body), "status": status}
                )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/support/webhook"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _fresh_counters(settings):  # type: ignore[no-untyped-def]
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on loopback
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channel(db, receiver) -> Channel:  # type: ignore[no-untyped-def]
    return factories.ChannelFactory(
        type=ChannelType.API,
        name="Shop app",
        config={
            "inbound_secret": INBOUND_SECRET,
            "webhook_url": receiver.url,
            "webhook_secret": WEBHOOK_SECRET,
        },
    )


def app(secret: str = INBOUND_SECRET) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def send(channel: Channel, client: APIClient | None = None, **body: Any) -> Any:
    payload = {"external_id": "user-1842", "text": "Where is my order?", "client_id": "m-1"}
    payload.update(body)
    return (client or app()).post(
        f"/api/v1/inbound/{channel.key}/messages/", payload, format="json"
    )


def poll(channel: Channel, external_id: str = "user-1842", after: Any = None) -> Any:
    query = "" if after is None else f"?after={after}"
    return app().get(f"/api/v1/inbound/{channel.key}/contacts/{external_id}/messages/{query}")


def operator_takes(message: Message) -> Any:
    operator = factories.OperatorFactory(display_name="Anna")
    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    return operator


# --- sending ----------------------------------------------------------------------------


def test_a_first_message_is_stored_and_a_repeat_answers_the_same_ids(channel):
    first = send(channel, name="Ada Lovelace")
    again = send(channel, name="Ada Lovelace")

    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json() == again.json()
    message = Message.objects.get()
    assert first.json() == {
        "id": message.pk,
        "dialog": message.dialog_id,
        "session": message.session_id,
    }
    assert (message.sender_type, message.text, message.client_id) == (
        SenderType.CONTACT,
        "Where is my order?",
        "m-1",
    )
    assert message.session.status == SessionStatus.QUEUED
    identity = message.dialog.identity
    assert (identity.channel_type, identity.external_id) == ("api", "user-1842")
    assert identity.contact.name == "Ada Lovelace"


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer wrong-secret-wrong-secret", f"Token {INBOUND_SECRET}", INBOUND_SECRET],
)
def test_a_missing_or_wrong_bearer_is_401_and_nothing_is_stored(channel, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = send(channel, client)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Message.objects.count() == 0
    assert Contact.objects.count() == 0


def test_an_unknown_key_answers_exactly_like_a_wrong_secret(channel):
    wrong_secret = send(channel, app("wrong-secret-wrong-secret"))
    unknown_key = app().post(
        "/api/v1/inbound/no-such-key/messages/",
        {"external_id": "u", "text": "hi", "client_id": "1"},
        format="json",
    )

    assert unknown_key.status_code == wrong_secret.status_code == 401
    assert unknown_key.json() == wrong_secret.json()


def test_another_channels_secret_or_an_inactive_channel_is_refused(channel):
    other = factories.ChannelFactory(
        type=ChannelType.API, config={"inbound_secret": "the-other-apps-secret-0002"}
    )
    assert send(channel, app("the-other-apps-secret-0002")).status_code == 401
    widget = factories.ChannelFactory(config={"inbound_secret": INBOUND_SECRET})
    assert send(widget).status_code == 401
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert send(channel).status_code == 401
    assert send(other, app("the-other-apps-secret-0002")).status_code == 201


def test_guessing_the_secret_is_stopped_even_for_the_right_one(channel, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "api_inbound_auth": "3/min",
        },
    }
    answers = [send(channel, app(f"guess-number-{n}-guess")).status_code for n in range(4)]

    assert answers == [401, 401, 401, 429]
    right = send(channel)
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert Message.objects.count() == 0


def test_a_channel_over_its_rate_is_told_to_wait(channel, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "api_inbound": "2/min",
        },
    }
    answers = [send(channel, client_id=f"m-{n}").status_code for n in range(3)]

    assert answers == [201, 201, 429]
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"text": 42}, "text"),
        ({"text": "nul \x00 inside"}, "text"),
        ({"client_id": None}, "client_id"),
        ({"client_id": "c" * 65}, "client_id"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "   "}, "external_id"),
        ({"external_id": "u" * 256}, "external_id"),
        ({"external_id": 1842}, "external_id"),
        ({"email": "not an address"}, "email"),
        ({"name": "n" * 201}, "name"),
        ({"phone": "1" * 33}, "phone"),
        ({"attributes": ["plan", "gold"]}, "attributes"),
        ({"attributes": {"plan": {"nested": "no"}}}, "attributes"),
        ({"attributes": {"bio": "b" * 1001}}, "attributes"),
        ({"attributes": {f"k{n}": n for n in range(51)}}, "attributes"),
        ({"attributes": {"": "empty name"}}, "attributes"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(channel, body, field):
    response = send(channel, **body)

    assert response.status_code == 400
    assert field in response.json()
    assert Message.objects.count() == 0


def test_a_body_that_is_not_a_json_object_is_a_400(channel):
    for raw in (b"[1, 2]", b"not json", b'{"text": '):
        response = app().post(
            f"/api/v1/inbound/{channel.key}/messages/", raw, content_type="application/json"
        )
        assert response.status_code == 400
    assert Message.objects.count() == 0


def test_the_same_external_id_is_one_contact_with_one_dialog(channel):
    send(channel, client_id="m-1", text="Hello")
    send(channel, client_id="m-2", text="Still there?")
    send(channel, client_id="m-1", external_id="user-77", text="I am someone else")

    ada = Contact.objects.get(identities__external_id="user-1842")
    other = Contact.objects.get(identities__external_id="user-77")
    assert ada != other
    [dialog] = Dialog.objects.filter(contact=ada)
    assert [m.text for m in dialog.messages.order_by("id")] == ["Hello", "Still there?"]
    assert Dialog.objects.filter(contact=other).count() == 1


def test_attributes_are_merged_into_the_contacts(channel):
    send(channel, client_id="m-1", attributes={"plan": "free", "city": "Riga"})
    send(channel, client_id="m-2", attributes={"plan": "team", "app_version": "4.2.0"})

    contact = Contact.objects.get(identities__external_id="user-1842")
    assert contact.attributes == {"plan": "team", "city": "Riga", "app_version": "4.2.0"}


def test_a_repeat_changes_no_attributes(channel):
    send(channel, attributes={"plan": "free"})
    repeat = send(channel, attributes={"plan": "team"})

    assert repeat.status_code == 200
    assert Contact.objects.get().attributes == {"plan": "free"}


def test_attributes_a_contact_cannot_hold_are_refused_before_anything_is_stored(channel):
    for batch in range(2):
        attributes = {f"field-{batch}-{n}": n for n in range(50)}
        assert send(channel, client_id=f"m-{batch}", attributes=attributes).status_code == 201

    response = send(channel, client_id="m-3", attributes={"one-too-many": True})

    assert response.status_code == 400
    assert "attributes" in response.json()
    assert Message.objects.count() == 2


def test_a_user_with_the_e_mail_of_a_known_contact_is_linked_to_them(channel):
    policy = IdentityPolicy.current()
    policy.link_policy = LinkPolicy.LINK
    policy.save()
    known = factories.ContactFactory(name="Ada", email="ada@example.org", attributes={"vip": 1})

    send(channel, email="ADA@example.org", attributes={"plan": "team"})

    [contact] = Contact.objects.live()
    assert contact.pk == known.pk
    assert contact.dialogs.get().channel == channel
    assert contact.identities.get().external_id == "user-1842"
    assert contact.attributes == {"vip": 1, "plan": "team"}


def test_under_the_suggest_policy_operators_are_offered_the_merge(channel):
    policy = IdentityPolicy.current()
    policy.link_policy = LinkPolicy.SUGGEST
    policy.save()
    known = factories.ContactFactory(email="ada@example.org")

    send(channel)  # the first message brings no e-mail
    send(channel, client_id="m-2", email="ada@example.org")

    suggestion = MergeSuggestion.objects.get()
    assert suggestion.candidate == known
    assert suggestion.contact == Contact.objects.get(identities__external_id="user-1842")


# --- polling ----------------------------------------------------------------------------


def test_polling_returns_the_conversation_after_an_id_without_notes(channel):
    first = send(channel, client_id="m-1", text="Hello").json()
    message = Message.objects.get(pk=first["id"])
    operator = operator_takes(message)
    reply = services.operator_message_send(
        session_id=message.session_id, user=operator.user, text="Hi Ada!"
    ).message
    services.operator_note_add(
        session_id=message.session_id, user=operator.user, text="VIP, be nice"
    )
    system = services.system_message_send(session=message.session, text="Anna joined")

    everything = poll(channel)
    later = poll(channel, after=first["id"])

    assert everything.status_code == 200
    body = everything.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [m["text"] for m in body["results"]] == ["Hello", "Hi Ada!", "Anna joined"]
    assert [m["sender_type"] for m in body["results"]] == ["contact", "operator", "system"]
    assert [m["id"] for m in later.json()["results"]] == [reply.pk, system.pk]
    assert "VIP" not in everything.content.decode()


def test_polling_someone_who_never_wrote_or_with_a_bad_after_is_refused(channel):
    send(channel)

    assert poll(channel, external_id="user-0").status_code == 404
    assert poll(channel, after="yesterday").status_code == 400
    other = factories.ChannelFactory(
        type=ChannelType.API, config={"inbound_secret": "the-other-apps-secret-0002"}
    )
    foreign = app("the-other-apps-secret-0002").get(
        f"/api/v1/inbound/{other.key}/contacts/user-1842/messages/"
    )
    assert foreign.status_code == 404  # the user wrote on another channel
    assert (
        app("wrong-secret-wrong-secret")
        .get(f"/api/v1/inbound/{channel.key}/contacts/user-1842/messages/")
        .status_code
        == 401
    )


def test_an_external_id_with_a_slash_or_unicode_works_both_ways(channel):
    assert send(channel, external_id="shop/ада 1").status_code == 201

    response = poll(channel, external_id="shop%2F%D0%B0%D0%B4%D0%B0%201")

    assert response.status_code == 200
    assert [m["text"] for m in response.json()["results"]] == ["Where is my order?"]


# --- the webhook --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_operator_reply_arrives_signed_at_the_webhook(channel, receiver):
    message = Message.objects.get(pk=send(channel).json()["id"])
    operator = operator_takes(message)

    reply = services.operator_message_send(
        session_id=message.session_id, user=operator.user, text="It ships today."
    ).message

    [delivery] = receiver.verified
    assert receiver.forged == 0
    headers, body = delivery["headers"], delivery["body"]
    assert headers["X-Webhook-Event"] == "message.created"
    assert headers["X-Webhook-Id"] == body["id"] == delivery_id(reply)
    assert body["event"] == "message.created"
    assert body["external_id"] == "user-1842"
    assert body["message"]["id"] == reply.pk
    assert body["message"]["text"] == "It ships today."
    assert body["message"]["sender_type"] == "operator"
    assert body["message"]["sender_name"] == "Anna"
    assert body["message"]["session"] == message.session_id


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_retried_with_the_same_id_and_arrives_once(channel, receiver):
    message = Message.objects.get(pk=send(channel).json()["id"])
    operator = operator_takes(message)
    receiver.statuses = [500]

    reply = services.operator_message_send(
        session_id=message.session_id, user=operator.user, text="Hello"
    ).message
    assert [d["status"] for d in receiver.verified] == [500]  # the task asks for a retry
    assert SendFailed in connector_reply_send.autoretry_for

    connector_reply_send.apply(args=[reply.pk])  # what the worker's retry runs

    assert [d["status"] for d in receiver.verified] == [500, 200]
    first, second = (d["headers"] for d in receiver.verified)
    assert first["X-Webhook-Id"] == second["X-Webhook-Id"] == delivery_id(reply)
    assert receiver.verified[0]["body"] == receiver.verified[1]["body"]


def test_a_system_message_is_delivered_by_the_connector_and_a_note_never(channel, receiver):
    message = Message.objects.get(pk=send(channel).json()["id"])
    system = services.system_message_send(
        session=message.session, text="All operators are busy; you are second in line."
    )
    note = services.system_message_send(session=message.session, text="internal", internal=True)
    connector = ApiConnector(channel)

    assert connector.send(system) == delivery_id(system)
    with pytest.raises(DeliveryRefused):
        connector.send(note)
    with pytest.raises(DeliveryRefused):
        connector.send(message)  # the user's own message does not go back to the app

    [delivery] = receiver.verified
    assert delivery["body"]["message"]["sender_type"] == "system"
    assert delivery["body"]["message"]["text"].startswith("All operators are busy")


def test_a_receiver_that_cannot_be_reached_is_retried_later(channel, receiver):
    message = Message.objects.get(pk=send(channel).json()["id"])
    system = services.system_message_send(session=message.session, text="Hello")
    Channel.objects.filter(pk=channel.pk).update(
        config={**channel.config, "webhook_url": "http://127.0.0.1:9/closed"}
    )
    channel.refresh_from_db()

    with pytest.raises(SendFailed):
        ApiConnector(channel).send(system)


@pytest.mark.django_db(transaction=True)
def test_without_a_webhook_url_messages_wait_for_polling(channel, receiver):
    Channel.objects.filter(pk=channel.pk).update(
        config={"inbound_secret": INBOUND_SECRET, "webhook_url": ""}
    )
    channel.refresh_from_db()
    message = Message.objects.get(pk=send(channel).json()["id"])
    operator = operator_takes(message)

    services.operator_message_send(session_id=message.session_id, user=operator.user, text="Hi")

    assert receiver.attempts == 0
    assert [m["text"] for m in poll(channel).json()["results"]][-1] == "Hi"
    assert not Message.objects.filter(sender_type=SenderType.SYSTEM, internal=True).exists()


def test_the_connector_reads_a_body_as_the_endpoint_does(channel):
    connector = ApiConnector(channel)

    [inbound] = connector.parse(
        b'{"external_id": " user-1 ", "text": "Hi", "client_id": "c-1", '
        b'"email": "Ada@Example.org", "attributes": {"plan": "team"}}'
    )

    assert (inbound.external_id, inbound.text, inbound.client_id) == ("user-1", "Hi", "c-1")
    assert inbound.email == "ada@example.org"
    assert inbound.meta == {"attributes": {"plan": "team"}}
    for bad in (b"[]", b"{", b'{"external_id": "u", "text": "", "client_id": "c"}'):
        with pytest.raises(ValueError):
            connector.parse(bad)


def test_an_external_id_with_a_line_break_is_answered_in_json(channel):
    response = poll(channel, external_id="a%0Ab%C2%9E")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_deliveries_are_retried_on_the_outbound_webhooks_schedule_then_failed(channel, receiver):
    from contactcenter import webhooks
    from inbox.models import DeliveryStatus

    message = Message.objects.get(pk=send(channel).json()["id"])
    operator = operator_takes(message)
    receiver.statuses = [500] * 20
    reply = services.operator_message_send(
        session_id=message.session_id, user=operator.user, text="Hello"
    ).message
    assert (
        ApiConnector.retry_policy
        == (webhooks.MAX_ATTEMPTS, webhooks.backoff_s)
        == (
            8,
            webhooks.backoff_s,
        )
    )
    waits = [webhooks.backoff_s(n) for n in (1, 2, 3, 7)]
    assert 8 <= waits[0] <= 12 and 24 <= waits[1] <= 36 and 72 <= waits[2] <= 108
    assert waits[3] <= 6 * 3600 * 1.2

    from celery.exceptions import Retry

    with pytest.raises(Retry) as retried:
        connector_reply_send.apply(args=[reply.pk], retries=3)  # the 4th attempt
    reply.refresh_from_db()
    assert 270 * 0.8 <= float(retried.value.when) <= 270 * 1.2  # 10 s x 3 x 3 x 3
    assert reply.status == DeliveryStatus.PENDING

    connector_reply_send.apply(args=[reply.pk], retries=7)  # the 8th and last attempt
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.FAILED
    assert receiver.verified and {d["status"] for d in receiver.verified} == {500}
