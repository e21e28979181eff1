"""The e-mail connector against real SMTP: the product's receiver fed by smtplib, and
replies sent to a capturing SMTP server, both on 127.0.0.1."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from crm.models import ChannelType, Contact, ContactIdentity
from inbox import services
from inbox.connectors.base import SendFailed
from inbox.connectors.email.models import EmailReference
from inbox.connectors.email.parse import email_parse
from inbox.connectors.tasks import connector_reply_send
from inbox.models import Dialog, Message, SenderType, Session, SessionStatus
from tests import factories
from tests.inbox.connectors.conftest import fixture_bytes

RU_TEXT = "Здравствуйте!\n\nГде мой заказ №42? Ada"  # noqa: RUF001
GMAIL_ID = "<CAF3x9v1Q2w3e4r5t6y7u8i9o0p-AbCdEfGhIjKlMnOpQrStUvWxYz=12345@mail.gmail.com>"


def smtp_send(port: int, raw: bytes, *, to: str = "support@shop.example") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("bounce@mail.example", [to], raw)


# --- parsing ----------------------------------------------------------------------------


def test_the_plain_part_is_preferred_and_headers_are_decoded():
    parsed = email_parse(fixture_bytes("multipart_alternative_ru.eml"))

    assert parsed.sender == "ada@example.org"
    assert parsed.sender_name == "Adá Lövelace"
    assert parsed.subject == "Вопрос по заказу №42"
    assert parsed.text == RU_TEXT
    assert parsed.message_id == GMAIL_ID
    assert parsed.client_id.startswith("sha256:") and len(parsed.client_id) <= 64


def test_an_html_only_message_is_turned_into_text():
    parsed = email_parse(fixture_bytes("html_only.eml"))

    assert parsed.text == "Hello,\n\nthe invoice says 10 EUR but I paid à la carte.\n\nBob"
    assert parsed.client_id == "<20250305080000.1234@example.net>"


def test_auto_replies_are_marked_automatic():
    assert email_parse(fixture_bytes("auto_reply.eml")).automatic


def test_a_message_without_sender_cannot_be_read():
    with pytest.raises(ValueError):
        email_parse(b"Subject: hi\r\n\r\nno sender\r\n")


# --- inbound over SMTP ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_email_received_by_smtp_lands_in_the_senders_dialog(email_channel, receiver):
    smtp_send(receiver, fixture_bytes("multipart_alternative_ru.eml"))

    identity = ContactIdentity.objects.get(channel_type=ChannelType.EMAIL)
    assert identity.external_id == "ada@example.org"
    assert identity.contact.name == "Adá Lövelace"
    assert identity.contact.email == "ada@example.org"
    dialog = Dialog.objects.get(channel=email_channel, identity=identity)
    message = Message.objects.get(dialog=dialog, sender_type=SenderType.CONTACT)
    assert message.text == RU_TEXT
    assert message.session.status == SessionStatus.QUEUED
    reference = EmailReference.objects.get(message=message)
    assert (reference.header_message_id, reference.subject) == (GMAIL_ID, "Вопрос по заказу №42")


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_email_is_stored_once_and_the_next_one_threads(email_channel, receiver):
    smtp_send(receiver, fixture_bytes("html_only.eml"))
    smtp_send(receiver, fixture_bytes("html_only.eml"))
    follow_up = EmailMessage()
    follow_up["From"] = "Bob Smith <BOB@example.net>"
    follow_up["To"] = "support@shop.example"
    follow_up["Subject"] = "Re: Invoice question"
    follow_up["Message-ID"] = "<second@example.net>"
    follow_up.set_content("Any news?")
    smtp_send(receiver, follow_up.as_bytes())

    assert Dialog.objects.count() == 1
    assert list(
        Message.objects.filter(sender_type=SenderType.CONTACT).values_list("text", flat=True)
    ) == [
        "Hello,\n\nthe invoice says 10 EUR but I paid à la carte.\n\nBob",
        "Any news?",
    ]
    assert Contact.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_receiver_refuses_unknown_mailboxes_and_oversized_mail(email_channel, receiver):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp_send(receiver, fixture_bytes("html_only.eml"), to="someone@elsewhere.example")
    assert refused.value.recipients["someone@elsewhere.example"][0] == 550

    huge = b"From: a@example.net\r\nSubject: big\r\n\r\n" + b"x" * 300_000
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as too_big:
        smtp_send(receiver, huge)  # refused at MAIL FROM SIZE=, or else at DATA
    assert too_big.value.smtp_code == 552
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_auto_replies_are_accepted_but_not_stored(email_channel, receiver):
    smtp_send(receiver, fixture_bytes("auto_reply.eml"))
    assert not Message.objects.exists()


# --- outbound over SMTP -----------------------------------------------------------------


def _active_session_of_email(channel):  # type: ignore[no-untyped-def]
    stored = services.channel_message_receive(
        channel=channel,
        external_id="Ada@Example.org",
        text="Where is my order?",
        client_id="<first@example.org>",
        name="Ada",
        email="ada@example.org",
    )
    EmailReference.objects.create(
        message=stored.message,
        header_message_id="<first@example.org>",
        subject="My order",
        references="<older@example.org> <first@example.org>",
    )
    operator = factories.OperatorFactory(display_name="Olga")
    Session.objects.filter(pk=stored.message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    return stored.message.session_id, operator


@pytest.mark.django_db(transaction=True)
def test_an_operator_reply_is_sent_by_smtp_threaded_under_the_customers_email(
    email_channel, outbox
):
    session_id, operator = _active_session_of_email(email_channel)

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="It ships today."
    ).message

    [sent] = outbox.messages
    assert outbox.envelopes[0].rcpt_tos == ["ada@example.org"]
    assert sent["To"] == "Ada <ada@example.org>"
    assert sent["From"] == "Support <support@shop.example>"
    assert sent["Subject"] == "Re: My order"
    assert sent["In-Reply-To"] == "<first@example.org>"
    assert sent["References"] == "<older@example.org> <first@example.org>"
    assert sent["Message-ID"] == f"<cc.{reply.pk}.{email_channel.key}@shop.example>"
    assert sent.get_content().strip() == "It ships today."
    assert EmailReference.objects.get(message=reply).header_message_id == sent["Message-ID"]


@pytest.mark.django_db(transaction=True)
def test_a_temporary_smtp_failure_is_retried_with_backoff_and_sent_once(email_channel, outbox):
    session_id, operator = _active_session_of_email(email_channel)
    outbox.refuse = ["451 4.3.0 Try again later"]

    reply = services.operator_message_send(
        session_id=session_id, user=operator.user, text="Hello"
    ).message
    assert outbox.messages == []  # the first attempt failed: the task asks for a retry
    assert SendFailed in connector_reply_send.autoretry_for
    assert connector_reply_send.retry_backoff and connector_reply_send.max_retries >= 5

    connector_reply_send.apply(args=[reply.pk])  # what the worker's retry runs
    connector_reply_send.apply(args=[reply.pk])  # a duplicate delivery of the task

    assert [m.get_content().strip() for m in outbox.messages] == ["Hello"]


@pytest.mark.django_db(transaction=True)
def test_a_refused_reply_is_noted_for_the_operator(email_channel, outbox):
    session_id, operator = _active_session_of_email(email_channel)
    outbox.refuse = ["550 5.1.1 No such user"]

    services.operator_message_send(session_id=session_id, user=operator.user, text="Hello")

    assert outbox.messages == []
    note = Message.objects.get(sender_type=SenderType.SYSTEM, internal=True)
    assert note.internal and "could not be delivered" in note.text


@pytest.mark.django_db(transaction=True)
def test_widget_replies_do_not_go_by_email(outbox):
    session = factories.SessionFactory(status=SessionStatus.ACTIVE)
    operator = factories.OperatorFactory()
    Session.objects.filter(pk=session.pk).update(operator=operator)

    services.operator_message_send(session_id=session.pk, user=operator.user, text="Hi")

    assert outbox.messages == []


def test_text_no_one_can_correct_is_made_storable():
    raw = (
        b"From: =?utf-8?q?Ad=C3=A1?= <ada@example.org>\r\nSubject: caf\xe9\r\n"
        b"Message-ID: <a\xff@x.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hello\x00 there\r\n"
    )

    parsed = email_parse(raw)

    for text in (parsed.text, parsed.subject, parsed.message_id, parsed.sender_name):
        text.encode("utf-8")  # no lone surrogate left
        assert "\x00" not in text
    assert parsed.text == "Hello there"


@pytest.mark.django_db
def test_a_channel_message_with_a_nul_and_a_lone_surrogate_is_stored_repaired():
    channel = factories.ChannelFactory(type="email")

    stored = services.channel_message_receive(
        channel=channel, external_id="ada@example.org", text="hi\x00 \ud800!", name="A\x00da"
    )

    assert stored.message.text == "hi \ufffd!"
    assert Contact.objects.get().name == "Ada"


# --- the rating request by e-mail -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_email_customer_is_asked_for_a_rating_and_a_reply_of_a_digit_rates(
    email_channel, outbox, receiver
):
    session_id, _operator = _active_session_of_email(email_channel)

    services.session_close(session_id=session_id)

    [asked] = outbox.messages
    body = asked.get_content()
    assert "Rate this conversation from 1 (bad) to 5 (excellent). Reply with the number." in body
    assert "1. ★\n2. ★★\n3. ★★★\n4. ★★★★\n5. ★★★★★" in body
    reply = EmailMessage()
    reply["From"] = "Ada <ada@example.org>"
    reply["To"] = "support@shop.example"
    reply["Subject"] = f"Re: {asked['Subject']}"
    reply["Message-ID"] = "<rating@example.org>"
    reply["In-Reply-To"] = asked["Message-ID"]
    reply.set_content(f"4\n\nOn Tue, 2 Dec 2026, Support <support@shop.example> wrote:\n> {body}")
    smtp_send(receiver, reply.as_bytes())

    assert Session.objects.get(pk=session_id).rating == 4
    assert not Message.objects.filter(client_id="<rating@example.org>").exists()


@pytest.mark.django_db(transaction=True)
def test_a_digit_by_email_when_nobody_asked_is_an_ordinary_message(email_channel, receiver):
    mail = EmailMessage()
    mail["From"] = "Bob <bob@example.net>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = "Order"
    mail["Message-ID"] = "<digit@example.net>"
    mail.set_content("3")
    smtp_send(receiver, mail.as_bytes())

    assert Message.objects.get(client_id="<digit@example.net>").text == "3"


def test_the_own_part_of_a_reply_is_what_stands_above_the_quote():
    from inbox.connectors.email.parse import reply_own_text

    assert reply_own_text("5\n\nOn Mon, Anna <a@x.example> wrote:\n> How did we do?") == "5"
    assert reply_own_text("5\n> quoted") == "5"
    assert reply_own_text("Спасибо!\n\nПн, 2 дек. Support написал:\n> ...") == "Спасибо!"
    assert reply_own_text("Just text\nover two lines") == "Just text\nover two lines"
