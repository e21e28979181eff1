"""A bot flow on Telegram, through the fake Bot API on 127.0.0.1: the menu goes out as
an inline keyboard whose presses (callback queries) and typed numbers step the flow,
and the handoff queues the chat for the group the flow names."""

from __future__ import annotations

import pytest

from bots.models import BotMode
from bots.services import flows
from crm.models import Contact
from inbox.models import Message, SenderType, Session, SessionStatus
from tests import factories
from tests.bots.test_runtime import demo_flow
from tests.conftest import eventually
from tests.inbox.connectors.telegram_support import (
    bot_api,
    callback_update,
    message_update,
    post_update,
    telegram_channel,
)

__all__ = ["bot_api", "telegram_channel"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sales(telegram_channel, settings):  # type: ignore[no-untyped-def]
    settings.QUEUE_NOTICES = False  # count only the bot's messages
    support, sales = factories.GroupFactory(name="Support"), factories.GroupFactory(name="Sales")
    telegram_channel.default_group = support
    telegram_channel.save()
    flows.bot_create(
        name="Shop helper",
        flow=demo_flow(sales=sales.pk, vip=sales.pk),
        channels=[telegram_channel],
        mode=BotMode.ALWAYS,
    )
    return sales


def test_a_telegram_customer_presses_the_menu_gives_an_email_and_reaches_sales(
    client, telegram_channel, bot_api, sales
):
    post_update(client, telegram_channel, message_update(1, text="Hello"))

    sent = lambda: [c.fields["text"] for c in bot_api.of("sendMessage")]  # noqa: E731
    texts = eventually(sent, lambda t: len(t) >= 2)
    assert texts == ["Hi!", "What about?"]
    keyboard = bot_api.of("sendMessage")[-1].fields["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["b:menu:b1", "b:menu:b2", "b:menu:b3"]

    post_update(client, telegram_channel, callback_update(2, "b:menu:b2", "q-1"))
    post_update(client, telegram_channel, message_update(3, text="ada@example.com"))

    texts = eventually(sent, lambda t: len(t) >= 4)
    assert texts[2:] == ["Your e-mail?", "Connecting you to sales"]
    assert [c.fields for c in bot_api.of("answerCallbackQuery")] == [{"callback_query_id": "q-1"}]
    session = eventually(Session.objects.get, lambda s: s.status == SessionStatus.QUEUED)
    assert session.status == SessionStatus.QUEUED and session.group_id == sales.pk
    assert Contact.objects.get().email == "ada@example.com"


def test_a_typed_number_on_telegram_presses_that_button(client, telegram_channel, bot_api, sales):
    post_update(client, telegram_channel, message_update(1, text="Hello"))

    eventually(lambda: bot_api.of("sendMessage"), lambda sent: len(sent) >= 2)
    post_update(client, telegram_channel, message_update(2, text="3"))  # Nothing, thanks

    texts = eventually(
        lambda: [c.fields["text"] for c in bot_api.of("sendMessage")], lambda t: len(t) >= 4
    )
    assert texts[2] == "Glad to help!"
    assert texts[3].startswith("How did we do?")  # resolved: the rating request follows
    assert eventually(Session.objects.get, lambda s: s.is_open is False).status == "closed"
    bot_messages = Message.objects.filter(sender_type=SenderType.BOT).count()
    assert bot_messages == 3
