"""The API channel's settings: a webhook address checked like a webhook subscription's,
secrets made when left empty, write-only in the API, shown once in the admin."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from crm.models import ChannelType
from inbox.models import Channel
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/channels/"


def create(admin_api, config):  # type: ignore[no-untyped-def]
    return admin_api.post(URL, {"type": "api", "name": "Shop app", "config": config}, format="json")


def test_secrets_left_empty_are_made_and_never_shown(admin_api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True

    response = create(admin_api, {"webhook_url": "http://127.0.0.1:8080/hook"})

    assert response.status_code == 201, response.data
    channel = Channel.objects.get(pk=response.json()["id"])
    inbound, signing = channel.config["inbound_secret"], channel.config["webhook_secret"]
    assert len(inbound) >= 40 and len(signing) >= 40 and inbound != signing
    for body in (response.content, admin_api.get(f"{URL}{channel.pk}/").content):
        assert inbound.encode() not in body and signing.encode() not in body
    assert response.json()["config"]["webhook_url"] == "http://127.0.0.1:8080/hook"


def test_an_edit_keeps_the_secrets_and_typed_ones_replace_them(admin_api):
    response = create(admin_api, {"inbound_secret": "typed-by-the-admin-0001"})
    channel = Channel.objects.get(pk=response.json()["id"])
    made = channel.config["webhook_secret"]
    assert channel.config["inbound_secret"] == "typed-by-the-admin-0001"

    admin_api.patch(f"{URL}{channel.pk}/", {"config": {"webhook_url": ""}}, format="json")
    channel.refresh_from_db()
    assert channel.config["inbound_secret"] == "typed-by-the-admin-0001"
    assert channel.config["webhook_secret"] == made

    admin_api.patch(
        f"{URL}{channel.pk}/", {"config": {"inbound_secret": "a-new-one-for-the-app-02"}}
    )
    channel.refresh_from_db()
    assert channel.config["inbound_secret"] == "a-new-one-for-the-app-02"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"webhook_url": "ftp://files.example/hook"}, "http"),
        ({"webhook_url": "not an address"}, "http"),
        ({"webhook_url": 42}, "webhook_url"),
        ({"webhook_url": "http://user:pw@hooks.example/"}, "password"),
        ({"webhook_url": "http://127.0.0.1/hook"}, "private"),
        ({"webhook_url": "http://10.1.2.3/hook"}, "private"),
        ({"inbound_secret": "short"}, "16"),
        ({"webhook_secret": "short"}, "16"),
        ({"inbound_secret": 12345678901234567}, "string"),
    ],
)
def test_bad_settings_are_a_clear_400(admin_api, config, words):
    response = create(admin_api, config)

    assert response.status_code == 400
    [message] = response.json()["config"]
    assert words in message
    assert not Channel.objects.filter(type=ChannelType.API).exists()


def test_the_admin_shows_made_secrets_once_and_rotates_them(client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    client.force_login(factories.AdminUserFactory())

    response = client.post(
        "/admin/inbox/channel/add/",
        {
            "type": "api",
            "name": "Shop app",
            "is_active": "on",
            "config": json.dumps({"webhook_url": "http://127.0.0.1:8080/hook"}),
            "allowed_origins": "",
            **{
                f"{inline}-{n}_FORMS": "0"
                for inline in ("invitations", "topics")
                for n in ("TOTAL", "INITIAL")
            },
        },
        follow=True,
    )

    channel = Channel.objects.get(type=ChannelType.API)
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert channel.config["inbound_secret"] in shown
    assert channel.config["webhook_secret"] in shown
    page = client.get(f"/admin/inbox/channel/{channel.pk}/change/").content.decode()
    assert channel.config["inbound_secret"] not in page
    assert f"/api/v1/inbound/{channel.key}/messages/" in page

    old = channel.config["inbound_secret"]
    response = client.post(
        "/admin/inbox/channel/",
        {"action": "inbound_secret_rotate", "_selected_action": [channel.pk]},
        follow=True,
    )
    channel.refresh_from_db()
    assert channel.config["inbound_secret"] != old
    assert channel.config["inbound_secret"] in response.content.decode()


def test_a_typed_secret_is_kept_without_surrounding_blanks(admin_api):
    response = create(admin_api, {"inbound_secret": "  typed-by-the-admin-0001\n"})

    channel = Channel.objects.get(pk=response.json()["id"])
    assert channel.config["inbound_secret"] == "typed-by-the-admin-0001"
    sent = APIClient().post(
        f"/api/v1/inbound/{channel.key}/messages/",
        {"external_id": "u-1", "text": "Hi", "client_id": "c-1"},
        format="json",
        HTTP_AUTHORIZATION="Bearer typed-by-the-admin-0001",
    )
    assert sent.status_code == 201
