"""Meta delivers the same WhatsApp message three times at the same moment (its retries
overlap): on PostgreSQL, each request on its own connection, one message is stored and
every request is answered 200."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from crm.models import ContactIdentity
from inbox.connectors import views
from inbox.models import Dialog, Message, SenderType
from tests.inbox.connectors import whatsapp_support
from tests.inbox.connectors.whatsapp_support import NUMBER, post_signed, text_value
from tests.real.support import real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

REPEATS = 3
# the local Graph API and a WhatsApp channel pointed at it
graph_api = whatsapp_support.graph_api
whatsapp_channel = whatsapp_support.whatsapp_channel


@pytest.fixture(autouse=True)
def _hook_threads_let_go() -> Iterator[None]:
    """The webhook's threads keep their connections; closed after the test, so that the
    test database can be dropped."""
    yield
    start = threading.Barrier(views.HOOK_THREADS)

    def close(_: int) -> None:
        start.wait(timeout=10)  # one task in each thread
        connection.close()

    list(views._pool.map(close, range(views.HOOK_THREADS)))


def test_the_same_message_id_three_times_at_once_stores_one_message(
    whatsapp_channel, graph_api
) -> None:
    start = threading.Barrier(REPEATS)
    answers: list[int] = []
    errors: list[BaseException] = []
    value = text_value("Is the tomato seed in stock?", wamid="wamid.HBgLMTU1NTc2NTQzMjEVAgARGBI")

    def deliver() -> None:
        try:
            start.wait()
            answers.append(post_signed(Client(), whatsapp_channel, graph_api, value).status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(REPEATS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert connection.vendor == "postgresql"
    assert errors == []
    assert answers == [200] * REPEATS
    stored = Message.objects.filter(sender_type=SenderType.CONTACT)
    assert [m.text for m in stored] == ["Is the tomato seed in stock?"]
    assert ContactIdentity.objects.filter(external_id=NUMBER).count() == 1
    assert Dialog.objects.count() == 1
