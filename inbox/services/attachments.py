"""Files attached to messages: the one place that decides what may be stored.

``attachment_clean`` checks an upload (size, declared type, and for images and PDFs
that the bytes really are of that type) and gives it a safe name; ``attachment_store``
writes it for a message inside the caller's transaction, and ``files_removed_on_failure``
deletes what was written when that transaction does not commit, so a rolled-back
message leaves no orphaned file and a committed one never loses its file.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from inbox.models import Attachment, Message

MAX_NAME = 200
FALLBACK_NAME = "file"
# Room in a multipart request for the parts' headers and the text besides the file.
MULTIPART_SLACK = 64 * 1024

# The first bytes a file of these types starts with. Types that browsers render
# (images, PDF) must prove what they are; everything else is served as a download.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}
INLINE_TYPES = frozenset({*SIGNATURES, "image/webp"})
# The extensions a stored file of an inline type may have on disk, the first one added
# when it has none of them. No other file keeps one of these, so a proxy that serves
# MEDIA_ROOT by extension agrees with the type checked here.
INLINE_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


class AttachmentRejected(ValueError):
    """An upload that may not be stored; ``code`` is ``too_large``, ``no_file``,
    ``empty_file``, ``bad_type`` or ``bad_content``."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class CleanFile:
    """An upload that passed the checks: ``name`` is what people see, ``upload`` the
    file object to copy from (any ``django.core.files.File``)."""

    upload: Any
    name: str
    content_type: str
    size: int


def upload_may_fit(content_length: Any) -> bool:
    """False when a request's declared length cannot hold an allowed file: such a body
    is refused before it is read."""
    try:
        declared = int(content_length or 0)
    except (TypeError, ValueError):
        return True  # the parser finds what is really there
    return declared <= settings.ATTACHMENT_MAX_BYTES + MULTIPART_SLACK


def attachment_name_clean(raw: Any) -> str:
    """The file's own name without any directory, control or format characters, at most
    200 characters (keeping the extension), or ``file`` when nothing usable is left."""
    name = str(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name.strip("."):
        return FALLBACK_NAME
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and stem and len(ext) < 16 else ""
        name = name[: MAX_NAME - len(ext)] + ext
    return name


def content_type_clean(raw: Any) -> str:
    return str(raw or "").split(";", 1)[0].strip().lower()


def _content_matches(content_type: str, head: bytes) -> bool:
    if content_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    signatures = SIGNATURES.get(content_type)
    return signatures is None or head.startswith(signatures)


def _head(upload: Any, size: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return bytes(head or b"")


def attachment_clean(upload: Any) -> CleanFile:
    """Checks an uploaded file (``UploadedFile``) against the settings
    ``ATTACHMENT_MAX_BYTES`` and ``ATTACHMENT_TYPES``. ``AttachmentRejected`` otherwise."""
    if upload is None:
        raise AttachmentRejected("no_file", _("Choose a file to send."))
    size = int(upload.size or 0)
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRejected(
            "too_large",
            _("The file is larger than %(mb)s MB.")
            % {"mb": _megabytes(settings.ATTACHMENT_MAX_BYTES)},
        )
    if size == 0:
        raise AttachmentRejected("empty_file", _("The file is empty."))
    content_type = content_type_clean(getattr(upload, "content_type", ""))
    allowed = {content_type_clean(t) for t in settings.ATTACHMENT_TYPES}
    if content_type not in allowed:
        raise AttachmentRejected(
            "bad_type", _("Files of this type cannot be sent (%(type)s).") % {"type": content_type}
        )
    if not _content_matches(content_type, _head(upload)):
        raise AttachmentRejected(
            "bad_content",
            _("The file's content does not match its type (%(type)s).") % {"type": content_type},
        )
    return CleanFile(
        upload=upload, name=attachment_name_clean(upload.name), content_type=content_type, size=size
    )


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.3g}"


def _disk_name(name: str, content_type: str) -> str:
    """The name in the storage path: safe characters, and an extension that tells the
    inline types apart from everything else (a text file called ``x.pdf`` is stored as
    ``x.pdf.bin``, a PNG called ``photo`` as ``photo.png``)."""
    try:
        disk = get_valid_filename(name)[: MAX_NAME - 8]
    except SuspiciousFileOperation:
        disk = FALLBACK_NAME
    ext = os.path.splitext(disk)[1].lower()
    inline = INLINE_EXTENSIONS.get(content_type)
    if inline is not None and ext not in inline:
        return disk + inline[0]
    if inline is None and any(ext in exts for exts in INLINE_EXTENSIONS.values()):
        return disk + ".bin"
    return disk


@contextlib.contextmanager
def files_removed_on_failure() -> Iterator[list[str]]:
    """Yields a list for the storage names written inside the block; if the block raises
    (its transaction rolled back, or the commit failed), those files are deleted."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def attachment_store(*, message: Message, file: CleanFile, written: list[str]) -> Attachment:
    """Writes the file under ``attachments/<dialog>/<random>/`` and records it. Call it
    inside a transaction wrapped in ``files_removed_on_failure`` (``written``)."""
    attachment = Attachment(
        message=message, name=file.name, content_type=file.content_type, size=file.size
    )
    file.upload.seek(0)
    attachment.file.save(_disk_name(file.name, file.content_type), file.upload, save=False)
    written.append(str(attachment.file.name))
    attachment.save()
    return attachment


def attachments_store(
    *, message: Message, file: CleanFile | None, written: list[str]
) -> list[Attachment]:
    """The message's attachments as stored: its one file, or none."""
    if file is None:
        return []
    return [attachment_store(message=message, file=file, written=written)]
