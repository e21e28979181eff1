"""Fixtures and helpers of the WhatsApp tests: the fake Graph API on 127.0.0.1 and a
WhatsApp channel pointed at it; webhooks posted signed, as Meta posts them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crm.models import ChannelType
from inbox.models import Channel
from tests import factories
from tests.inbox.connectors.fake_graph_api import FakeGraphApi, FakeGraphServer

TOKEN = "EAAG-test-access-token-0123456789abcdef"
APP_SECRET = "app-secret-4f1e2d3c"
VERIFY_TOKEN = "verify-me-please"
NUMBER = "15557654321"  # the contact's WhatsApp number
TEMPLATES = [
    {"name": "order_update", "language": "en_US", "body": "Hi {{1}}, your order {{2}} shipped."},
    {"name": "follow_up", "language": "ru", "body": "Здравствуйте! Мы ответили на ваш вопрос."},
]


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    with FakeGraphServer(FakeGraphApi(token=TOKEN, app_secret=APP_SECRET)) as api:
        yield api


@pytest.fixture
def whatsapp_channel(db, graph_api: FakeGraphApi) -> Channel:  # type: ignore[no-untyped-def]
    return factories.ChannelFactory(
        type=ChannelType.WHATSAPP,
        name="WhatsApp",
        config={
            "phone_number_id": graph_api.phone_number_id,
            "access_token": TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "api_base_url": graph_api.url,
            "templates": TEMPLATES,
        },
    )


def hook_url(channel: Channel) -> str:
    return f"/hooks/whatsapp/{channel.key}/"


def post_signed(client: Any, channel: Channel, api: FakeGraphApi, value: dict[str, Any]) -> Any:
    body, signature = api.signed(api.webhook(value))
    return client.post(
        hook_url(channel),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        secure=True,  # Meta posts over HTTPS only
    )


def text_value(
    text: str, *, wamid: str = "wamid.HBgLMTU1NTc2NTQzMjEVAgASGBQzQUI1", name: str = "Ada"
) -> dict:
    return {
        "contacts": [{"profile": {"name": name}, "wa_id": NUMBER}],
        "messages": [
            {
                "from": NUMBER,
                "id": wamid,
                "timestamp": "1733130000",
                "type": "text",
                "text": {"body": text},
            }
        ],
    }


def message_value(message: dict[str, Any], *, name: str = "Ada") -> dict:
    return {
        "contacts": [{"profile": {"name": name}, "wa_id": NUMBER}],
        "messages": [{"from": NUMBER, "timestamp": "1733130000", **message}],
    }


def status_value(wamid: str, status: str) -> dict:
    return {
        "statuses": [
            {
                "id": wamid,
                "status": status,
                "timestamp": "1733130100",
                "recipient_id": NUMBER,
            }
        ]
    }
