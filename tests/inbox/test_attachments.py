"""Attachments end to end: the checks of inbox.services.attachments, the pipeline
(contact and operator), the widget's upload endpoint, the operator API action and the
view that serves stored files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from inbox import payloads, services
from inbox.models import Attachment, Message, SessionStatus
from inbox.services import attachments as files
from tests import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files go to a fresh MEDIA_ROOT per test; returns it."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(name="photo.png", content=PNG, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _visitor():
    channel = factories.ChannelFactory()
    visitor, token = services.widget_visitor_create(channel=channel, name="Ada")
    return visitor, token


def _assigned_session():
    operator = factories.OperatorFactory(display_name="Anna")
    session = factories.SessionFactory(status=SessionStatus.ACTIVE, operator=operator)
    return session, operator


# --- checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("a\x00b\r\nc\x7f.txt", "abc.txt"),
        ("\u202egnp.exe", "gnp.exe"),  # right-to-left override: a spoofed extension
        ("Счёт №5.pdf", "Счёт №5.pdf"),
        ("", "file"),
        (None, "file"),
        ("..", "file"),
        ("dir/", "file"),
        ("  \t ", "file"),
    ],
)
def test_file_names_keep_only_their_own_visible_name(raw, clean):
    assert files.attachment_name_clean(raw) == clean


def test_a_long_file_name_is_cut_to_200_characters_keeping_its_extension():
    name = files.attachment_name_clean("x" * 500 + ".pdf")
    assert len(name) == 200
    assert name.endswith("x.pdf")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (GIF, "image/gif"),
        (WEBP, "image/webp"),
        (PDF, "application/pdf"),
        (b"anything at all", "text/plain"),
        (PNG, "IMAGE/PNG; charset=binary"),
    ],
)
def test_files_of_allowed_types_with_matching_content_pass(content, content_type):
    clean = files.attachment_clean(upload("f", content, content_type))
    assert clean.content_type == content_type.split(";")[0].lower()
    assert clean.size == len(content)


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"<html><script>alert(1)</script>", "image/png", "bad_content"),
        (PNG, "image/jpeg", "bad_content"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "image/webp", "bad_content"),
        (b"<svg onload=alert(1)>", "image/svg+xml", "bad_type"),
        (b"<html></html>", "text/html", "bad_type"),
        (PNG, "", "bad_type"),
        (b"", "text/plain", "empty_file"),
    ],
)
def test_wrong_types_and_mismatching_content_are_refused(content, content_type, code):
    with pytest.raises(files.AttachmentRejected) as refused:
        files.attachment_clean(upload("f.png", content, content_type))
    assert refused.value.code == code


def test_a_file_over_the_limit_is_too_large(settings):
    settings.ATTACHMENT_MAX_BYTES = len(PNG) - 1
    with pytest.raises(files.AttachmentRejected) as refused:
        files.attachment_clean(upload())
    assert refused.value.code == "too_large"


# --- the pipeline -----------------------------------------------------------------------


def test_a_contact_file_is_stored_and_pushed_to_staff_with_its_attachment(
    media, django_capture_on_commit_callbacks, sent_frames
):
    visitor, _ = _visitor()
    seen: list[events.Event] = []
    events.subscribe(events.MessageReceived, seen.append)
    group = visitor.channel.default_group

    try:
        with django_capture_on_commit_callbacks(execute=True):
            stored = services.contact_attachment_receive(
                dialog_id=visitor.dialog_id, upload=upload(), client_id="f-1"
            )
    finally:
        events.unsubscribe(events.MessageReceived, seen.append)

    attachment = Attachment.objects.get()
    assert stored.created and stored.message.text == ""
    assert stored.message.session.status == SessionStatus.QUEUED
    assert attachment.message == stored.message
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "photo.png",
        "image/png",
        len(PNG),
    )
    assert stored_files(media) == [media / attachment.file.name]
    assert (media / attachment.file.name).read_bytes() == PNG
    assert attachment.file.name.startswith(f"attachments/{visitor.dialog_id}/")
    [frame] = [
        f
        for g, f in sent_frames
        if g == realtime.supervisor_group(group.pk) and f["type"] == "message.created"
    ]
    assert frame["message"]["attachments"] == [
        {
            "id": attachment.pk,
            "name": "photo.png",
            "url": f"/media/{attachment.file.name}",
            "content_type": "image/png",
            "size": len(PNG),
        }
    ]
    assert [type(e) for e in seen] == [events.MessageReceived]
    assert [a["id"] for a in _message_payload(stored)["attachments"]] == [attachment.pk]


def _message_payload(stored):
    return payloads.message(stored.message)


def test_a_repeated_client_id_writes_no_second_file(media):
    visitor, _ = _visitor()
    first = services.contact_attachment_receive(
        dialog_id=visitor.dialog_id, upload=upload(), client_id="f-1", text="my receipt"
    )

    again = services.contact_attachment_receive(
        dialog_id=visitor.dialog_id, upload=upload(), client_id="f-1", text="my receipt"
    )

    assert not again.created
    assert again.message.pk == first.message.pk
    assert [a["name"] for a in _message_payload(again)["attachments"]] == ["photo.png"]
    assert Attachment.objects.count() == 1 and Message.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_a_traversal_name_is_stored_inside_the_media_root_under_its_clean_name(media):
    visitor, _ = _visitor()

    services.contact_attachment_receive(
        dialog_id=visitor.dialog_id,
        upload=upload("../../../../settings.py", b"print('hi')", "text/plain"),
    )

    attachment = Attachment.objects.get()
    assert attachment.name == "settings.py"
    assert attachment.file.name.startswith(f"attachments/{visitor.dialog_id}/")
    assert ".." not in attachment.file.name
    [path] = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())


@pytest.mark.parametrize(
    ("name", "content", "content_type", "on_disk"),
    [
        ("photo", PNG, "image/png", "photo.png"),
        ("!!!", PNG, "image/png", "file.png"),
        ("scan.JPEG", JPEG, "image/jpeg", "scan.JPEG"),
        ("x.pdf", b"not a pdf", "text/plain", "x.pdf.bin"),
        ("notes.txt", b"hello", "text/plain", "notes.txt"),
    ],
)
def test_the_name_on_disk_has_an_extension_only_when_it_tells_the_checked_type(
    name, content, content_type, on_disk
):
    visitor, _ = _visitor()

    services.contact_attachment_receive(
        dialog_id=visitor.dialog_id, upload=upload(name, content, content_type)
    )

    attachment = Attachment.objects.get()
    assert attachment.name == name
    assert attachment.file.name.rsplit("/", 1)[1] == on_disk


def test_a_rolled_back_message_leaves_no_file(media, monkeypatch):
    visitor, _ = _visitor()

    emit = events.emit
    written_before_failing = []

    def broken(event):
        if isinstance(event, events.MessageReceived):  # after the file is written
            written_before_failing.extend(stored_files(media))
            raise RuntimeError("the database went away")
        emit(event)

    monkeypatch.setattr(events, "emit", broken)
    with pytest.raises(RuntimeError):
        services.contact_attachment_receive(dialog_id=visitor.dialog_id, upload=upload())

    assert len(written_before_failing) == 1
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_refused_file_stores_nothing(media, settings):
    visitor, _ = _visitor()
    settings.ATTACHMENT_MAX_BYTES = 10

    with pytest.raises(services.MessageRejected) as refused:
        services.contact_attachment_receive(dialog_id=visitor.dialog_id, upload=upload())

    assert refused.value.code == "too_large"
    assert not Message.objects.exists()
    assert stored_files(media) == []


def test_an_operator_file_goes_to_the_visitor_after_commit(
    media, django_capture_on_commit_callbacks, sent_frames
):
    session, operator = _assigned_session()

    with django_capture_on_commit_callbacks(execute=True):
        stored = services.operator_attachment_send(
            session_id=session.pk,
            user=operator.user,
            upload=upload("offer.pdf", PDF, "application/pdf"),
            text="Here is the offer",
            client_id="op-f",
        )

    [frame] = [f for g, f in sent_frames if g == realtime.dialog_group(session.dialog_id)]
    assert frame["type"] == "message"
    assert frame["message"]["text"] == "Here is the offer"
    assert frame["message"]["sender_type"] == "operator"
    [sent] = frame["message"]["attachments"]
    assert (sent["name"], sent["content_type"], sent["size"]) == (
        "offer.pdf",
        "application/pdf",
        len(PDF),
    )
    session.refresh_from_db()
    assert session.first_response_at == stored.message.created_at


def test_only_the_holder_sends_files_and_nothing_is_left_behind(media):
    session, _ = _assigned_session()
    stranger = factories.OperatorFactory()

    with pytest.raises(StateConflict):
        services.operator_attachment_send(
            session_id=session.pk, user=stranger.user, upload=upload()
        )

    assert not Message.objects.exists()
    assert stored_files(media) == []


def test_a_file_written_in_an_atomic_block_that_fails_later_is_removed(media):
    visitor, _ = _visitor()

    with (
        pytest.raises(ZeroDivisionError),
        files.files_removed_on_failure() as written,
        transaction.atomic(),
    ):
        message = Message.objects.create(dialog_id=visitor.dialog_id, sender_type="contact")
        files.attachment_store(
            message=message, file=files.attachment_clean(upload()), written=written
        )
        assert len(stored_files(media)) == 1
        1 / 0  # noqa: B018

    assert stored_files(media) == []
