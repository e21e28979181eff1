"""The API channel under true concurrency on PostgreSQL: an app that sends the same
message three times at once (a retry after a timeout, a double tap) stores it once, for
a user who never wrote before (contact, identity, dialog and session all made in the
race) and for one who did."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from crm.models import ChannelType, Contact, ContactIdentity
from inbox.models import Dialog, Message, Session
from tests import factories
from tests.real.support import real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

SECRET = "inbound-secret-of-the-shop-app-0001"
REQUESTS = 3


def _app() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    return client


# Requests are made as https: the real tier may run with HTTPS on, which redirects
# plain ones.


def _post_at_once(key: str, body: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    start = threading.Barrier(REQUESTS)
    answers: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = _app()
            start.wait()
            response = client.post(
                f"/api/v1/inbound/{key}/messages/", body, format="json", secure=True
            )
            answers.append((response.status_code, response.json()))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return answers


@pytest.mark.parametrize("wrote_before", [False, True])
def test_three_identical_posts_at_once_store_one_message(wrote_before):
    cache.clear()
    channel = factories.ChannelFactory(type=ChannelType.API, config={"inbound_secret": SECRET})
    if wrote_before:
        first = _app().post(
            f"/api/v1/inbound/{channel.key}/messages/",
            {"external_id": "user-1842", "text": "Hi", "client_id": "m-0"},
            format="json",
            secure=True,
        )
        assert first.status_code == 201
    body = {
        "external_id": "user-1842",
        "text": "Where is my order?",
        "client_id": "m-1",
        "attributes": {"plan": "team"},
    }

    answers = _post_at_once(channel.key, body)

    assert connection.vendor == "postgresql"
    assert sorted(status for status, _ in answers) == [200] * (REQUESTS - 1) + [201]
    assert len({tuple(sorted(ids.items())) for _, ids in answers}) == 1
    assert Message.objects.filter(text="Where is my order?").count() == 1
    assert ContactIdentity.objects.filter(channel_type="api").count() == 1
    assert Contact.objects.count() == 1
    assert Dialog.objects.count() == 1
    assert Session.objects.count() == 1
    assert Contact.objects.get().attributes == {"plan": "team"}
