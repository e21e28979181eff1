"""Outbound webhooks: signed deliveries to a receiver on loopback, retries with backoff,
the dead letter, and addresses in private networks refused at save and at send. No test
sends traffic anywhere but 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bots import services, tasks
from bots.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from contactcenter import webhooks
from inbox import services as inbox_services
from inbox.models import SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "s3cret-s3cret-s3cret"


def expected_signature(timestamp: str, body: bytes) -> str:
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def subscribe(url: str, events: list[str] | None = None) -> WebhookSubscription:
    # created as an admin would have saved it while allowed; the send checks again
    return WebhookSubscription.objects.create(
        name="Receiver", url=url, events=events or [], secret=SECRET
    )


def deliver(subscription: WebhookSubscription, capture) -> WebhookDelivery:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        delivery = services.webhook_delivery_create(
            subscription=subscription, event="ping", data={"hello": "world"}
        )
    delivery.refresh_from_db()
    return delivery


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"1"}'
    assert webhooks.signature(secret=SECRET, timestamp=1700000000, body=body) == (
        expected_signature("1700000000", body)
    )
    header = expected_signature("1700000000", body)
    assert webhooks.signature_valid(secret=SECRET, timestamp="1700000000", body=body, header=header)
    assert not webhooks.signature_valid(
        secret=SECRET, timestamp="1700000001", body=body, header=header
    )
    assert not webhooks.signature_valid(secret=SECRET, timestamp="²", body=body, header=header)


def test_a_session_event_arrives_signed_at_a_local_receiver(
    allow_private, receiver, django_capture_on_commit_callbacks
) -> None:
    # given a subscription to closed sessions
    subscribe(receiver.url, ["session.closed"])
    session = factories.SessionFactory(status=SessionStatus.ACTIVE)
    # when a session closes
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.session_close(session_id=session.pk)
    # then one signed POST arrived, which the receiver can verify
    [request] = receiver.received
    headers, body = request["headers"], request["body"]
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Webhook-Id"] == str(delivery.pk)
    assert abs(int(headers["X-Webhook-Timestamp"]) - timezone.now().timestamp()) < 60
    assert headers["X-Webhook-Signature"] == expected_signature(
        headers["X-Webhook-Timestamp"], body
    )
    assert headers["Content-Type"] == "application/json"
    envelope = json.loads(body)
    assert envelope["id"] == str(delivery.pk) and envelope["event"] == "session.closed"
    assert envelope["data"]["session"]["id"] == session.pk
    assert envelope["data"]["event"] == {"name": "session.closed", "reason": "resolved"}
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    assert SECRET not in body.decode()


def test_events_not_subscribed_are_not_sent(
    allow_private, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver.url, ["contact.created"])
    session = factories.SessionFactory(status=SessionStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.session_close(session_id=session.pk)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_500_schedules_a_retry_with_backoff_then_dead_after_the_last_attempt(
    allow_private, receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.status = 500
    before = timezone.now()
    delivery = deliver(subscribe(receiver.url), django_capture_on_commit_callbacks)
    # the first attempt failed; the next waits about 10 s (give or take the jitter)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.FAILED,
        1,
        500,
    )
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 8 <= wait <= 12.5
    # the task run again before it is due does nothing
    tasks.webhook_deliver(str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and len(receiver.received) == 1
    # once due, the retry goes out with the same id, and the next wait is about 30 s
    waits = []
    for attempt in range(2, services.MAX_ATTEMPTS + 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
        )
        moment = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.webhook_deliver(str(delivery.pk))
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if delivery.next_attempt_at:
            waits.append((delivery.next_attempt_at - moment).total_seconds())
    assert 24 <= waits[0] <= 36.5 and 72 <= waits[1] <= 108.5
    assert delivery.status == DeliveryStatus.DEAD and delivery.next_attempt_at is None
    assert len(receiver.received) == services.MAX_ATTEMPTS
    assert {r["headers"]["X-Webhook-Id"] for r in receiver.received} == {str(delivery.pk)}


def test_backoff_grows_by_three_with_jitter() -> None:
    for attempts, base in [(1, 10), (2, 30), (3, 90), (4, 270)]:
        assert base * 0.8 <= services.backoff_s(attempts) <= base * 1.2


def test_a_redirect_is_not_followed(allow_private, receiver, django_capture_on_commit_callbacks):
    receiver.status = 302
    delivery = deliver(subscribe(receiver.url), django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_status == 302
    assert "Redirect" in delivery.last_error


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/hook",  # resolves to loopback
        "http://10.0.0.1/hook",
        "http://192.168.1.5/hook",
        "http://169.254.169.254/latest/meta-data",  # link-local: cloud metadata
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_addresses_are_refused_at_save(url: str) -> None:
    subscription = WebhookSubscription(name="x", url=url, events=["session.closed"])
    with pytest.raises(ValidationError) as refused:
        subscription.full_clean()
    assert "url" in refused.value.message_dict


def test_other_schemes_and_credentials_are_refused_at_save() -> None:
    for url in ("ftp://files.example/x", "http://user:pw@127.0.0.1/x"):
        with pytest.raises(ValidationError):
            WebhookSubscription(name="x", url=url).full_clean()


def test_private_addresses_are_allowed_when_the_setting_says_so(allow_private) -> None:
    WebhookSubscription(name="x", url="http://localhost:8000/hook").full_clean()


@pytest.mark.parametrize("url", ["http://localhost:{port}/hooks", "http://10.0.0.1/hooks"])
def test_private_addresses_are_refused_at_send_before_connecting(
    url: str, receiver, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]

    def never(**kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("no connection may be made")

    monkeypatch.setattr(webhooks, "post", never)
    delivery = deliver(subscribe(url.format(port=port)), django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.DEAD  # retrying cannot make it public
    assert "private" in delivery.last_error
    assert receiver.received == []


def test_a_host_that_turns_private_after_saving_is_refused_at_send(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    # given a host that resolved to a public address when the subscription was saved
    answers = {"addr": "93.184.216.34"}

    def fake_getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["addr"], port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", fake_getaddrinfo)
    subscription = WebhookSubscription(name="x", url="https://hooks.example.com/h", secret=SECRET)
    subscription.full_clean()
    subscription.save()
    # when its DNS answer changes to a loopback address
    answers["addr"] = "127.0.0.1"
    monkeypatch.setattr(webhooks, "post", lambda **kw: pytest.fail("connected"))
    delivery = deliver(subscription, django_capture_on_commit_callbacks)
    # then the send refuses it
    assert delivery.status == DeliveryStatus.DEAD and "127.0.0.1" in delivery.last_error


def test_the_connection_goes_to_the_checked_address(
    allow_private, receiver, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    # a name only our checked lookup knows: the POST still reaches the receiver, with the
    # name in the Host header
    port = int(receiver.url.split(":")[2].split("/")[0])

    looked_up = []

    def fake_getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        looked_up.append(host)  # the name once, then the connection's numeric address
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", fake_getaddrinfo)
    delivery = deliver(
        subscribe(f"http://hooks.internal.test:{port}/hooks"), django_capture_on_commit_callbacks
    )
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert receiver.received[0]["headers"]["Host"] == f"hooks.internal.test:{port}"
    assert looked_up == ["hooks.internal.test", "127.0.0.1"]


def test_an_inactive_subscription_gets_nothing(
    allow_private, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver.url)
    subscription.is_active = False
    subscription.save()
    delivery = deliver(subscription, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.DEAD and receiver.received == []


def test_resend_makes_one_more_attempt_with_the_same_id(
    allow_private, receiver, django_capture_on_commit_callbacks
) -> None:
    delivery = deliver(subscribe(receiver.url), django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.SUCCEEDED
    assert [r["headers"]["X-Webhook-Id"] for r in receiver.received] == [str(delivery.pk)] * 2


def test_the_sweep_queues_due_deliveries_only(
    allow_private, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver.url)
    due = WebhookDelivery.objects.create(
        subscription=subscription, event="ping", payload={}, next_attempt_at=timezone.now()
    )
    WebhookDelivery.objects.create(
        subscription=subscription,
        event="ping",
        payload={},
        status=DeliveryStatus.FAILED,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_deliveries_sweep() == 1
    due.refresh_from_db()
    assert due.status == DeliveryStatus.SUCCEEDED and len(receiver.received) == 1


def test_one_event_occurrence_stores_one_delivery_per_subscription(allow_private) -> None:
    subscription = subscribe("http://127.0.0.1:9/none", ["session.closed"])
    session = factories.SessionFactory(status=SessionStatus.CLOSED, close_reason="resolved")
    payload = {"session_id": session.pk, "dialog_id": session.dialog_id, "reason": "resolved"}
    services.event_react(event="session.closed", payload=payload, event_key="same")
    services.event_react(event="session.closed", payload=payload, event_key="same")
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1
