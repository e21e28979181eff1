"""What a message must be to be stored: the one set of checks every edge uses (the
widget and operator sockets, the REST API, channels, bots), so that a text refused in
one place is refused everywhere, with the same code and words.

Each ``*_clean`` returns the value to store or raises ``MessageRejected``, whose
``code`` names the problem and ``detail`` tells the sender what to do.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from contactcenter import inputs
from inbox.services import attachments as files

MAX_TEXT = 10_000
MAX_CLIENT_ID = 64


class MessageRejected(ValueError):
    """Input a sender must correct (empty or too long text...); ``code`` names it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def text_clean(text: Any) -> str:
    """A message's text: a string of 1 to ``MAX_TEXT`` characters, not only blanks, with
    no control characters or lone surrogates."""
    if not isinstance(text, str) or not text.strip():
        raise MessageRejected("empty", _("Write a message of 1 to 10,000 characters."))
    if len(text) > MAX_TEXT:
        raise MessageRejected(
            "too_long", _("The message is longer than 10,000 characters; shorten or split it.")
        )
    if inputs.text_problem(text):
        raise MessageRejected("bad_text", str(inputs.MESSAGES["bad_text"]))
    return text


def caption_clean(text: Any) -> str:
    """The text that goes with a file: may be empty, else as ``text_clean``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return ""
    return text_clean(text)


def client_id_clean(client_id: Any) -> str | None:
    """The sender's own id for a message (a repeat stores nothing new): up to
    ``MAX_CLIENT_ID`` characters, or none."""
    if client_id in (None, ""):
        return None
    if (
        not isinstance(client_id, str)
        or len(client_id) > MAX_CLIENT_ID
        or inputs.text_problem(client_id)
    ):
        raise MessageRejected("bad_client_id", _("client_id is a string of up to 64 characters."))
    return client_id


def file_clean(upload: Any) -> files.CleanFile:
    """An uploaded file that may be stored (see ``attachments.attachment_clean``)."""
    try:
        return files.attachment_clean(upload)
    except files.AttachmentRejected as refused:
        raise MessageRejected(refused.code, refused.detail) from None
