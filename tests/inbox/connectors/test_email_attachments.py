"""Files of incoming e-mail: each one stored as a message after the e-mail's text, a
redelivery storing nothing twice, refused files noted for the operator, and the HTML
body kept sanitised with its inline images pointing at their stored copies."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage

from inbox.connectors.email.inbound import email_deliver
from inbox.connectors.email.models import EmailReference
from inbox.models import Attachment, Message, SenderType
from tests import factories
from tests.conftest import api_as
from tests.inbox.connectors.conftest import fixture_bytes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 4


def mail_with_files(*, message_id: str = "<files@example.org>") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Ada <ada@example.org>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = "Broken parcel"
    mail["Message-ID"] = message_id
    mail.set_content("The parcel came broken, photos attached.")
    mail.add_attachment(PNG, maintype="image", subtype="png", filename="parcel.png")
    # mail programs often send a PDF as a generic type: the name tells what it is
    mail.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="receipt.pdf")
    mail.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="x-msdownload", filename="tool.exe"
    )
    return mail.as_bytes()


def deliver(raw: bytes) -> int:
    return email_deliver(raw=raw, recipients=["support@shop.example"])


def contact_messages() -> list[Message]:
    return list(
        Message.objects.filter(sender_type=SenderType.CONTACT)
        .prefetch_related("attachments")
        .order_by("id")
    )


@pytest.mark.django_db
def test_each_file_of_an_email_is_a_message_after_its_text(email_channel):
    deliver(mail_with_files())

    text, photo, receipt = contact_messages()
    assert text.text == "The parcel came broken, photos attached."
    assert text.attachments.count() == 0
    assert [(a.name, a.content_type) for a in photo.attachments.all()] == [
        ("parcel.png", "image/png")
    ]
    assert [(a.name, a.content_type) for a in receipt.attachments.all()] == [
        ("receipt.pdf", "application/pdf")
    ]
    assert photo.text == receipt.text == ""
    assert photo.session_id == receipt.session_id == text.session_id
    assert photo.attachments.get().file.read() == PNG


@pytest.mark.django_db
def test_a_refused_file_is_skipped_with_a_note_saying_which_and_why(email_channel):
    deliver(mail_with_files())

    [note] = Message.objects.filter(sender_type=SenderType.SYSTEM)
    assert note.internal
    assert "«tool.exe»" in note.text
    assert "application/x-msdownload" in note.text
    assert not Attachment.objects.filter(name="tool.exe").exists()


@pytest.mark.django_db
def test_a_redelivered_email_stores_neither_its_text_nor_its_files_again(email_channel):
    assert deliver(mail_with_files()) == 1

    assert deliver(mail_with_files()) == 0

    assert len(contact_messages()) == 3
    assert Attachment.objects.count() == 2
    assert Message.objects.filter(sender_type=SenderType.SYSTEM).count() == 1


@pytest.mark.django_db
def test_the_same_files_in_another_email_are_stored_again(email_channel):
    deliver(mail_with_files())
    deliver(mail_with_files(message_id="<files-again@example.org>"))

    assert Attachment.objects.count() == 4


@pytest.mark.django_db
def test_an_inline_image_is_stored_and_the_html_shows_it_from_there(email_channel):
    deliver(fixture_bytes("html_inline_image.eml"))

    text, logo = contact_messages()
    stored = logo.attachments.get()
    assert stored.name == "logo.png"
    html = EmailReference.objects.get(message=text).html
    assert f'<img src="{stored.file.url}" alt="Shop logo">' in html
    assert "<script" not in html and "alert" not in html
    assert "onerror" not in html
    assert "tracker.example" not in html  # a remote image is never loaded
    assert '<img alt="pixel">' in html
    assert 'href="https://shop.example/orders/42"' in html
    assert 'target="_blank"' in html and 'rel="noopener noreferrer"' in html
    assert "javascript:" not in html
    assert "style=" not in html and "color: red" not in html
    assert text.text.startswith("Hello, my order 42 has not arrived.")


@pytest.mark.django_db
def test_a_file_larger_than_allowed_is_noted_not_stored(email_channel, settings):
    settings.ATTACHMENT_MAX_BYTES = 50

    deliver(mail_with_files())

    notes = Message.objects.filter(sender_type=SenderType.SYSTEM, internal=True)
    assert {n.text.split(" of this e-mail")[0] for n in notes} == {
        "The file «parcel.png»",
        "The file «receipt.pdf»",
        "The file «tool.exe»",
    }
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_staff_who_see_the_dialog_get_its_emails_formatted_and_others_do_not(email_channel):
    group = factories.GroupFactory()
    email_channel.default_group = group
    email_channel.save()
    anna = factories.OperatorFactory()
    factories.MembershipFactory(group=group, operator=anna)
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider)
    deliver(fixture_bytes("html_inline_image.eml"))
    deliver(mail_with_files())  # plain text only: no HTML
    text = Message.objects.filter(sender_type=SenderType.CONTACT).order_by("id").first()
    url = f"/api/v1/dialogs/{text.dialog_id}/emails/"

    seen = api_as(anna.user).get(url)
    later = api_as(anna.user).get(url, {"after": text.pk})
    hidden = api_as(outsider.user).get(url)
    bad = api_as(anna.user).get(url, {"after": "x"})

    assert seen.status_code == 200
    first, second = seen.json()
    assert (first["message"], first["subject"]) == (text.pk, "Order 42 missing")
    assert first["message_id"] == "<inline-42@mail.example.org>"
    assert "<p>Hello, my <a" in first["html"] and "<script" not in first["html"]
    assert (second["subject"], second["html"]) == ("Broken parcel", "")
    assert [e["subject"] for e in later.json()] == ["Broken parcel"]
    assert hidden.status_code == 404
    assert bad.status_code == 400


@pytest.mark.django_db
def test_a_forwarded_email_is_one_file_whole(email_channel, settings):
    settings.ATTACHMENT_TYPES = [*settings.ATTACHMENT_TYPES, "message/rfc822"]
    inner = EmailMessage()
    inner["From"] = "shop@example.net"
    inner["Subject"] = "Your order"
    inner.set_content("Order 42 shipped.")
    outer = EmailMessage()
    outer["From"] = "Ada <ada@example.org>"
    outer["To"] = "support@shop.example"
    outer["Subject"] = "Fwd: Your order"
    outer["Message-ID"] = "<fwd@example.org>"
    outer.set_content("See below, it never came.")
    outer.add_attachment(inner)

    deliver(outer.as_bytes())

    text, forwarded = contact_messages()
    assert text.text == "See below, it never came."
    stored = forwarded.attachments.get()
    assert (stored.name, stored.content_type) == ("message.eml", "message/rfc822")
    assert b"Order 42 shipped." in stored.file.read()


class DiskFullForSecondFiles(FileSystemStorage):
    """A disk with room for a file called "first..." but not for "second..."."""

    def _save(self, name: str, content: Any) -> str:
        if "second" in name:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


@pytest.mark.django_db
def test_a_failure_midway_keeps_nothing_of_the_email_not_even_its_first_file(
    email_channel, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.DiskFullForSecondFiles"},
    }
    mail = EmailMessage()
    mail["From"] = "Ada <ada@example.org>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = "Two files"
    mail["Message-ID"] = "<two@example.org>"
    mail.set_content("Two receipts")
    for name in ("first.pdf", "second.pdf"):
        mail.add_attachment(PDF, maintype="application", subtype="pdf", filename=name)

    with pytest.raises(OSError):
        deliver(mail.as_bytes())

    assert not Message.objects.exists()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []
