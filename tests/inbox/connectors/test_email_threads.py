"""Which session an incoming e-mail goes to: a reply threads by In-Reply-To and
References, a new subject from the same sender starts a new session in the same dialog
once the old matter was answered, and never closes one that waits for an answer."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from inbox import services
from inbox.connectors.email.inbound import email_deliver
from inbox.models import CloseReason, Dialog, Message, SenderType, Session, SessionStatus
from tests import factories


def mail(
    subject: str,
    message_id: str,
    *,
    text: str = "Hello",
    in_reply_to: str = "",
    references: str = "",
) -> bytes:
    email = EmailMessage()
    email["From"] = "Ada <ada@example.org>"
    email["To"] = "support@shop.example"
    email["Subject"] = subject
    email["Message-ID"] = message_id
    if in_reply_to:
        email["In-Reply-To"] = in_reply_to
    if references:
        email["References"] = references
    email.set_content(text)
    return email.as_bytes()


def deliver(raw: bytes) -> None:
    email_deliver(raw=raw, recipients=["support@shop.example"])


def session_of(text: str) -> Session:
    return Message.objects.select_related("session").get(text=text).session


def operator_answers(session: Session, text: str = "We are on it.") -> None:
    operator = factories.OperatorFactory()
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.ACTIVE, operator=operator)
    services.operator_message_send(session_id=session.pk, user=operator.user, text=text)


@pytest.mark.django_db
def test_a_new_subject_after_an_answer_starts_a_new_session_in_the_same_dialog(
    email_channel, outbox
):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    first = session_of("Where is invoice 7?")
    operator_answers(first)

    deliver(mail("Password reset", "<b@example.org>", text="I cannot log in."))

    second = session_of("I cannot log in.")
    first.refresh_from_db()
    assert second.pk != first.pk
    assert second.dialog_id == first.dialog_id
    assert (first.status, first.close_reason) == (SessionStatus.CLOSED, CloseReason.RESOLVED)
    assert second.status != SessionStatus.CLOSED
    assert second.previous_session_id == first.pk
    assert Dialog.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_by_in_reply_to_stays_in_its_session_whatever_its_subject(email_channel, outbox):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    first = session_of("Where is invoice 7?")
    operator_answers(first)

    deliver(
        mail("Totally different", "<c@example.org>", text="Thanks!", in_reply_to="<a@example.org>")
    )

    assert session_of("Thanks!").pk == first.pk
    first.refresh_from_db()
    assert first.status == SessionStatus.ACTIVE


@pytest.mark.django_db(transaction=True)  # the reply leaves by SMTP once committed
def test_a_reply_to_our_reply_threads_by_references(email_channel, outbox):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    first = session_of("Where is invoice 7?")
    operator_answers(first, "Attached again.")
    [sent] = outbox.messages  # our reply, with its own Message-ID

    deliver(
        mail(
            "New question",
            "<d@example.org>",
            text="Got it, thanks",
            references=f"<a@example.org> {sent['Message-ID']}",
        )
    )

    assert session_of("Got it, thanks").pk == first.pk


@pytest.mark.django_db
def test_the_same_subject_with_reply_prefixes_stays_in_the_session(email_channel, outbox):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    first = session_of("Where is invoice 7?")
    operator_answers(first)

    deliver(mail("RE: Fwd: invoice  7", "<e@example.org>", text="Any news?"))

    assert session_of("Any news?").pk == first.pk


@pytest.mark.django_db
def test_a_new_subject_while_the_customer_waits_joins_the_session_with_a_note(email_channel):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    first = session_of("Where is invoice 7?")

    deliver(mail("Password reset", "<b@example.org>", text="I cannot log in."))

    assert session_of("I cannot log in.").pk == first.pk
    first.refresh_from_db()
    assert first.status == SessionStatus.QUEUED  # still in the queue, in its place
    note = Message.objects.get(sender_type=SenderType.SYSTEM)
    assert note.internal and note.session_id == first.pk
    assert note.text == "This e-mail starts a new subject: Password reset"


@pytest.mark.django_db
def test_a_redelivered_new_subject_does_not_close_the_session_it_opened(email_channel, outbox):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    operator_answers(session_of("Where is invoice 7?"))
    deliver(mail("Password reset", "<b@example.org>", text="I cannot log in."))
    second = session_of("I cannot log in.")
    operator_answers(second, "Here is a reset link.")

    deliver(mail("Password reset", "<b@example.org>", text="I cannot log in."))

    second.refresh_from_db()
    assert second.status == SessionStatus.ACTIVE
    assert Session.objects.count() == 2


@pytest.mark.django_db
def test_a_reply_after_the_session_closed_opens_the_next_one(email_channel, outbox):
    deliver(mail("Invoice 7", "<a@example.org>", text="Where is invoice 7?"))
    first = session_of("Where is invoice 7?")
    services.session_close(session_id=first.pk)

    deliver(
        mail(
            "Re: Invoice 7", "<f@example.org>", text="Still missing", in_reply_to="<a@example.org>"
        )
    )

    again = session_of("Still missing")
    assert again.pk != first.pk and again.previous_session_id == first.pk
