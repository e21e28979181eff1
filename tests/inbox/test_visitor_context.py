"""A website visitor's context (page, referrer, browser, language, time zone): taken at
creation and over the socket, cleaned, and shown to the staff who may see the dialog."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from contactcenter.asgi import application
from inbox import services
from inbox.models import WidgetVisitor
from inbox.useragent import browser_label
from tests import factories
from tests.conftest import api_as

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (CHROME_WINDOWS, "Chrome 120 on Windows"),
        (SAFARI_IPHONE, "Safari 17 on iOS"),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox 121 on Linux",
        ),
        (CHROME_WINDOWS + " Edg/120.0.2210.91", "Edge 120 on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/119.0.0.0 YaBrowser/23.11.0.0 Safari/537.36",
            "Yandex Browser 23 on macOS",
        ),
        ("curl/8.4.0", ""),
        ("", ""),
    ],
)
def test_a_user_agent_becomes_a_short_browser_name(agent, label):
    assert browser_label(agent) == label


@pytest.mark.django_db
def test_the_visitor_api_stores_the_context_and_the_browser_from_the_header():
    channel = factories.ChannelFactory()
    response = api_as(factories.UserFactory()).post(
        f"/widget/api/{channel.key}/visitors/",
        {
            "page_url": "https://shop.example/pricing",
            "page_title": "  Pricing \n - Shop ",
            "referrer": "https://search.example/?q=seeds",
            "language": "de-DE",
            "time_zone": "Europe/Berlin",
            "utc_offset_min": 60,
        },
        format="json",
        HTTP_USER_AGENT=CHROME_WINDOWS,
    )

    assert response.status_code == 201, response.content
    visitor = WidgetVisitor.objects.get(channel=channel)
    assert visitor.page_title == "Pricing - Shop"
    assert visitor.referrer == "https://search.example/?q=seeds"
    assert (visitor.language, visitor.time_zone, visitor.utc_offset_min) == (
        "de-DE",
        "Europe/Berlin",
        60,
    )
    assert visitor.user_agent == CHROME_WINDOWS


@pytest.mark.django_db
def test_unusable_context_is_dropped_and_a_wrong_type_is_a_400():
    channel = factories.ChannelFactory()
    client = api_as(factories.UserFactory())
    url = f"/widget/api/{channel.key}/visitors/"

    created = client.post(
        url,
        {"referrer": "javascript:alert(1)", "time_zone": "Mars/Olympus", "page_title": "x" * 900},
        format="json",
    )
    refused = client.post(url, {"utc_offset_min": "sixty", "page_title": ["a"]}, format="json")

    assert created.status_code == 201
    visitor = WidgetVisitor.objects.get(channel=channel)
    assert (visitor.referrer, visitor.time_zone, len(visitor.page_title)) == ("", "", 300)
    assert refused.status_code == 400
    assert set(refused.json()) == {"utc_offset_min", "page_title"}


@pytest.mark.django_db
def test_staff_who_see_the_dialog_get_the_visitor_context_and_others_do_not():
    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=group, operator=anna)
    channel = factories.ChannelFactory(default_group=group)
    visitor, _ = services.widget_visitor_create(
        channel=channel,
        page_url="https://shop.example/",
        user_agent=SAFARI_IPHONE,
        time_zone="Asia/Tokyo",
    )
    services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider)

    seen = api_as(anna.user).get(f"/api/v1/dialogs/{visitor.dialog_id}/visitor/")
    hidden = api_as(outsider.user).get(f"/api/v1/dialogs/{visitor.dialog_id}/visitor/")
    bad = api_as(anna.user).get("/api/v1/dialogs/x/visitor/")

    assert seen.status_code == 200
    body = seen.json()
    assert (body["page_url"], body["browser"], body["time_zone"]) == (
        "https://shop.example/",
        "Safari 17 on iOS",
        "Asia/Tokyo",
    )
    assert hidden.status_code == 404
    assert bad.status_code == 400


@pytest.mark.django_db
def test_a_dialog_of_another_channel_has_no_visitor():
    admin = factories.AdminUserFactory()
    session = factories.SessionFactory()

    response = api_as(admin).get(f"/api/v1/dialogs/{session.dialog_id}/visitor/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_browser_name_is_translated():
    from django.utils import translation

    with translation.override("ru"):
        assert browser_label(CHROME_WINDOWS) == "Chrome 120, Windows"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_widget_socket_updates_the_page_and_the_operator_is_told():
    def given():
        group = factories.GroupFactory(name="Support")
        anna = factories.OperatorFactory(display_name="Anna")
        factories.MembershipFactory(group=group, operator=anna)
        channel = factories.ChannelFactory(default_group=group)
        visitor, token = services.widget_visitor_create(channel=channel)
        session = services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
        session = session.message.session
        session.operator, session.status = anna, "active"
        session.save(update_fields=["operator", "status"])
        return channel, visitor, token, anna

    channel, visitor, token, anna = await sync_to_async(given)()
    from rest_framework.authtoken.models import Token

    key = await sync_to_async(lambda: Token.objects.get_or_create(user=anna.user)[0].key)()
    operator = WebsocketCommunicator(
        application,
        "/ws/operator/",
        headers=[(b"authorization", f"Token {key}".encode()), (b"origin", b"http://localhost")],
    )
    assert (await operator.connect())[0]
    widget = WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.key}/?token={token}",
        headers=[(b"origin", b"https://shop.example"), (b"user-agent", CHROME_WINDOWS.encode())],
    )
    assert (await widget.connect())[0]

    await widget.send_to(
        text_data=json.dumps(
            {
                "type": "context",
                "page_url": "https://shop.example/cart",
                "page_title": "Cart",
                "time_zone": "Europe/Riga",
            }
        )
    )
    await widget.send_to(text_data=json.dumps({"type": "context", "utc_offset_min": "x"}))

    while True:
        frame = await operator.receive_json_from(timeout=5)
        if frame["type"] == "visitor.updated":
            break
    assert frame["dialog"] == visitor.dialog_id
    assert frame["visitor"]["page_url"] == "https://shop.example/cart"
    assert frame["visitor"]["browser"] == "Chrome 120 on Windows"
    while True:
        error = await widget.receive_json_from(timeout=5)
        if error["type"] == "error":
            break
    assert error["code"] == "bad_context"
    stored = await sync_to_async(WidgetVisitor.objects.get)(pk=visitor.pk)
    assert (stored.page_title, stored.time_zone) == ("Cart", "Europe/Riga")
    await widget.disconnect()
    await operator.disconnect()


@pytest.mark.django_db
def test_a_visitor_with_no_name_is_customer_number_n_everywhere_an_operator_looks():
    from django.utils import translation

    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=group, operator=anna)
    channel = factories.ChannelFactory(default_group=group)
    visitor, _ = services.widget_visitor_create(channel=channel)
    services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
    contact_id = visitor.dialog.contact_id
    client = api_as(anna.user)

    [row] = client.get("/api/v1/sessions/").json()["results"]
    contact = client.get(f"/api/v1/contacts/{contact_id}/").json()
    with translation.override("ru"):
        russian = str(visitor.dialog.contact)

    assert (row["contact_name"], row["contact_anonymous"]) == (f"Customer #{contact_id}", True)
    assert contact["display_name"] == f"Customer #{contact_id}"
    assert russian == f"Клиент №{contact_id}"


@pytest.mark.django_db
def test_the_real_name_wins_once_known():
    channel = factories.ChannelFactory()
    visitor, _ = services.widget_visitor_create(channel=channel)
    admin = factories.AdminUserFactory()
    contact_id = visitor.dialog.contact_id

    api_as(admin).patch(f"/api/v1/contacts/{contact_id}/", {"name": "Maria"}, format="json")
    services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
    [row] = api_as(admin).get("/api/v1/sessions/").json()["results"]

    assert (row["contact_name"], row["contact_anonymous"]) == ("Maria", False)
    assert api_as(admin).get(f"/api/v1/contacts/{contact_id}/").json()["display_name"] == "Maria"
