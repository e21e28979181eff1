"""Translation between a Russian-writing customer and an English-reading operator, against
a LibreTranslate-shaped server on loopback: on the widget's and the operator's sockets,
and on Telegram (its fake Bot API). The message is always stored, acked and shown first;
a provider that fails, hangs or answers garbage costs only the translation."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from contactcenter import events, realtime
from contactcenter.asgi import application
from crm.models import ChannelType
from inbox import services
from inbox.models import Dialog, Message, SenderType, Session, SessionStatus, TranslationStatus
from inbox.services import translation_pool
from tests import factories
from tests.conftest import api_as, eventually
from tests.inbox.connectors.telegram_support import (
    bot_api,
    message_update,
    post_update,
    telegram_channel,
)
from tests.translation.fixtures import libre, translating
from translation import services as translator

__all__ = ["bot_api", "libre", "telegram_channel", "translating"]  # fixtures

ASKS = "Привет, где мой заказ?"
ASKS_EN = "hello where my order"
ANSWER = "Hello, your order is on the way"
ANSWER_RU = "здравствуйте ваш заказ в пути"


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _words_only_matcher(settings):  # type: ignore[no-untyped-def]
    """The prompter answers every customer's message here; on the fast tier (SQLite, eager
    tasks) it runs before the ack, and with the optional semantic extra installed its
    first question loads the sentence model (about a second). These tests time the ack,
    not a process's first question."""
    settings.KB_SEMANTIC = "off"


def _widget_chat(**channel_kwargs):  # type: ignore[no-untyped-def]
    channel = factories.ChannelFactory(**channel_kwargs)
    visitor, token = services.widget_visitor_create(channel=channel, name="Ada")
    operator = factories.OperatorFactory(display_name="Anna")
    session = factories.SessionFactory(
        dialog=visitor.dialog, status=SessionStatus.ACTIVE, operator=operator
    )
    return channel, token, operator, session


async def _widget(channel, token):  # type: ignore[no-untyped-def]
    ws = WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.key}/?token={token}",
        headers=[(b"origin", b"https://shop.example")],
    )
    assert (await ws.connect())[0]
    return ws


async def _operator(user):  # type: ignore[no-untyped-def]
    token = await sync_to_async(lambda: Token.objects.get_or_create(user=user)[0].key)()
    ws = WebsocketCommunicator(
        application,
        "/ws/operator/",
        headers=[(b"authorization", f"Token {token}".encode()), (b"origin", b"http://localhost")],
    )
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def _next(ws, *types, timeout=3):  # type: ignore[no-untyped-def]
    """The next frame of one of ``types``, past any other.

    The fast tier's in-process channel layer belongs to the test's event loop, and a
    translation thread's push wakes that loop only on its next turn: a ticking task
    keeps it turning while we wait (Redis, in production, has no such limit)."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(0.01)

    ticker = asyncio.ensure_future(tick())
    deadline = time.monotonic() + timeout
    try:
        while True:
            frame = await ws.receive_json_from(timeout=max(0.05, deadline - time.monotonic()))
            if frame["type"] in types:
                return frame
    finally:
        ticker.cancel()


def _notice_send(session, text):  # type: ignore[no-untyped-def]
    with transaction.atomic():  # as routing sends the offline message
        return services.system_message_send(session=session, text=text)


# --- the widget, both ways ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_on_the_widget_each_side_reads_the_other_in_their_own_language(translating):
    channel, token, operator, session = await sync_to_async(_widget_chat)()
    widget = await _widget(channel, token)
    op = await _operator(operator.user)

    await widget.send_json_to({"type": "message", "text": ASKS, "client_id": "v-1"})
    ack = await _next(widget, "ack")
    shown = await _next(op, "message.created")
    frames = {}
    while len(frames) < 2:  # the translation and the dialog's detected language
        frame = await _next(op, "message.updated", "session.updated")
        frames[frame["type"]] = frame
    updated, session_frame = frames["message.updated"], frames["session.updated"]

    assert shown["message"]["id"] == ack["id"]
    assert (shown["message"]["text"], shown["message"]["translations"]) == (ASKS, {})
    assert updated["message"]["id"] == ack["id"]
    assert updated["message"]["client_id"] == "v-1"
    assert updated["message"]["language"] == "ru"
    assert updated["message"]["translations"] == {"en": ASKS_EN}
    assert updated["message"]["translation_status"] == "translated"
    assert session_frame["session"]["language"] == "ru"

    await op.send_json_to(
        {"type": "message", "session": session.pk, "text": ANSWER, "client_id": "o-1"}
    )
    created = await _next(op, "message.created")
    reply_updated = await _next(op, "message.updated")
    delivered = await _next(widget, "message")

    assert created["message"]["translation_status"] == "pending"
    assert reply_updated["message"]["translations"] == {"ru": ANSWER_RU}
    assert delivered["message"]["text"] == ANSWER  # the author's original stays
    assert delivered["message"]["translations"] == {"ru": ANSWER_RU}
    assert delivered["message"]["translation_status"] == "translated"
    await widget.disconnect()
    await op.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_hanging_provider_delays_a_reply_by_the_wait_at_most_and_loses_nothing(
    translating,
):
    channel, token, operator, session = await sync_to_async(_widget_chat)()
    await sync_to_async(lambda: Dialog.objects.filter(pk=session.dialog_id).update(language="ru"))()
    translating.mode, translating.hang_s = "hang", 3.0
    widget = await _widget(channel, token)
    op = await _operator(operator.user)

    started = time.monotonic()
    await op.send_json_to({"type": "message", "session": session.pk, "text": ANSWER})
    delivered = await _next(widget, "message", timeout=3)
    waited = time.monotonic() - started
    marked = await _next(op, "message.updated")

    assert delivered["message"]["text"] == ANSWER
    assert delivered["message"]["translations"] == {}
    assert delivered["message"]["translation_status"] == "untranslated"
    assert waited < 0.5 + 0.7  # TRANSLATION_REPLY_WAIT_S is 0.5 in these tests
    assert marked["message"]["translation_status"] == "untranslated"
    await widget.disconnect()
    await op.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_reply_is_asked_of_the_provider_once_while_it_is_being_stored(
    translating, settings
):
    """The provider's round trip runs beside the reply's store, not after it: the store
    finds the request already made and waits for that answer instead of asking again
    (with a provider this slow, a request made after the store would be a second one:
    the first answer is not in the cache yet)."""
    settings.TRANSLATION_REPLY_WAIT_S = 3.0  # time is not what this test is about
    channel, token, operator, session = await sync_to_async(_widget_chat)()
    await sync_to_async(lambda: Dialog.objects.filter(pk=session.dialog_id).update(language="ru"))()
    translating.delay_s = 0.3
    widget = await _widget(channel, token)
    op = await _operator(operator.user)

    await op.send_json_to({"type": "message", "session": session.pk, "text": ANSWER})
    delivered = await _next(widget, "message", timeout=5)

    asked = [body["q"] for body in translating.calls("/translate")]
    assert asked == [[ANSWER]]
    assert delivered["message"]["translations"] == {"ru": ANSWER_RU}
    assert delivered["message"]["translation_status"] == "translated"
    await widget.disconnect()
    await op.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_reply_whose_translation_meets_a_locked_database_reaches_the_widget_once(
    translating, monkeypatch
):
    """SQLite refuses a second writer at once; the translation thread runs again. The
    contact must get the reply once, translated, not first as written and then again."""
    from django.db import OperationalError

    from inbox.services import translations

    channel, token, operator, session = await sync_to_async(_widget_chat)()
    await sync_to_async(lambda: Dialog.objects.filter(pk=session.dialog_id).update(language="ru"))()
    real, refused = translations._outgoing_store, []

    def store_many(rows):  # type: ignore[no-untyped-def]
        if not refused:
            refused.append(True)
            raise OperationalError("database table is locked")
        return real(rows)

    monkeypatch.setattr(translations, "_outgoing_store", store_many)
    widget = await _widget(channel, token)
    op = await _operator(operator.user)

    await op.send_json_to({"type": "message", "session": session.pk, "text": ANSWER})
    delivered = await _next(widget, "message")
    await sync_to_async(translation_pool.drain)()

    assert refused
    assert delivered["message"]["translations"] == {"ru": ANSWER_RU}
    assert delivered["message"]["translation_status"] == "translated"
    assert await widget.receive_nothing(timeout=0.3)
    await widget.disconnect()
    await op.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_visitor_message_is_acked_and_shown_before_a_slow_provider_answers(translating):
    channel, token, operator, _session = await sync_to_async(_widget_chat)()
    translating.delay_s = 0.8
    widget = await _widget(channel, token)
    op = await _operator(operator.user)

    started = time.monotonic()
    await widget.send_json_to({"type": "message", "text": ASKS, "client_id": "v-1"})
    await _next(widget, "ack")
    acked = time.monotonic() - started
    await _next(op, "message.created")
    shown = time.monotonic() - started
    updated = await _next(op, "message.updated", timeout=5)

    assert acked < 0.5 and shown < 0.5
    assert updated["message"]["translations"] == {"en": ASKS_EN}
    await widget.disconnect()
    await op.disconnect()


# --- failures of the provider, on the service path ------------------------------------------


def _contact_writes(text=ASKS, **channel_kwargs):  # type: ignore[no-untyped-def]
    _channel, _token, operator, session = _widget_chat(**channel_kwargs)
    stored = services.contact_message_receive(
        dialog_id=session.dialog_id, text=text, client_id="c-1"
    )
    translation_pool.drain()
    stored.message.refresh_from_db()
    return stored.message, operator, session


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["error", "hang", "garbage"])
def test_a_failing_provider_leaves_the_message_stored_and_marked_untranslated(
    translating, mode, sent_frames
):
    translating.mode, translating.hang_s = mode, 3.0

    message, _operator, _session = _contact_writes()

    assert Message.objects.filter(pk=message.pk, text=ASKS).exists()
    assert message.translation_status == TranslationStatus.UNTRANSLATED
    assert message.translations is None
    updates = [f for _, f in sent_frames if f["type"] == "message.updated"]
    assert updates[-1]["message"]["translation_status"] == "untranslated"


@pytest.mark.django_db(transaction=True)
def test_the_operator_retries_an_untranslated_message(translating):
    translating.mode = "error"
    message, operator, session = _contact_writes()
    translating.mode = "ok"
    api = api_as(operator.user)

    answer = api.post(f"/api/v1/sessions/{session.pk}/messages/{message.pk}/translate/")
    translation_pool.drain()

    assert answer.status_code == 200
    assert answer.json()["translation_status"] == "pending"
    message.refresh_from_db()
    assert message.translations == {"en": ASKS_EN}
    assert message.translation_status == TranslationStatus.TRANSLATED


@pytest.mark.django_db(transaction=True)
def test_only_a_customers_message_can_be_translated_again(translating):
    _message, operator, session = _contact_writes()
    reply = services.operator_message_send(session_id=session.pk, user=operator.user, text="Hi")
    api = api_as(operator.user)

    answer = api.post(f"/api/v1/sessions/{session.pk}/messages/{reply.message.pk}/translate/")
    missing = api.post(f"/api/v1/sessions/{session.pk}/messages/999999/translate/")
    garbage = api.post(f"/api/v1/sessions/{session.pk}/messages/abc/translate/")

    assert answer.status_code == 409
    assert missing.status_code == 404
    assert garbage.status_code in (400, 404)


@pytest.mark.django_db(transaction=True)
def test_a_message_in_the_operators_language_is_not_translated(translating):
    message, _operator, _session = _contact_writes(text="Where is my order?")

    assert message.language == "en"
    assert message.translation_status == TranslationStatus.NONE
    assert translating.calls("/translate") == []


@pytest.mark.django_db(transaction=True)
def test_a_channel_with_translation_off_translates_nothing(translating):
    message, _operator, _session = _contact_writes(config={"translation": False})

    assert (message.translation_status, message.translations) == ("", None)
    assert translating.calls("/translate") == []


# --- the dialog's language -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_language_is_detected_and_an_operator_may_correct_it(translating):
    _message, operator, session = _contact_writes()
    assert Dialog.objects.get(pk=session.dialog_id).language == "ru"
    api = api_as(operator.user)

    answer = api.post(f"/api/v1/sessions/{session.pk}/language/", {"language": "uk"}, format="json")
    services.contact_message_receive(dialog_id=session.dialog_id, text="Привет ещё", client_id="2")
    translation_pool.drain()
    bad = api.post(f"/api/v1/sessions/{session.pk}/language/", {"language": "x1"}, format="json")

    assert answer.status_code == 200
    assert (answer.json()["language"], answer.json()["language_fixed"]) == ("uk", True)
    assert Dialog.objects.get(pk=session.dialog_id).language == "uk"  # detection leaves it
    assert bad.status_code == 400 and "language" in bad.json()


@pytest.mark.django_db(transaction=True)
def test_the_widgets_locale_decides_until_a_message_says_otherwise(translating):
    channel = factories.ChannelFactory()
    visitor, _token = services.widget_visitor_create(channel=channel, name="Ada")
    services.widget_visitor_context_update(visitor_id=visitor.pk, context={"language": "ru-RU"})
    operator = factories.OperatorFactory()
    session = factories.SessionFactory(
        dialog=visitor.dialog, status=SessionStatus.ACTIVE, operator=operator
    )

    reply = services.operator_message_send(session_id=session.pk, user=operator.user, text=ANSWER)
    translation_pool.drain()

    reply.message.refresh_from_db()
    assert reply.message.translations == {"ru": ANSWER_RU}


# --- Telegram, both ways ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_telegram_the_customer_gets_the_reply_in_russian_and_the_operator_reads_english(
    client, telegram_channel, bot_api, translating
):
    assert post_update(client, telegram_channel, message_update(1, text=ASKS)).status_code == 200
    translation_pool.drain()
    message = Message.objects.get(client_id="tg:1")
    operator = factories.OperatorFactory(display_name="Olga")
    from inbox.models import Session

    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    translated = eventually(
        lambda: Message.objects.get(pk=message.pk),
        lambda m: m.translation_status == TranslationStatus.TRANSLATED,
    )
    assert translated.translations == {"en": ASKS_EN}

    reply = services.operator_message_send(
        session_id=message.session_id, user=operator.user, text=ANSWER
    ).message

    call = bot_api.of("sendMessage")[-1]
    assert call.fields["text"] == ANSWER_RU
    reply.refresh_from_db()
    assert (reply.text, reply.translations) == (ANSWER, {"ru": ANSWER_RU})
    assert reply.status == "sent"


@pytest.mark.django_db(transaction=True)
def test_on_telegram_a_failing_provider_sends_the_reply_as_written(
    client, telegram_channel, bot_api, translating
):
    assert post_update(client, telegram_channel, message_update(1, text=ASKS)).status_code == 200
    translation_pool.drain()
    message = Message.objects.get(client_id="tg:1")
    operator = factories.OperatorFactory()
    from inbox.models import Session

    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    eventually(lambda: Dialog.objects.get(pk=message.dialog_id).language, lambda lang: lang == "ru")
    translation_pool.drain()
    translating.mode = "error"

    reply = services.operator_message_send(
        session_id=message.session_id, user=operator.user, text=ANSWER
    ).message

    call = bot_api.of("sendMessage")[-1]
    assert call.fields["text"] == ANSWER
    reply.refresh_from_db()
    assert reply.translation_status == TranslationStatus.UNTRANSLATED
    assert reply.status == "sent"
    assert telegram_channel.type == ChannelType.TELEGRAM


# --- the operator's language ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_russian_reading_operator_gets_an_english_customer_in_russian(translating, client):
    channel, _token, operator, session = _widget_chat()
    api = api_as(operator.user)
    me = api.patch("/api/v1/operators/me/", {"language": "ru"}, format="json")

    stored = services.contact_message_receive(
        dialog_id=session.dialog_id, text="Hello, your order", client_id="c-1"
    )
    translation_pool.drain()
    stored.message.refresh_from_db()
    client.force_login(operator.user)
    page = client.get("/inbox/")

    assert me.status_code == 200 and me.json()["language"] == "ru"
    assert stored.message.language == "en"
    assert stored.message.translations == {"ru": "здравствуйте ваш заказ"}
    assert page.status_code == 200
    assert page.context["bootstrap"]["language"] == "ru"
    assert page.context["bootstrap"]["translation"] is True
    assert channel.type == ChannelType.WIDGET


@pytest.mark.django_db(transaction=True)
def test_an_unknown_ui_language_is_refused(translating):
    _channel, _token, operator, _session = _widget_chat()

    answer = api_as(operator.user).patch("/api/v1/operators/me/", {"language": "xx"}, format="json")

    assert answer.status_code == 400 and "language" in answer.json()


@pytest.mark.django_db(transaction=True)
def test_a_reply_that_waited_its_time_in_a_queue_goes_out_as_written(translating, settings):
    _channel, _token, operator, session = _widget_chat()
    Dialog.objects.filter(pk=session.dialog_id).update(language="ru")
    settings.TRANSLATION_REPLY_WAIT_S = 0.2
    reply = services.operator_message_send(session_id=session.pk, user=operator.user, text=ANSWER)
    translation_pool.drain()
    Message.objects.filter(pk=reply.message.pk).update(translation_status="pending")
    time.sleep(0.25)  # e.g. a Celery queue that was behind

    done = services.reply_translate(message_id=reply.message.pk)

    assert done is not None and done.translation_status == TranslationStatus.UNTRANSLATED
    assert done.delivery_text == ANSWER


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_operator_gets_a_product_notice_before_its_translation(translating):
    """A notice of the product itself (here the offline message) in a translated dialog:
    its translation runs beside the transaction that stores it, and the listeners of the
    new message (triggers, bots) run after that commit and may take their time. The
    operator's socket must still get ``message.created`` before ``message.updated``, or
    the inbox, which does not know the message yet, drops the translation."""
    _channel, _token, operator, session = await sync_to_async(_widget_chat)()
    await sync_to_async(lambda: Dialog.objects.filter(pk=session.dialog_id).update(language="ru"))()

    def slow_listener(event):  # type: ignore[no-untyped-def]
        # like a trigger calling out after its commit: it returns once the provider has
        # answered and the translation has been stored (and pushed)
        def wait() -> None:
            eventually(
                lambda: Message.objects.get(pk=event.message_id).translation_status,
                lambda status: status != TranslationStatus.PENDING,
                timeout=3,
            )
            time.sleep(0.2)

        if event.sender_type == SenderType.SYSTEM:
            transaction.on_commit(wait)

    events.subscribe(events.MessageReceived, slow_listener)
    op = await _operator(operator.user)
    try:
        await sync_to_async(_notice_send)(session, ANSWER)
        first = await _next(op, "message.created", "message.updated")
        second = await _next(op, "message.created", "message.updated")
    finally:
        events.unsubscribe(events.MessageReceived, slow_listener)
        await op.disconnect()

    assert (first["type"], second["type"]) == ("message.created", "message.updated")
    assert first["message"]["id"] == second["message"]["id"]
    assert first["message"]["translation_status"] == "pending"
    assert second["message"]["translations"] == {"ru": ANSWER_RU}


@pytest.mark.django_db(transaction=True)
def test_a_translation_reaches_the_operator_who_got_the_chat_while_it_was_translated(
    translating, sent_frames, monkeypatch
):
    # given: a waiting customer's message, and an operator who gets the chat while the
    # provider is translating it (the message was read as queued, nobody's)
    channel = factories.ChannelFactory()
    visitor, _token = services.widget_visitor_create(channel=channel, name="Ada")
    session = factories.SessionFactory(dialog=visitor.dialog, status=SessionStatus.QUEUED)
    anna = factories.OperatorFactory(display_name="Anna")
    real = translator.translate

    def assigned_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        Session.objects.filter(pk=session.pk).update(
            status=SessionStatus.ACTIVE, operator=anna, assigned_at=timezone.now()
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(translator, "translate", assigned_meanwhile)

    # when: the message is stored and translated
    stored = services.contact_message_receive(dialog_id=session.dialog_id, text=ASKS, client_id="c")
    translation_pool.drain()

    # then: the operator who holds the chat now gets the translation
    updates = [
        group
        for group, frame in sent_frames
        if frame["type"] == "message.updated" and frame["message"]["id"] == stored.message.pk
    ]
    assert realtime.operator_group(anna.pk) in updates
    assert frame_translation(sent_frames, stored.message.pk) == ASKS_EN


def frame_translation(sent_frames, message_id):  # type: ignore[no-untyped-def]
    for _group, frame in sent_frames:
        if frame["type"] == "message.updated" and frame["message"]["id"] == message_id:
            return frame["message"]["translations"].get("en")
    return None
