"""Bot and system messages reach a contact in the contact's language when the channel
translates: texts and buttons' titles (one provider request per batch of bot steps, the
buttons' ids unchanged), waiting for the provider at most as long as a reply and falling
back to the original; cached, so a bot's repeated texts cost nothing after the first.
Against the LibreTranslate-shaped server on loopback (``tests/translation/``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import OperationalError

from crm.models import ChannelType
from inbox import services
from inbox.models import Dialog, Message, SenderType, SessionStatus, TranslationStatus
from inbox.services import translation_pool
from tests import factories
from tests.inbox.connectors.telegram_support import bot_api, telegram_channel
from tests.translation.fixtures import libre, translating

__all__ = ["bot_api", "libre", "telegram_channel", "translating"]  # fixtures

HELLO = "Hello, your order is on the way"
HELLO_RU = "здравствуйте ваш заказ в пути"
BUTTONS = [{"id": "b1", "title": "Thanks"}, {"id": "b2", "title": "Order"}]


def _chat(language: str = "ru", **channel_kwargs):  # type: ignore[no-untyped-def]
    channel = factories.ChannelFactory(**channel_kwargs)
    visitor, _token = services.widget_visitor_create(channel=channel, name="Ada")
    Dialog.objects.filter(pk=visitor.dialog_id).update(language=language)
    return factories.SessionFactory(dialog=visitor.dialog, status=SessionStatus.BOT)


def _to_widget(sent_frames, session):  # type: ignore[no-untyped-def]
    group = f"dialog.{session.dialog_id}"
    return [f["message"] for g, f in sent_frames if g.endswith(group) and f["type"] == "message"]


T = TypeVar("T")


def _while_translating(send: Callable[[], T]) -> T:
    """``send()`` while a translation thread may be writing: the fast tier's shared
    in-memory SQLite refuses a second writer at once ("database table is locked") where
    the product's file database waits (busy_timeout) and PostgreSQL locks rows, so the
    test waits for it the same way."""
    for _ in range(100):
        try:
            return send()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.01)
    return send()


def _say(session, text=HELLO, buttons=None):  # type: ignore[no-untyped-def]
    return services.BotSay(
        session=session, text=text, buttons=buttons, node="menu", sender_name="Bot"
    )


@pytest.mark.django_db(transaction=True)
def test_a_bots_text_and_buttons_reach_a_russian_contact_in_russian(translating, sent_frames):
    session = _chat()

    (stored,) = services.bot_messages_send([_say(session, buttons=BUTTONS)])
    translation_pool.drain()

    (shown,) = _to_widget(sent_frames, session)
    assert shown["id"] == stored.pk
    assert shown["text"] == HELLO  # what the bot's author wrote stays
    assert shown["translations"] == {"ru": HELLO_RU}
    assert shown["translation_status"] == "translated"
    assert [(b["id"], b["title"], b["translations"]) for b in shown["buttons"]] == [
        ("b1", "Thanks", {"ru": "спасибо"}),
        ("b2", "Order", {"ru": "заказ"}),
    ]
    stored.refresh_from_db()
    assert stored.language == "en"
    assert stored.delivery_buttons == [
        {"id": "b1", "title": "спасибо", "translations": {"ru": "спасибо"}},
        {"id": "b2", "title": "заказ", "translations": {"ru": "заказ"}},
    ]
    updated = [f["message"] for _, f in sent_frames if f["type"] == "message.updated"]
    assert updated[-1]["translations"] == {"ru": HELLO_RU}


@pytest.mark.django_db(transaction=True)
def test_one_batch_of_bot_steps_is_one_provider_request_and_a_repeat_is_free(translating):
    first, second = _chat(), _chat()

    services.bot_messages_send(
        [_say(first, buttons=BUTTONS), _say(first, text="Thanks"), _say(second)]
    )
    translation_pool.drain()
    asked = translating.calls("/translate")
    services.bot_messages_send([_say(second, buttons=BUTTONS)])
    translation_pool.drain()

    assert len(asked) == 1
    assert sorted(set(asked[0]["q"])) == sorted({HELLO, "Thanks", "Order"})
    assert len(translating.calls("/translate")) == 1  # the same texts again: the cache
    statuses = set(
        Message.objects.filter(sender_type=SenderType.BOT).values_list(
            "translation_status", flat=True
        )
    )
    assert statuses == {TranslationStatus.TRANSLATED}


@pytest.mark.django_db(transaction=True)
def test_a_bot_text_already_in_the_contacts_language_is_not_translated(translating, sent_frames):
    session = _chat()

    services.bot_messages_send([_say(session, text="Здравствуйте! Чем помочь?")])
    translation_pool.drain()

    assert translating.calls("/translate") == []
    (shown,) = _to_widget(sent_frames, session)
    assert shown["translation_status"] is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["error", "hang", "garbage"])
def test_a_failing_provider_delivers_the_bots_message_as_written(translating, sent_frames, mode):
    translating.mode, translating.hang_s = mode, 3.0
    session = _chat()

    (stored,) = services.bot_messages_send([_say(session, buttons=BUTTONS)])
    translation_pool.drain()

    (shown,) = _to_widget(sent_frames, session)
    assert (shown["text"], shown["translations"]) == (HELLO, {})
    assert shown["translation_status"] == "untranslated"
    assert [b["title"] for b in shown["buttons"]] == ["Thanks", "Order"]
    stored.refresh_from_db()
    assert stored.translation_status == TranslationStatus.UNTRANSLATED


@pytest.mark.django_db(transaction=True)
def test_the_product_notice_reaches_the_contact_translated_and_in_order(translating, sent_frames):
    session = _chat()

    notice = services.system_message_send(session=session, text="Thanks for your order")
    # sent while the first one's translation is in flight: it waits behind it
    _while_translating(lambda: services.system_message_send(session=session, text="Спасибо!"))
    note = _while_translating(
        lambda: services.system_message_send(session=session, text="Internal hello", internal=True)
    )
    translation_pool.drain()

    shown = _to_widget(sent_frames, session)
    assert [m["id"] for m in shown] == [notice.pk, notice.pk + 1]  # the second waited
    assert shown[0]["translations"] == {"ru": "спасибо for ваш заказ"}
    assert shown[1]["translation_status"] is None
    note.refresh_from_db()
    assert note.translation_status == TranslationStatus.NONE


@pytest.mark.django_db(transaction=True)
def test_a_channel_with_translation_off_sends_the_bots_words_as_written(translating, sent_frames):
    session = _chat(config={"translation": False})

    services.bot_messages_send([_say(session, buttons=BUTTONS)])

    (shown,) = _to_widget(sent_frames, session)  # at once: nothing to wait for
    assert (shown["translations"], shown["translation_status"]) == ({}, None)
    assert translating.calls("/translate") == []


@pytest.mark.django_db(transaction=True)
def test_on_telegram_a_bots_buttons_are_titled_in_russian_and_press_the_same_ids(
    telegram_channel, bot_api, translating
):
    contact = factories.ContactFactory()
    identity = contact.identities.create(channel_type=ChannelType.TELEGRAM, external_id="424242")
    dialog = factories.DialogFactory(
        channel=telegram_channel, contact=contact, identity=identity, language="ru"
    )
    session = factories.SessionFactory(dialog=dialog, status=SessionStatus.BOT)

    services.bot_messages_send([_say(session, buttons=BUTTONS)])

    call = bot_api.of("sendMessage")[-1]
    assert call.fields["text"] == HELLO_RU
    markup = call.fields["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    titles = [row[0]["text"] for row in markup["inline_keyboard"]]
    assert titles == ["спасибо", "заказ"]
    assert all(
        "b1" in row[0]["callback_data"] or "b2" in row[0]["callback_data"]
        for row in markup["inline_keyboard"]
    )
