"""A bot flow on WhatsApp, through the fake Graph API on 127.0.0.1: the menu goes out
as interactive reply buttons or a list, an interactive reply steps the flow, a typed
title works like a press, and the handoff queues the chat for the flow's group."""

from __future__ import annotations

import pytest

from bots.models import BotMode
from bots.services import flows
from inbox.models import Session, SessionStatus
from tests import factories
from tests.bots.test_runtime import demo_flow
from tests.conftest import eventually
from tests.inbox.connectors.whatsapp_support import (
    graph_api,
    message_value,
    post_signed,
    text_value,
    whatsapp_channel,
)

__all__ = ["graph_api", "whatsapp_channel"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sales(whatsapp_channel, settings):  # type: ignore[no-untyped-def]
    settings.QUEUE_NOTICES = False  # count only the bot's messages
    support, sales = factories.GroupFactory(name="Support"), factories.GroupFactory(name="Sales")
    whatsapp_channel.default_group = support
    whatsapp_channel.save()
    flows.bot_create(
        name="Shop helper",
        flow=demo_flow(sales=sales.pk, vip=sales.pk),
        channels=[whatsapp_channel],
        mode=BotMode.ALWAYS,
    )
    return sales


def test_a_whatsapp_customer_answers_the_menu_and_reaches_sales(
    client, whatsapp_channel, graph_api, sales
):
    post_signed(client, whatsapp_channel, graph_api, text_value("Hello", wamid="wamid.A1"))

    menu = eventually(lambda: graph_api.sent, lambda sent: len(sent) >= 2)[-1]
    assert menu["type"] == "interactive" and menu["interactive"]["type"] == "button"
    ids = [b["reply"]["id"] for b in menu["interactive"]["action"]["buttons"]]
    assert ids == ["b:menu:b1", "b:menu:b2", "b:menu:b3"]

    reply = {"type": "button_reply", "button_reply": {"id": "b:menu:b2", "title": "Sales"}}
    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.A2", "type": "interactive", "interactive": reply}),
    )
    post_signed(
        client, whatsapp_channel, graph_api, text_value("ada@example.com", wamid="wamid.A3")
    )

    texts = eventually(
        lambda: [m["text"]["body"] for m in graph_api.sent if m["type"] == "text"],
        lambda t: t[-1:] == ["Connecting you to sales"],
    )
    assert texts[-2:] == ["Your e-mail?", "Connecting you to sales"]
    session = eventually(Session.objects.get, lambda s: s.status == SessionStatus.QUEUED)
    assert session.status == SessionStatus.QUEUED and session.group_id == sales.pk


def test_a_typed_title_on_whatsapp_works_like_a_press(client, whatsapp_channel, graph_api, sales):
    post_signed(client, whatsapp_channel, graph_api, text_value("Hello", wamid="wamid.B1"))
    eventually(lambda: graph_api.sent, lambda sent: len(sent) >= 2)

    post_signed(
        client, whatsapp_channel, graph_api, text_value("nothing, thanks", wamid="wamid.B2")
    )

    texts = eventually(
        lambda: [m["text"]["body"] for m in graph_api.sent if m["type"] == "text"],
        lambda t: "Glad to help!" in t,
    )
    assert "Glad to help!" in texts
    assert eventually(Session.objects.get, lambda s: not s.is_open).status == "closed"
