"""The widget's HTTP API: channel settings for the widget and new visitors."""

from __future__ import annotations

import pytest

from inbox.models import ProactiveInvitation, WidgetVisitor
from routing.models import Operator
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_widget_gets_its_channel_settings(client):
    channel = factories.ChannelFactory(
        name="Shop",
        config={
            "color": "#ff0000",
            "greeting": "Hi!",
            "prechat": {
                "enabled": True,
                "fields": [{"name": "email", "required": True}, {"name": "ssn"}],
            },
        },
    )
    topic = factories.TopicFactory(channel=channel, title="Orders")
    ProactiveInvitation.objects.create(channel=channel, message="Need help?", delay_s=5)

    body = client.get(f"/widget/api/{channel.key}/config/").json()

    assert body["name"] == "Shop"
    assert (body["color"], body["greeting"]) == ("#ff0000", "Hi!")
    assert body["prechat"] == {"enabled": True, "fields": [{"name": "email", "required": True}]}
    assert body["topics"] == [{"id": topic.pk, "title": "Orders"}]
    assert body["invitations"][0]["message"] == "Need help?"
    assert body["attachments"]["max_bytes"] > 0


def test_secrets_never_reach_the_widget(client):
    channel = factories.ChannelFactory(type="api", config={"webhook_secret": "s3cr3t"})
    assert client.get(f"/widget/api/{channel.key}/config/").status_code == 404


def test_a_visitor_is_created_with_a_token(client):
    channel = factories.ChannelFactory()

    response = client.post(
        f"/widget/api/{channel.key}/visitors/",
        {"name": "Ada", "email": "ada@example.org", "page_url": "https://shop.example/cart"},
        content_type="application/json",
    )

    assert response.status_code == 201
    token = response.json()["visitor_token"]
    visitor = WidgetVisitor.objects.get()
    assert visitor.dialog.contact.email == "ada@example.org"
    assert visitor.page_url == "https://shop.example/cart"
    assert token not in visitor.token_hash


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"name": ["a"]}, "name"),
        ({"phone": "1" * 40}, "phone"),
    ],
)
def test_bad_visitor_fields_are_400_with_the_field_named(client, body, field):
    channel = factories.ChannelFactory()
    response = client.post(
        f"/widget/api/{channel.key}/visitors/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not WidgetVisitor.objects.exists()


def test_a_body_that_is_not_an_object_is_400(client):
    channel = factories.ChannelFactory()
    for raw in (b"[1]", b"{nope", b'"text"'):
        response = client.post(
            f"/widget/api/{channel.key}/visitors/", raw, content_type="application/json"
        )
        assert response.status_code == 400


def test_unknown_channel_is_404_and_a_foreign_origin_403(client):
    channel = factories.ChannelFactory(allowed_origins=["https://shop.example"])
    assert client.get("/widget/api/nope/config/").status_code == 404
    foreign = client.get(
        f"/widget/api/{channel.key}/config/", headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    own = client.get(
        f"/widget/api/{channel.key}/config/", headers={"origin": "https://shop.example"}
    )
    assert own.status_code == 200


def test_cross_site_pages_may_call_the_widget_api(client):
    channel = factories.ChannelFactory()
    preflight = client.options(
        f"/widget/api/{channel.key}/visitors/",
        headers={"origin": "https://shop.example", "access-control-request-method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://shop.example")


def test_the_widget_hears_when_the_group_is_closed(client):
    channel = factories.ChannelFactory()
    group = channel.default_group
    assert client.get(f"/widget/api/{channel.key}/config/").json()["offline"] is False

    group.always_open = False  # and no working hours: closed
    group.offline_message = "Back on Monday."
    group.save()
    body = client.get(f"/widget/api/{channel.key}/config/").json()

    assert (body["offline"], body["offline_message"]) == (True, "Back on Monday.")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        pytest.param('{"name": "a\\u0000b"}', "name", id="NUL"),
        pytest.param('{"name": "\\ud800"}', "name", id="lone surrogate"),
        pytest.param('{"email": "a\\u0000@b.example"}', "email", id="NUL in e-mail"),
        pytest.param('{"page_url": "https://x.example/\\udc00"}', "page_url", id="in the URL"),
        pytest.param('{"name": 123}', "name", id="a number"),
        pytest.param('{"name": ["Ada"]}', "name", id="a list"),
        pytest.param('{"name": "' + "x" * 201 + '"}', "name", id="over-long"),
        pytest.param('{"x": ' + "[" * 5_000 + "]" * 5_000 + "}", "non_field_errors", id="deep"),
        pytest.param('{"x": ' + "[" * 40 + "]" * 40 + "}", "x", id="40 deep"),
        pytest.param('{"name": NaN}', "name", id="NaN"),
        pytest.param('{"name": 1e999}', "name", id="1e999"),
        pytest.param("[1, 2]", "non_field_errors", id="not an object"),
        pytest.param("null", "non_field_errors", id="null"),
        pytest.param("{", "non_field_errors", id="not JSON"),
        pytest.param(b'{"name": "\xc3\x28"}', "non_field_errors", id="invalid UTF-8"),
    ],
)
def test_a_hostile_visitor_body_is_a_400_naming_the_field(client, raw, field):
    channel = factories.ChannelFactory()

    response = client.post(
        f"/widget/api/{channel.key}/visitors/", raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not WidgetVisitor.objects.exists()


def test_the_widget_says_online_only_while_routing_could_give_someone_the_chat(client):
    # given a channel whose group has one member, offline
    channel = factories.ChannelFactory()
    group = channel.default_group
    group.offline_message = "Leave a message: we answer within the hour."
    group.save()
    anna = factories.OperatorFactory(display_name="Anna", max_sessions=1)
    factories.MembershipFactory(group=group, operator=anna)

    def config():
        return client.get(f"/widget/api/{channel.key}/config/").json()

    # then nobody is available, and the visitor reads the group's offline message
    body = config()
    assert (body["offline"], body["available"]) == (False, False)
    assert body["offline_message"] == "Leave a message: we answer within the hour."

    # when Anna is online with the inbox open: available, no offline message
    Operator.objects.filter(pk=anna.pk).update(status="online", open_sockets=1)
    assert (config()["available"], config()["offline_message"]) == (True, "")

    # when her only seat is taken: not available any more, as routing sees it
    factories.SessionFactory(group=group, operator=anna, status="active")
    assert config()["available"] is False
