"""The faq node of a bot flow answers from the knowledge base, live: a customer writes
on a channel whose bot is "FAQ first, then a person", through inbox's
contact_message_receive; the bot answers in the customer's language and hands off when
nothing matches."""

from __future__ import annotations

from typing import Any

import pytest

from bots.models import BotMode
from bots.services import flows, stepper
from inbox import services as inbox_services
from inbox.models import Message, SenderType, Session, SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

FAQ_FIRST = {
    "start": "ask",
    "nodes": {
        "ask": {
            "type": "faq",
            "text": "Ask me anything",
            "next": "ask",
            "no_match_next": "people",
        },
        "people": {"type": "handoff", "group": None, "text": "Connecting you to a person"},
    },
}


@pytest.fixture
def channel(demo_kb):  # type: ignore[no-untyped-def]
    channel = factories.ChannelFactory(name="Site", default_group=factories.GroupFactory())
    flows.bot_create(name="FAQ", flow=FAQ_FIRST, channels=[channel], mode=BotMode.ALWAYS)
    return channel


def writes(dialog_id: int, text: str) -> Any:
    """The customer writes and waits for the bot's reply (on PostgreSQL the bot answers
    in its step thread: bots.services.stepper)."""
    stored = inbox_services.contact_message_receive(dialog_id=dialog_id, text=text)
    assert stepper.steps_wait(10), "the bot did not answer within 10 s"
    return stored


def bot_said(session: Session) -> list[str]:
    return list(
        Message.objects.filter(session=session, sender_type=SenderType.BOT)
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_the_bot_answers_from_the_knowledge_base_in_each_language_then_hands_off(channel):
    visitor, _token = inbox_services.widget_visitor_create(channel=channel)
    first = writes(visitor.dialog_id, "Hi")
    session = Session.objects.get(pk=first.message.session_id)
    assert session.status == SessionStatus.BOT

    writes(visitor.dialog_id, "сколько стоит доставка курьером?")
    writes(visitor.dialog_id, "how do i cancel my order")
    writes(visitor.dialog_id, "какая завтра погода на марсе")

    said = bot_said(session)
    assert said[0] == "Ask me anything"
    assert said[1].startswith("Доставка курьером")
    assert said[2] == "Ask me anything"
    assert said[3].startswith("You can cancel an order")
    assert said[-1] == "Connecting you to a person"
    assert Session.objects.get(pk=session.pk).status == SessionStatus.QUEUED


def test_the_bot_admin_offers_the_faq_first_preset(admin_client):
    listing = admin_client.get("/admin/bots/bot/")
    form = admin_client.get("/admin/bots/bot/add/?preset=faq")

    assert "/admin/bots/bot/add/?preset=faq" in listing.content.decode()
    flow = form.context["adminform"].form.initial["flow"]
    assert flow["nodes"]["ask"]["type"] == "faq"
    assert flow["nodes"]["ask"]["no_match_next"] == "people"
    assert flow["nodes"]["people"]["type"] == "handoff"
    assert form.context["adminform"].form.initial["mode"] == "always"


def test_the_demo_data_loads_the_articles_and_an_faq_bot_that_answers_at_once():
    from contactcenter.management.demo import demo_data_load
    from kb.models import Article

    demo_data_load()
    demo_data_load()  # idempotent

    assert Article.objects.count() == 40
    help_centre = factories.ChannelFactory._meta.model.objects.get(name="Help centre")
    visitor, _token = inbox_services.widget_visitor_create(channel=help_centre)
    first = writes(visitor.dialog_id, "привет")
    writes(visitor.dialog_id, "где мой заказ?")
    said = bot_said(Session.objects.get(pk=first.message.session_id))
    assert said[1].startswith("Статус заказа отображается")
