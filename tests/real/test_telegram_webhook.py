"""The Telegram webhook on PostgreSQL: Telegram redelivers an update it got no answer
for, so copies of one update can arrive at the same moment in different web
processes; each is answered 200 and one message is stored."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from crm.models import ChannelType
from inbox.models import Message
from tests import factories
from tests.real.support import real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

COPIES = 3
SECRET = "real-tier-secret"


def _update(update_id: int, text: str) -> bytes:
    sender = {"id": 5151, "is_bot": False, "first_name": "Ada"}
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "from": sender,
                "chat": {"id": 5151, "type": "private"},
                "date": 1733130000,
                "text": text,
            },
        }
    ).encode()


def _at_once(channel_key: str, body: bytes) -> tuple[list[int], list[BaseException]]:
    start = threading.Barrier(COPIES)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            answer = Client().post(
                f"/hooks/telegram/{channel_key}/",
                body,
                content_type="application/json",
                secure=True,  # production-like settings redirect plain HTTP
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
            )
            statuses.append(answer.status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses, errors


def test_three_copies_of_a_first_update_at_once_store_one_message_in_one_dialog() -> None:
    # given a Telegram channel (no bot token: nothing is sent back in this test)
    channel = factories.ChannelFactory(type=ChannelType.TELEGRAM, config={"webhook_secret": SECRET})

    # when the first update of a new user arrives three times at the same moment
    statuses, errors = _at_once(channel.key, _update(77, "Hello"))

    # then each copy is answered 200 and one contact, dialog and message exist
    assert errors == []
    assert statuses == [200] * COPIES
    # (besides the notice of the customer's place in line, which the product sends)
    [message] = Message.objects.filter(dialog__channel=channel, sender_type="contact")
    assert (message.text, message.client_id) == ("Hello", "tg:77")

    # and a later update in the same dialog (the steady path) is stored once too
    statuses, errors = _at_once(channel.key, _update(78, "Anyone?"))
    assert errors == [] and statuses == [200] * COPIES
    assert Message.objects.filter(dialog__channel=channel, client_id="tg:78").count() == 1
