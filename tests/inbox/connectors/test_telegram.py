"""The Telegram channel against a fake Bot API on 127.0.0.1 that speaks the real
protocol: the webhook in (verified, text, photos, documents, captions, button presses),
messages out (text, photos, documents, buttons), 429s waited out, failures shown.

The webhook does its database work in threads of its own (``inbox.connectors.views``),
so these tests commit (``transaction=True``) for those threads to see their data."""

from __future__ import annotations

import json
import time

import pytest

from contactcenter import events
from crm.models import ChannelType, Contact, ContactIdentity
from inbox import services
from inbox.models import Attachment, DeliveryStatus, Message, SenderType, Session, SessionStatus
from tests import factories
from tests.conftest import api_as
from tests.inbox.connectors.telegram_support import (
    ADA,
    JPEG,
    PDF,
    PNG,
    SECRET,
    TOKEN,
    bot_api,
    callback_update,
    message_update,
    post_update,
    telegram_channel,
)

__all__ = ["bot_api", "telegram_channel"]  # fixtures


def _ada_writes(client, channel, update_id=1, text="Where is my order?"):  # type: ignore[no-untyped-def]
    answer = post_update(client, channel, message_update(update_id, text=text))
    assert answer.status_code == 200
    return Message.objects.get(client_id=f"tg:{update_id}")


def _active_with_operator(message):  # type: ignore[no-untyped-def]
    operator = factories.OperatorFactory(display_name="Olga")
    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    return operator


# --- verification ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
def test_a_forged_or_missing_secret_is_403_and_stores_nothing(client, telegram_channel, secret):
    answer = post_update(client, telegram_channel, message_update(1, text="hi"), secret=secret)

    assert answer.status_code == 403
    assert not Message.objects.exists()
    assert not Contact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_channel_without_a_webhook_secret_accepts_nothing(client, telegram_channel):
    telegram_channel.config = {**telegram_channel.config, "webhook_secret": ""}
    telegram_channel.save()

    answer = post_update(client, telegram_channel, message_update(1, text="hi"), secret="")

    assert answer.status_code == 403
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_unreadable_update_is_400_and_other_updates_store_nothing(client, telegram_channel):
    bad = client.post(
        f"/hooks/telegram/{telegram_channel.key}/",
        b"not json",
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )
    group_chat = message_update(2, text="hi all")
    group_chat["message"]["chat"] = {"id": -100, "type": "group", "title": "Fans"}
    edited = {"update_id": 3, "edited_message": message_update(3, text="x")["message"]}

    assert bad.status_code == 400
    assert post_update(client, telegram_channel, group_chat).status_code == 200
    assert post_update(client, telegram_channel, edited).status_code == 200
    assert not Message.objects.exists()


# --- in ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_text_message_lands_in_the_users_dialog_with_their_name(client, telegram_channel):
    message = _ada_writes(client, telegram_channel)

    identity = ContactIdentity.objects.get(channel_type=ChannelType.TELEGRAM)
    assert identity.external_id == str(ADA["id"])
    assert identity.contact.name == "Ada Lovelace"
    assert message.dialog.identity == identity
    assert (message.sender_type, message.text) == (SenderType.CONTACT, "Where is my order?")
    assert message.session.status == SessionStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_repeated_update_stores_one_message(client, telegram_channel):
    for _ in range(3):
        answer = post_update(client, telegram_channel, message_update(9, text="Hello"))
        assert answer.status_code == 200

    assert Message.objects.filter(text="Hello").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_photo_is_fetched_in_its_largest_size_with_its_caption(client, telegram_channel, bot_api):
    bot_api.files["big"] = ("photos/file_7.jpg", JPEG)
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 50},
        {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 853, "file_size": 211},
        {"file_id": "mid", "file_unique_id": "m", "width": 320, "height": 213, "file_size": 120},
    ]

    answer = post_update(
        client, telegram_channel, message_update(4, photo=photo, caption="The box was broken")
    )

    assert answer.status_code == 200
    assert [c.fields["file_id"] for c in bot_api.of("getFile")] == ["big"]
    assert bot_api.downloads == ["photos/file_7.jpg"]
    message = Message.objects.get(client_id="tg:4")
    assert message.text == "The box was broken"
    [attachment] = message.attachments.all()
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == JPEG


@pytest.mark.django_db(transaction=True)
def test_a_document_is_stored_with_its_name_and_a_repeat_fetches_nothing(
    client, telegram_channel, bot_api
):
    bot_api.files["doc-1"] = ("documents/file_3.pdf", PDF)
    document = {
        "file_id": "doc-1",
        "file_unique_id": "d1",
        "file_name": "invoice-42.pdf",
        "mime_type": "application/pdf",
        "file_size": len(PDF),
    }

    post_update(client, telegram_channel, message_update(5, document=document))
    post_update(client, telegram_channel, message_update(5, document=document))

    [attachment] = Attachment.objects.all()
    assert (attachment.name, attachment.content_type) == ("invoice-42.pdf", "application/pdf")
    assert attachment.message.text == ""
    assert len(bot_api.of("getFile")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_file_that_may_not_be_kept_is_noted_for_the_operator(client, telegram_channel, bot_api):
    bot_api.files["exe"] = ("documents/file_9.exe", b"MZ\x90\x00")
    document = {"file_id": "exe", "file_unique_id": "x", "file_name": "setup.exe"}

    post_update(client, telegram_channel, message_update(6, document=document, caption="see"))

    message = Message.objects.get(client_id="tg:6")
    assert message.text.startswith("see\n[The file setup.exe was not kept")
    assert not Attachment.objects.exists()


# --- out -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_operator_reply_is_sent_to_the_chat_and_marked_sent(client, telegram_channel, bot_api):
    operator = _active_with_operator(_ada_writes(client, telegram_channel))
    session_id = Message.objects.get(client_id="tg:1").session_id

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="It ships today."
    ).message

    [call] = bot_api.of("sendMessage")
    assert call.fields == {"chat_id": str(ADA["id"]), "text": "It ships today."}
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.SENT
    assert reply.channel_message_id == "101"


@pytest.mark.django_db(transaction=True)
def test_photos_and_documents_go_out_as_files(client, telegram_channel, bot_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    operator = _active_with_operator(_ada_writes(client, telegram_channel))
    session_id = Message.objects.get(client_id="tg:1").session_id

    services.operator_attachment_send(
        session_id=session_id,
        user=operator.user,
        upload=SimpleUploadedFile("label.png", PNG, content_type="image/png"),
        text="Your label",
    )
    services.operator_attachment_send(
        session_id=session_id,
        user=operator.user,
        upload=SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
    )

    [photo] = bot_api.of("sendPhoto")
    assert photo.fields == {"chat_id": str(ADA["id"]), "caption": "Your label"}
    assert photo.files["photo"] == ("label.png", PNG, "image/png")
    [document] = bot_api.of("sendDocument")
    assert document.files["document"] == ("invoice.pdf", PDF, "application/pdf")
    assert not bot_api.of("sendMessage")
    statuses = set(Message.objects.filter(sender_type="operator").values_list("status", flat=True))
    assert statuses == {DeliveryStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_bot_buttons_go_out_as_an_inline_keyboard_and_a_press_comes_back(
    client, telegram_channel, bot_api
):
    message = _ada_writes(client, telegram_channel)
    pressed: list[events.ButtonPressed] = []
    events.subscribe(events.ButtonPressed, pressed.append)
    try:
        services.bot_message_send(
            session=message.session,
            text="What is it about?",
            buttons=[{"id": 1, "title": "Delivery"}, {"id": 2, "title": "Refund"}],
            node=7,
        )
        answer = post_update(client, telegram_channel, callback_update(20, "b:7:2", "q-77"))
    finally:
        events.unsubscribe(events.ButtonPressed, pressed.append)

    [sent] = bot_api.of("sendMessage")
    assert sent.fields["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Delivery", "callback_data": "b:7:1"}],
            [{"text": "Refund", "callback_data": "b:7:2"}],
        ]
    }
    assert answer.status_code == 200
    assert [(p.dialog_id, p.node, p.button) for p in pressed] == [(message.dialog_id, "7", "2")]
    assert [c.fields for c in bot_api.of("answerCallbackQuery")] == [{"callback_query_id": "q-77"}]


@pytest.mark.django_db(transaction=True)
def test_a_429_is_waited_out_and_not_counted_as_a_failure(client, telegram_channel, bot_api):
    operator = _active_with_operator(_ada_writes(client, telegram_channel))
    session_id = Message.objects.get(client_id="tg:1").session_id
    bot_api.too_many_requests("sendMessage", retry_after=1)

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="Hello"
    ).message

    first, second = bot_api.of("sendMessage")
    assert second.at - first.at >= 1.0
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.SENT
    assert not Message.objects.filter(internal=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_send_refused_for_good_is_failed_in_the_api_and_noted(client, telegram_channel, bot_api):
    operator = _active_with_operator(_ada_writes(client, telegram_channel))
    session_id = Message.objects.get(client_id="tg:1").session_id
    bot_api.answer_next(
        "sendMessage",
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="Hello"
    ).message

    body = api_as(operator.user).get(f"/api/v1/sessions/{session_id}/messages/").json()
    shown = {m["id"]: m for m in body["results"]}
    assert shown[reply.pk]["status"] == "failed"
    note = Message.objects.get(internal=True)
    assert "bot was blocked by the user" in note.text


@pytest.mark.django_db(transaction=True)
def test_a_send_that_keeps_failing_ends_failed_after_its_retries(client, telegram_channel, bot_api):
    from inbox.connectors.tasks import connector_reply_send

    operator = _active_with_operator(_ada_writes(client, telegram_channel))
    session_id = Message.objects.get(client_id="tg:1").session_id
    down = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    for _ in range(2):
        bot_api.answer_next("sendMessage", 502, down)

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="Hello"
    ).message
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.PENDING  # the first attempt failed: retried later
    assert not Message.objects.filter(internal=True).exists()
    # the worker's last retry fails too
    connector_reply_send.apply(
        args=[reply.pk], retries=connector_reply_send.max_retries, throw=False
    )

    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.FAILED  # the operator sees it
    assert len(bot_api.of("sendMessage")) == 2
    assert "Bad Gateway" in Message.objects.get(internal=True).text


# --- automated messages ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_offline_message_reaches_a_telegram_contact(client, telegram_channel, bot_api):
    group = telegram_channel.default_group
    group.always_open = False
    group.offline_message = "We are closed. Back at 9."
    group.save()

    _ada_writes(client, telegram_channel)

    assert [c.fields["text"] for c in bot_api.of("sendMessage")] == ["We are closed. Back at 9."]
    notice = Message.objects.get(sender_type=SenderType.SYSTEM)
    assert notice.status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_the_rating_request_reaches_a_telegram_contact_and_a_press_rates(
    client, telegram_channel, bot_api
):
    message = _ada_writes(client, telegram_channel)
    _active_with_operator(message)

    services.session_close(session_id=message.session_id)
    [request] = bot_api.of("sendMessage")
    keyboard = request.fields["reply_markup"]["inline_keyboard"]
    post_update(client, telegram_channel, callback_update(30, "r:4", "q-rate"))

    assert "Rate this conversation" in request.fields["text"]
    assert [row[0]["callback_data"] for row in keyboard] == ["r:5", "r:4", "r:3", "r:2", "r:1"]
    assert Session.objects.get(pk=message.session_id).rating == 4
    assert bot_api.of("answerCallbackQuery")[0].fields == {"callback_query_id": "q-rate"}
    assert Message.objects.filter(session_id=message.session_id).count() == 2  # no new session


# --- the token stays secret ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_bot_token_never_reaches_a_log_or_an_api_answer(
    client, telegram_channel, bot_api, caplog, admin_api
):
    caplog.set_level("DEBUG")
    bot_api.files["big"] = ("photos/file_7.jpg", JPEG)
    bot_api.answer_next("sendMessage", 400, {"ok": False, "description": "Bad Request: x"})
    message = _ada_writes(client, telegram_channel)
    operator = _active_with_operator(message)
    photo = [{"file_id": "big", "file_unique_id": "b", "width": 9, "height": 9}]
    post_update(client, telegram_channel, message_update(2, photo=photo))
    services.operator_message_send(session_id=message.session_id, user=operator.user, text="Hi")
    time.sleep(0.05)

    assert bot_api.of("sendMessage") and bot_api.of("getFile")  # the token was used...
    assert TOKEN not in caplog.text  # ...and never logged
    assert TOKEN.split(":")[1] not in caplog.text
    for url in (
        "/api/v1/channels/",
        f"/api/v1/channels/{telegram_channel.pk}/",
        f"/api/v1/sessions/{message.session_id}/messages/",
    ):
        assert TOKEN.split(":")[1] not in admin_api.get(url).content.decode()
    notes = " ".join(Message.objects.values_list("text", flat=True))
    assert TOKEN.split(":")[1] not in notes


# --- the webhook as the ASGI server runs it ------------------------------------------------


async def _asgi_post(path: str, body: bytes, headers: list[tuple[bytes, bytes]]):  # type: ignore[no-untyped-def]
    from asgiref.testing import ApplicationCommunicator

    from contactcenter.asgi import application

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(10)
    answer = await communicator.receive_output(10)
    return start["status"], answer["body"]


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_webhook_answers_before_django_with_the_same_rules(telegram_channel):
    from asgiref.sync import async_to_sync

    path = f"/hooks/telegram/{telegram_channel.key}/"
    body = json.dumps(message_update(40, text="From the server")).encode()
    secret = [(b"x-telegram-bot-api-secret-token", SECRET.encode())]

    forged = async_to_sync(_asgi_post)(path, body, [(b"x-telegram-bot-api-secret-token", b"x")])
    first = async_to_sync(_asgi_post)(path, body, secret)
    again = async_to_sync(_asgi_post)(path, body, secret)
    unknown = async_to_sync(_asgi_post)("/hooks/telegram/nope/", body, secret)

    assert forged == (403, b"forbidden")
    assert first == again == (200, b"ok")
    assert unknown[0] == 404
    assert list(Message.objects.values_list("text", flat=True)) == ["From the server"]


@pytest.mark.django_db(transaction=True)
def test_a_typed_score_after_the_rating_request_rates_and_other_digits_are_messages(
    client, telegram_channel, bot_api
):
    message = _ada_writes(client, telegram_channel)
    _active_with_operator(message)
    services.session_close(session_id=message.session_id)

    post_update(client, telegram_channel, message_update(50, text=" 5 "))
    post_update(client, telegram_channel, message_update(51, text="3"))  # now a new message

    assert Session.objects.get(pk=message.session_id).rating == 5
    assert not Message.objects.filter(client_id="tg:50").exists()
    later = Message.objects.get(client_id="tg:51")
    assert later.text == "3" and later.session_id != message.session_id


@pytest.mark.django_db(transaction=True)
def test_a_flows_long_ids_go_out_as_positions_and_a_press_comes_back_with_the_ids(
    client, telegram_channel, bot_api
):
    message = _ada_writes(client, telegram_channel)
    node, first, second = (
        "asking_about_delivery." + "x" * 20,
        "by_courier",
        "self_pickup_" + "y" * 30,
    )
    pressed: list[events.ButtonPressed] = []
    events.subscribe(events.ButtonPressed, pressed.append)
    try:
        services.bot_message_send(
            session=message.session,
            text="How?",
            buttons=[{"id": first, "title": "Courier"}, {"id": second, "title": "Pickup"}],
            node=node,
        )
        answer = post_update(client, telegram_channel, callback_update(21, "p:2", "q-78"))
    finally:
        events.unsubscribe(events.ButtonPressed, pressed.append)

    [sent] = bot_api.of("sendMessage")
    datas = [row[0]["callback_data"] for row in sent.fields["reply_markup"]["inline_keyboard"]]
    assert datas == [f"b:{node}:{first}", "p:2"]  # the second would pass 64 bytes
    assert answer.status_code == 200
    assert [(p.node, p.button) for p in pressed] == [(node, second)]
    assert [c.fields for c in bot_api.of("answerCallbackQuery")] == [{"callback_query_id": "q-78"}]
