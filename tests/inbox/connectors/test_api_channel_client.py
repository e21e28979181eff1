"""The example client of docs/api-channel.md works as documented: against the product
served on loopback it sends a message, receives an operator's answer as a verified
webhook and reads the conversation by polling."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.cache import cache

from crm.models import ChannelType
from inbox import services
from inbox.models import Message, Session, SessionStatus
from tests import factories

pytestmark = pytest.mark.queue_notices

CLIENT = Path(__file__).resolve().parents[3] / "docs" / "examples" / "api_channel_client.py"
INBOUND_SECRET = "inbound-secret-of-the-docs-client-1"
WEBHOOK_SECRET = "webhook-secret-of-the-docs-client-1"


def load_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_channel_client", CLIENT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_the_documented_client_sends_receives_and_polls(live_server, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    cache.clear()
    client = load_client()
    received: list[dict[str, Any]] = []
    server = client.webhook_server("127.0.0.1", 0, WEBHOOK_SECRET, received.append)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    channel = factories.ChannelFactory(
        type=ChannelType.API,
        config={
            "inbound_secret": INBOUND_SECRET,
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_url": f"http://127.0.0.1:{server.server_address[1]}/hook",
        },
    )
    base, key = live_server.url, channel.key
    try:
        # the app sends, and sends again after a timeout with the same client_id
        sent = client.send(
            base, key, INBOUND_SECRET, external_id="user 1/42", text="Hi", client_id="c-1"
        )
        again = client.send(
            base, key, INBOUND_SECRET, external_id="user 1/42", text="Hi", client_id="c-1"
        )
        assert sent["created"] and not again["created"]
        assert sent["id"] == again["id"]
        # an operator answers: the app's webhook server gets it, verified
        operator = factories.OperatorFactory(display_name="Anna")
        session_id = Message.objects.get(pk=sent["id"]).session_id
        Session.objects.filter(pk=session_id).update(status=SessionStatus.ACTIVE, operator=operator)
        services.operator_message_send(session_id=session_id, user=operator.user, text="Hello!")
        deadline = time.monotonic() + 5
        answers = lambda: [e for e in received if e["message"]["sender_type"] == "operator"]  # noqa: E731
        while not answers() and time.monotonic() < deadline:
            time.sleep(0.05)
        # (the automated messages, such as the place in line, are delivered too)
        [envelope] = answers()
        assert envelope["external_id"] == "user 1/42"
        assert envelope["message"]["text"] == "Hello!"
        # and polling reads the whole conversation, or what came after an id
        polled = client.poll(base, key, INBOUND_SECRET, external_id="user 1/42")
        # the customer was also told their place in line while waiting
        assert [m["text"] for m in polled if m["sender_type"] != "system"] == ["Hi", "Hello!"]
        assert any(m["text"].startswith("You are next in line") for m in polled)
        later = client.poll(base, key, INBOUND_SECRET, external_id="user 1/42", after=sent["id"])
        assert [m["text"] for m in later if m["sender_type"] != "system"] == ["Hello!"]
        assert client.poll(base, key, INBOUND_SECRET, external_id="nobody") == []
        with pytest.raises(client.ApiError) as refused:
            client.send(base, key, "wrong-secret-wrong-secret", external_id="u", text="x")
        assert refused.value.status == 401
    finally:
        server.shutdown()
        server.server_close()


def test_the_documented_verification_refuses_forged_and_old_webhooks():
    client = load_client()
    body = b'{"event":"message.created"}'
    now = str(int(time.time()))
    good = "sha256=" + hmac.new(b"s3cret", now.encode() + b"." + body, hashlib.sha256).hexdigest()

    assert client.verify("s3cret", {"X-Webhook-Timestamp": now, "X-Webhook-Signature": good}, body)
    assert not client.verify(
        "other", {"X-Webhook-Timestamp": now, "X-Webhook-Signature": good}, body
    )
    assert not client.verify(
        "s3cret", {"X-Webhook-Timestamp": now, "X-Webhook-Signature": good}, body + b" "
    )
    old = str(int(time.time()) - 3600)
    stale = "sha256=" + hmac.new(b"s3cret", old.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert not client.verify(
        "s3cret", {"X-Webhook-Timestamp": old, "X-Webhook-Signature": stale}, body
    )
