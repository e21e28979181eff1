"""A typed number answers our latest buttons on every messenger (inbox/connectors/
choices.py): after the rating request "4" is four stars, after a bot's menu "2" presses
its second button; any other number is an ordinary message. Telegram stands for the
messengers here; WhatsApp's own tests are in test_whatsapp.py."""

from __future__ import annotations

import pytest

from contactcenter import events
from inbox import services
from inbox.models import Message, SenderType, Session, SessionStatus
from tests import factories
from tests.inbox.connectors.telegram_support import (
    bot_api,
    message_update,
    post_update,
    telegram_channel,
)

__all__ = ["bot_api", "telegram_channel"]  # fixtures


def _active(client, channel):  # type: ignore[no-untyped-def]
    post_update(client, channel, message_update(1, text="Where is my order?"))
    message = Message.objects.get(client_id="tg:1")
    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=factories.OperatorFactory()
    )
    return message.session_id


@pytest.mark.django_db(transaction=True)
def test_a_typed_score_after_the_rating_request_rates_on_telegram(
    client, telegram_channel, bot_api
):
    session_id = _active(client, telegram_channel)
    services.session_close(session_id=session_id)

    post_update(client, telegram_channel, message_update(2, text="4"))

    assert Session.objects.get(pk=session_id).rating == 4
    assert not Message.objects.filter(client_id="tg:2").exists()  # no new session for it


@pytest.mark.django_db(transaction=True)
def test_a_typed_number_presses_the_bots_button_and_other_numbers_are_messages(
    client, telegram_channel, bot_api
):
    session_id = _active(client, telegram_channel)
    services.bot_message_send(
        session=Session.objects.get(pk=session_id),
        text="What is it about?",
        buttons=[{"id": 7, "title": "Delivery"}, {"id": 8, "title": "Payment"}],
        node=3,
    )
    pressed: list[events.ButtonPressed] = []
    events.subscribe(events.ButtonPressed, pressed.append)
    try:
        post_update(client, telegram_channel, message_update(3, text="2"))
        post_update(client, telegram_channel, message_update(4, text="9"))  # no such button
    finally:
        events.unsubscribe(events.ButtonPressed, pressed.append)

    assert [(p.node, p.button) for p in pressed] == [("3", "8")]
    stored = Message.objects.filter(sender_type=SenderType.CONTACT).order_by("id")
    assert [m.text for m in stored] == ["Where is my order?", "9"]
