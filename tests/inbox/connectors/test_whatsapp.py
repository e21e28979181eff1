"""The WhatsApp Cloud API channel against a local Graph API on 127.0.0.1 that speaks
the real protocol (``fake_graph_api``): Meta's handshake and signed webhooks in,
messages, buttons, lists and files out, delivery reports, errors and retries."""

from __future__ import annotations

import logging

import pytest

from crm.models import ChannelType, Contact, ContactIdentity
from inbox import services
from inbox.connectors.base import SendFailed
from inbox.connectors.tasks import connector_reply_send
from inbox.connectors.whatsapp.protocol import client_id_of, signature_of
from inbox.models import Attachment, DeliveryStatus, Message, SenderType, Session, SessionStatus
from tests import factories
from tests.conftest import api_as
from tests.inbox.connectors.whatsapp_support import (
    NUMBER,
    TOKEN,
    VERIFY_TOKEN,
    hook_url,
    message_value,
    post_signed,
    status_value,
    text_value,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _contact_messages(channel):  # type: ignore[no-untyped-def]
    return list(
        Message.objects.filter(dialog__channel=channel, sender_type=SenderType.CONTACT).order_by(
            "id"
        )
    )


def _active_session(client, channel, api):  # type: ignore[no-untyped-def]
    post_signed(client, channel, api, text_value("Hello, where is my order?"))
    message = _contact_messages(channel)[-1]
    operator = factories.OperatorFactory(display_name="Olga")
    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    return message.session_id, operator


# --- the handshake and the signature ------------------------------------------------------
# (the webhook works in its own threads, so these tests commit what it must see)


@pytest.mark.django_db(transaction=True)
def test_the_subscription_handshake_echoes_the_challenge_for_the_right_token(
    client, whatsapp_channel
):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8413"}

    answer = client.get(hook_url(whatsapp_channel), query)

    assert answer.status_code == 200
    assert answer.content == b"8413"
    assert answer["Content-Type"].startswith("text/plain")


@pytest.mark.django_db(transaction=True)
def test_the_handshake_with_a_wrong_token_is_refused(client, whatsapp_channel):
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "8413"}

    answer = client.get(hook_url(whatsapp_channel), query)

    assert answer.status_code == 403
    assert b"8413" not in answer.content


@pytest.mark.django_db(transaction=True)
def test_a_forged_or_missing_signature_is_refused_and_nothing_is_stored(
    client, whatsapp_channel, graph_api
):
    body, _good = graph_api.signed(graph_api.webhook(text_value("hi")))
    forged = signature_of(body, "not-the-app-secret")

    missing = client.post(hook_url(whatsapp_channel), data=body, content_type="application/json")
    wrong = client.post(
        hook_url(whatsapp_channel),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=forged,
    )
    tampered = client.post(
        hook_url(whatsapp_channel),
        data=body.replace(b"hi", b"ho"),
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=_good,
    )

    assert [missing.status_code, wrong.status_code, tampered.status_code] == [403, 403, 403]
    assert Message.objects.count() == 0
    assert Contact.objects.count() == 0


# --- inbound ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_text_lands_in_the_numbers_dialog_with_the_profile_name(
    client, whatsapp_channel, graph_api
):
    answer = post_signed(client, whatsapp_channel, graph_api, text_value("Привет! Где заказ?"))

    assert answer.status_code == 200
    identity = ContactIdentity.objects.get(channel_type=ChannelType.WHATSAPP)
    assert identity.external_id == NUMBER
    assert identity.contact.name == "Ada"
    assert identity.contact.phone == "+" + NUMBER
    [message] = _contact_messages(whatsapp_channel)
    assert message.text == "Привет! Где заказ?"
    assert message.session.status == SessionStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_repeated_message_id_stores_one_message_and_a_long_id_is_hashed_to_fit(
    client, whatsapp_channel, graph_api
):
    long_id = "wamid." + "HBgLMTU1NTc2NTQzMjEVAgASGBQzQUI1" * 4
    for _ in range(3):
        assert (
            post_signed(client, whatsapp_channel, graph_api, text_value("hi", wamid=long_id))
        ).status_code == 200

    [message] = _contact_messages(whatsapp_channel)
    assert message.client_id == client_id_of(long_id)
    assert len(message.client_id) <= 64
    assert client_id_of(long_id) == client_id_of(long_id)


@pytest.mark.django_db(transaction=True)
def test_an_image_with_a_caption_is_fetched_through_the_graph_api(
    client, whatsapp_channel, graph_api
):
    graph_api.media["7001"] = (PNG, "image/png")
    image = {"caption": "The broken seed packet", "mime_type": "image/png", "id": "7001"}

    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.IMG1", "type": "image", "image": image}),
    )

    [message] = _contact_messages(whatsapp_channel)
    assert message.text == "The broken seed packet"
    [attachment] = Attachment.objects.filter(message=message)
    assert attachment.content_type == "image/png"
    with attachment.file.open("rb") as file:
        assert file.read() == PNG
    lookups = graph_api.of("media_url") + graph_api.of("download")
    assert [c.headers["authorization"] for c in lookups] == [f"Bearer {TOKEN}"] * 2


@pytest.mark.django_db(transaction=True)
def test_a_document_keeps_its_file_name(client, whatsapp_channel, graph_api):
    graph_api.media["7002"] = (PDF, "application/pdf")
    document = {"filename": "invoice-42.pdf", "mime_type": "application/pdf", "id": "7002"}

    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.DOC1", "type": "document", "document": document}),
    )

    [message] = _contact_messages(whatsapp_channel)
    [attachment] = Attachment.objects.filter(message=message)
    assert attachment.name == "invoice-42.pdf"


@pytest.mark.django_db(transaction=True)
def test_a_media_url_on_a_private_address_of_another_host_is_not_fetched(
    client, whatsapp_channel, graph_api
):
    graph_api.media["7003"] = (PNG, "image/png")
    graph_api.media_url_override = "http://localhost:9/secret-admin-page"
    image = {"mime_type": "image/png", "id": "7003"}

    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.IMG2", "type": "image", "image": image}),
    )

    assert graph_api.of("download") == []
    [message] = _contact_messages(whatsapp_channel)  # the operator learns a file came
    assert "was not kept" in message.text
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_interactive_button_reply_is_a_bot_button_press(
    client, whatsapp_channel, graph_api, sent_frames
):
    from contactcenter import events

    pressed: list[events.ButtonPressed] = []
    events.subscribe(events.ButtonPressed, pressed.append)
    reply = {"type": "button_reply", "button_reply": {"id": "b:12:3", "title": "Delivery"}}
    try:
        post_signed(
            client,
            whatsapp_channel,
            graph_api,
            message_value({"id": "wamid.BTN1", "type": "interactive", "interactive": reply}),
        )
    finally:
        events.unsubscribe(events.ButtonPressed, pressed.append)

    assert [(p.node, p.button) for p in pressed] == [("12", "3")]


@pytest.mark.django_db(transaction=True)
def test_a_list_reply_to_the_rating_request_rates_the_session(client, whatsapp_channel, graph_api):
    session_id, _operator = _active_session(client, whatsapp_channel, graph_api)
    services.session_close(session_id=session_id, reason="resolved")
    request = Message.objects.filter(session_id=session_id, buttons__isnull=False).get()
    assert graph_api.sent[-1]["interactive"]["type"] == "list"  # 5 scores: a list
    rows = graph_api.sent[-1]["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["r:5", "r:4", "r:3", "r:2", "r:1"]
    assert request.status == DeliveryStatus.SENT

    reply = {"type": "list_reply", "list_reply": {"id": "r:4", "title": "★★★★"}}
    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.LIST1", "type": "interactive", "interactive": reply}),
    )

    assert Session.objects.get(pk=session_id).rating == 4


@pytest.mark.django_db(transaction=True)
def test_a_typed_number_after_the_rating_request_is_the_rating(client, whatsapp_channel, graph_api):
    session_id, _operator = _active_session(client, whatsapp_channel, graph_api)
    services.session_close(session_id=session_id, reason="resolved")

    post_signed(client, whatsapp_channel, graph_api, text_value("5", wamid="wamid.TYPED5"))

    assert Session.objects.get(pk=session_id).rating == 5


@pytest.mark.django_db(transaction=True)
def test_a_typed_number_answers_a_numbered_menu(client, whatsapp_channel, graph_api):
    from contactcenter import events

    session_id, _operator = _active_session(client, whatsapp_channel, graph_api)
    titles = [f"Question about a rather long topic number {n}" for n in range(1, 11)]
    services.bot_message_send(  # a text longer than an interactive body: numbered text
        session=Session.objects.get(pk=session_id),
        text="What is it about? " * 60,
        buttons=[{"id": 100 + n, "title": t} for n, t in enumerate(titles, start=1)],
        node=77,
    )
    assert graph_api.sent[-1]["type"] == "text"
    assert "2. Question about a rather long topic number 2" in graph_api.sent[-1]["text"]["body"]
    pressed: list[events.ButtonPressed] = []
    events.subscribe(events.ButtonPressed, pressed.append)
    try:
        post_signed(client, whatsapp_channel, graph_api, text_value("2", wamid="wamid.TYPED2"))
    finally:
        events.unsubscribe(events.ButtonPressed, pressed.append)

    assert [(p.node, p.button) for p in pressed] == [("77", "102")]


@pytest.mark.django_db(transaction=True)
def test_a_number_equal_to_a_known_contacts_phone_links_to_that_contact(
    client, whatsapp_channel, graph_api
):
    known = factories.ContactFactory(name="Ada Lovelace", phone="+" + NUMBER)

    post_signed(client, whatsapp_channel, graph_api, text_value("It's me again"))

    identity = ContactIdentity.objects.get(channel_type=ChannelType.WHATSAPP)
    assert identity.contact_id == known.pk
    [message] = _contact_messages(whatsapp_channel)
    assert message.dialog.contact_id == known.pk


@pytest.mark.django_db(transaction=True)
def test_under_the_suggest_policy_a_known_phone_is_a_merge_suggestion(
    client, whatsapp_channel, graph_api
):
    from crm.models import IdentityPolicy, LinkPolicy, MergeSuggestion

    policy = IdentityPolicy.current()
    policy.link_policy = LinkPolicy.SUGGEST
    policy.save()
    known = factories.ContactFactory(name="Ada Lovelace", phone="+" + NUMBER)

    post_signed(client, whatsapp_channel, graph_api, text_value("It's me again"))

    identity = ContactIdentity.objects.get(channel_type=ChannelType.WHATSAPP)
    assert identity.contact_id != known.pk
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.contact_id, suggestion.candidate_id, suggestion.reason) == (
        identity.contact_id,
        known.pk,
        "phone",
    )


# --- outbound -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_operators_reply_is_sent_as_text_and_marked_sent(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="It ships today."
    )

    sent = graph_api.of("messages")[-1]
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": NUMBER,
        "type": "text",
        "text": {"body": "It ships today.", "preview_url": False},
    }
    stored = Message.objects.get(pk=reply.message.pk)
    assert stored.status == DeliveryStatus.SENT
    assert stored.channel_message_id.startswith("wamid.")


@pytest.mark.django_db(transaction=True)
def test_up_to_three_short_bot_buttons_are_reply_buttons(client, whatsapp_channel, graph_api):
    session_id, _operator = _active_session(client, whatsapp_channel, graph_api)

    services.bot_message_send(
        session=Session.objects.get(pk=session_id),
        text="Pick one",
        buttons=[{"id": 1, "title": "Delivery"}, {"id": 2, "title": "Payment"}],
        node=5,
    )

    interactive = graph_api.sent[-1]["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Pick one"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "b:5:1", "title": "Delivery"}},
        {"type": "reply", "reply": {"id": "b:5:2", "title": "Payment"}},
    ]


@pytest.mark.django_db(transaction=True)
def test_more_buttons_or_longer_titles_become_a_list(client, whatsapp_channel, graph_api):
    session_id, _operator = _active_session(client, whatsapp_channel, graph_api)
    titles = ["Delivery", "Payment", "Returns", "A question about seeds and soil"]

    services.bot_message_send(
        session=Session.objects.get(pk=session_id),
        text="Pick one",
        buttons=[{"id": n, "title": t} for n, t in enumerate(titles, start=1)],
        node=5,
    )

    interactive = graph_api.sent[-1]["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["b:5:1", "b:5:2", "b:5:3", "b:5:4"]
    assert rows[3]["title"] == "A question about seeds …" and len(rows[3]["title"]) <= 24
    assert rows[3]["description"] == "A question about seeds and soil"
    assert len(interactive["action"]["button"]) <= 20


@pytest.mark.django_db(transaction=True)
def test_a_file_is_uploaded_then_sent_by_its_media_id(client, whatsapp_channel, graph_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session_id, operator = _active_session(client, whatsapp_channel, graph_api)

    services.operator_attachment_send(
        session_id=session_id,
        user=operator.user,
        upload=SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
        text="Your invoice",
    )

    [upload] = graph_api.of("media")
    assert upload.fields["messaging_product"] == "whatsapp"
    assert upload.files["file"] == ("invoice.pdf", PDF, "application/pdf")
    media_id = next(iter(graph_api.media))
    assert graph_api.sent[-1]["type"] == "document"
    assert graph_api.sent[-1]["document"] == {
        "id": media_id,
        "filename": "invoice.pdf",
        "caption": "Your invoice",
    }


@pytest.mark.django_db(transaction=True)
def test_a_429_is_retried_and_the_reply_still_goes_out(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)
    graph_api.fail_next("messages", 429, "(#130429) Rate limit hit", 130429)
    graph_api.fail_next("messages", 500, "An unknown error occurred", 1)

    before = len(graph_api.sent)

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="Sorry for the wait."
    ).message
    assert Message.objects.get(pk=reply.pk).status == DeliveryStatus.PENDING  # 429: retry
    assert SendFailed in connector_reply_send.autoretry_for
    connector_reply_send.apply(args=[reply.pk], throw=False)  # the retry: a 500, again
    connector_reply_send.apply(args=[reply.pk])  # and this one goes through
    connector_reply_send.apply(args=[reply.pk])  # a duplicate delivery of the task

    assert len(graph_api.sent) - before == 3
    assert graph_api.sent[-1]["text"]["body"] == "Sorry for the wait."
    assert Message.objects.get(pk=reply.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_400_fails_the_message_for_good_with_a_note_for_the_operator(
    client, whatsapp_channel, graph_api
):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)
    graph_api.fail_next("messages", 400, "(#131026) Message undeliverable", 131026)

    before = len(graph_api.sent)

    reply = services.operator_message_send(session_id=session_id, user=operator.user, text="Hi")

    assert len(graph_api.sent) - before == 1  # not retried
    assert Message.objects.get(pk=reply.message.pk).status == DeliveryStatus.FAILED
    note = Message.objects.filter(session_id=session_id, internal=True).last()
    assert "Message undeliverable" in note.text
    assert TOKEN not in note.text


@pytest.mark.django_db(transaction=True)
def test_statuses_out_of_order_never_move_backwards(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)
    reply = services.operator_message_send(session_id=session_id, user=operator.user, text="Hi")
    wamid = Message.objects.get(pk=reply.message.pk).channel_message_id

    seen = []
    for status in ("read", "delivered", "sent", "failed"):
        post_signed(client, whatsapp_channel, graph_api, status_value(wamid, status))
        seen.append(Message.objects.get(pk=reply.message.pk).status)

    assert seen == ["read", "read", "read", "read"]


@pytest.mark.django_db(transaction=True)
def test_delivered_then_read_move_forward(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)
    reply = services.operator_message_send(session_id=session_id, user=operator.user, text="Hi")
    wamid = Message.objects.get(pk=reply.message.pk).channel_message_id

    post_signed(client, whatsapp_channel, graph_api, status_value(wamid, "delivered"))
    delivered = Message.objects.get(pk=reply.message.pk).status
    post_signed(client, whatsapp_channel, graph_api, status_value(wamid, "read"))

    assert (delivered, Message.objects.get(pk=reply.message.pk).status) == ("delivered", "read")


@pytest.mark.django_db(transaction=True)
def test_the_access_token_is_in_no_log_and_no_api_answer(
    client, whatsapp_channel, graph_api, caplog
):
    caplog.set_level(logging.DEBUG)
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)
    graph_api.fail_next("messages", 401, "Error validating access token", 190)
    services.operator_message_send(session_id=session_id, user=operator.user, text="Hi")
    admin = factories.UserFactory(is_staff=True, is_superuser=True)

    answers = [
        api_as(admin).get(f"/api/v1/channels/{whatsapp_channel.pk}/").content,
        api_as(admin).get("/api/v1/channels/").content,
        api_as(operator.user).get(f"/api/v1/sessions/{session_id}/messages/").content,
    ]

    assert all(TOKEN.encode() not in answer for answer in answers)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in m.text for m in Message.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_voice_note_the_inbox_does_not_keep_is_stored_as_a_line_saying_so(
    client, whatsapp_channel, graph_api
):
    graph_api.media["7004"] = (b"OggS\x00\x02" + b"\x00" * 100, "audio/ogg")
    audio = {"mime_type": "audio/ogg; codecs=opus", "id": "7004", "voice": True}

    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.VOICE1", "type": "audio", "audio": audio}),
    )

    [message] = _contact_messages(whatsapp_channel)
    assert "whatsapp-7004.oga" in message.text and "was not kept" in message.text
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_shared_location_is_a_line_with_its_coordinates(client, whatsapp_channel, graph_api):
    location = {"latitude": 55.7539, "longitude": 37.6208, "name": "Red Square"}

    post_signed(
        client,
        whatsapp_channel,
        graph_api,
        message_value({"id": "wamid.LOC1", "type": "location", "location": location}),
    )

    [message] = _contact_messages(whatsapp_channel)
    assert message.text == "📍 55.7539, 37.6208 (Red Square)"


@pytest.mark.django_db(transaction=True)
def test_a_failed_status_fails_the_reply_and_tells_the_operator_why(
    client, whatsapp_channel, graph_api
):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api)
    reply = services.operator_message_send(session_id=session_id, user=operator.user, text="Hi")
    wamid = Message.objects.get(pk=reply.message.pk).channel_message_id
    value = status_value(wamid, "failed")
    value["statuses"][0]["errors"] = [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "The recipient's number is not on WhatsApp."},
        }
    ]

    post_signed(client, whatsapp_channel, graph_api, value)
    post_signed(client, whatsapp_channel, graph_api, value)  # Meta repeats itself

    assert Message.objects.get(pk=reply.message.pk).status == DeliveryStatus.FAILED
    [note] = Message.objects.filter(session_id=session_id, internal=True)
    assert note.text == (
        "The reply could not be delivered: The recipient's number is not on WhatsApp. (code 131026)"
    )
