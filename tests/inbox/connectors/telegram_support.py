"""Fixtures and helpers of the Telegram tests: the fake Bot API on 127.0.0.1, a
Telegram channel pointed at it, and updates shaped like the Bot API's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crm.models import ChannelType
from tests import factories
from tests.inbox.connectors import fake_bot_api

TOKEN = "7001:AAH-secret-bot-token_for_tests"
SECRET = "hook-secret_0123456789"
ADA = {"id": 424242, "is_bot": False, "first_name": "Ada", "last_name": "Lovelace"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.4\n% test\n" + b"0" * 100


@pytest.fixture
def bot_api() -> Iterator[fake_bot_api.FakeBotApi]:
    api, server = fake_bot_api.start(TOKEN)
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def telegram_channel(db, bot_api):  # type: ignore[no-untyped-def]
    return factories.ChannelFactory(
        type=ChannelType.TELEGRAM,
        name="Shop bot",
        config={"bot_token": TOKEN, "webhook_secret": SECRET, "api_base_url": bot_api.url},
    )


def message_update(update_id: int, **message: Any) -> dict[str, Any]:
    sender = message.pop("sender", ADA)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id + 1000,
            "from": sender,
            "chat": {"id": sender["id"], "type": "private", "first_name": sender["first_name"]},
            "date": 1733130000,
            **message,
        },
    }


def callback_update(update_id: int, data: str, query_id: str = "cbq-1") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": ADA,
            "chat_instance": "-1",
            "message": {"message_id": 5, "chat": {"id": ADA["id"], "type": "private"}},
            "data": data,
        },
    }


def post_update(client, channel, update, *, secret: str | None = SECRET):  # type: ignore[no-untyped-def]
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return client.post(
        f"/hooks/telegram/{channel.key}/", update, content_type="application/json", **headers
    )
