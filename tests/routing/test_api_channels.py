"""channels/: admins configure intake points; secrets never leave the server."""

from __future__ import annotations

import pytest

from contactcenter import roles
from inbox.models import Channel
from routing.models import Group, Topic
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/channels/"


def detail(channel: Channel) -> str:
    return f"{URL}{channel.pk}/"


def test_admin_creates_a_widget_channel_with_topics_and_origins(admin_api):
    # given
    sales, support = factories.GroupFactory(), factories.GroupFactory()
    # when
    response = admin_api.post(
        URL,
        {
            "type": "widget",
            "name": "Website",
            "default_group": support.pk,
            "topics": [
                {"title": "Buy", "group": sales.pk},
                {"title": "Help", "group": support.pk},
            ],
            "config": {"allowed_origins": ["https://Shop.Example", "http://localhost:8000"]},
        },
    )
    # then
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["type"] == "widget"
    assert body["name"] == "Website"
    assert len(body["key"]) >= 20
    assert body["default_group"] == support.pk
    assert [(t["title"], t["group"]) for t in body["topics"]] == [
        ("Buy", sales.pk),
        ("Help", support.pk),
    ]
    assert all(isinstance(t["id"], int) for t in body["topics"])
    assert body["config"] == {"allowed_origins": ["https://shop.example", "http://localhost:8000"]}
    channel = Channel.objects.get(pk=body["id"])
    assert channel.allowed_origins == ["https://shop.example", "http://localhost:8000"]
    assert channel.config == {}


def test_secrets_are_stored_but_never_shown(admin_api):
    response = admin_api.post(
        URL,
        {
            "type": "telegram",
            "name": "Bot",
            "config": {"bot_token": "123:SECRET", "webhook_secret": "s3cr3t", "greeting": "Hi"},
        },
    )
    assert response.status_code == 201
    assert response.json()["config"] == {"greeting": "Hi", "allowed_origins": []}
    assert "SECRET" not in response.content.decode()
    channel = Channel.objects.get(pk=response.json()["id"])
    assert channel.config["bot_token"] == "123:SECRET"
    for body in (admin_api.get(URL).content, admin_api.get(detail(channel)).content):
        assert b"SECRET" not in body
        assert b"s3cr3t" not in body


def test_an_edit_without_the_secrets_keeps_them(admin_api):
    # given
    channel = factories.ChannelFactory(
        type="telegram", config={"bot_token": "123:SECRET", "greeting": "Hi"}
    )
    # when
    response = admin_api.patch(
        detail(channel), {"name": "Renamed", "config": {"greeting": "Hello", "bot_token": ""}}
    )
    # then
    assert response.status_code == 200, response.data
    assert response.json()["config"] == {"greeting": "Hello", "allowed_origins": []}
    channel.refresh_from_db()
    assert channel.name == "Renamed"
    assert channel.config == {"greeting": "Hello", "bot_token": "123:SECRET"}


def test_a_new_secret_replaces_the_old_one(admin_api):
    channel = factories.ChannelFactory(type="telegram", config={"bot_token": "old"})
    admin_api.patch(detail(channel), {"config": {"bot_token": "new"}})
    channel.refresh_from_db()
    assert channel.config["bot_token"] == "new"


def test_topics_are_updated_by_id_created_without_and_deleted_when_missing(admin_api):
    # given
    channel = factories.ChannelFactory()
    group = factories.GroupFactory()
    keep = factories.TopicFactory(channel=channel, title="Keep", group=group)
    drop = factories.TopicFactory(channel=channel, title="Drop", group=group)
    # when
    response = admin_api.patch(
        detail(channel),
        {
            "topics": [
                {"title": "New", "group": group.pk},
                {"id": keep.pk, "title": "Kept and renamed", "group": group.pk},
            ]
        },
    )
    # then
    assert response.status_code == 200, response.data
    topics = response.json()["topics"]
    assert [t["title"] for t in topics] == ["New", "Kept and renamed"]
    assert topics[1]["id"] == keep.pk
    assert not Topic.objects.filter(pk=drop.pk).exists()


def test_a_topic_of_another_channel_is_refused(admin_api):
    channel = factories.ChannelFactory()
    foreign = factories.TopicFactory()
    response = admin_api.patch(
        detail(channel), {"topics": [{"id": foreign.pk, "title": "X", "group": foreign.group_id}]}
    )
    assert response.status_code == 400
    assert "topics" in response.json()
    foreign.refresh_from_db()
    assert foreign.title != "X"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "fax"}, "type"),
        ({"config": ["not", "an", "object"]}, "config"),
        ({"config": {"allowed_origins": "https://shop.example"}}, "config"),
        ({"config": {"allowed_origins": ["https://shop.example/path"]}}, "config"),
        ({"config": {"allowed_origins": ["ftp://shop.example"]}}, "config"),
        ({"config": {"allowed_origins": ["shop.example"]}}, "config"),
        ({"config": {"allowed_origins": [42]}}, "config"),
        ({"config": {"allowed_origins": ["https://shop.example:99999"]}}, "config"),
        ({"config": {"bot_token": 12345}}, "config"),
        ({"default_group": 987654}, "default_group"),
        ({"topics": [{"title": "No group"}]}, "topics"),
        ({"topics": [{"title": "X", "group": 987654}]}, "topics"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_channel_input_is_a_400(admin_api, payload, field):
    response = admin_api.post(URL, {"type": "telegram", "name": "Valid", **payload})
    assert response.status_code == 400
    assert field in response.json()
    assert not Channel.objects.exists()


def test_the_type_of_a_channel_cannot_change(admin_api):
    channel = factories.ChannelFactory(type="widget")
    response = admin_api.patch(detail(channel), {"type": "telegram"})
    assert response.status_code == 400
    assert "type" in response.json()


def test_the_key_is_read_only(admin_api):
    channel = factories.ChannelFactory()
    admin_api.patch(detail(channel), {"key": "mine"})
    channel.refresh_from_db()
    assert channel.key != "mine"


def test_a_channel_without_conversations_can_be_deleted(admin_api):
    channel = factories.ChannelFactory()
    assert admin_api.delete(detail(channel)).status_code == 204
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_a_channel_with_conversations_cannot_be_deleted(admin_api):
    dialog = factories.DialogFactory()
    response = admin_api.delete(detail(dialog.channel))
    assert response.status_code == 409
    assert Channel.objects.filter(pk=dialog.channel_id).exists()


def test_deleting_the_default_group_leaves_the_channel_without_one(admin_api):
    channel = factories.ChannelFactory()
    admin_api.delete(f"/api/v1/groups/{channel.default_group_id}/")
    assert admin_api.get(detail(channel)).json()["default_group"] is None
    assert not Group.objects.filter(pk=channel.default_group_id).exists()


def test_only_admins_may_use_channels():
    channel = factories.ChannelFactory()
    operator = factories.MembershipFactory(group=channel.default_group).operator
    manager = factories.UserFactory(roles=[roles.CRM_MANAGERS])
    for user in (operator.user, manager):
        client = api_as(user)
        assert client.get(URL).status_code == 403
        assert client.get(detail(channel)).status_code == 403
        assert client.patch(detail(channel), {"name": "X"}).status_code == 403
        assert client.post(URL, {"type": "widget", "name": "X"}).status_code == 403
        assert client.delete(detail(channel)).status_code == 403


def test_channels_need_authentication(api_client):
    assert api_client.get(URL).status_code == 401
