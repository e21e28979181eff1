"""What a message must be to be stored: the one set of checks every edge uses (the
widget and operator sockets, the REST API, channels, bots), so that a text refused in
one place is refused everywhere, with the same code and words.

Each ``*_clean`` returns the value to store or raises ``MessageRejected``, whose
``code`` names the problem and ``detail`` tells the sender what to do.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from contactcenter import inputs
from inbox.services import attachments as files

MAX_TEXT = 10_000
MAX_CLIENT_ID = 64
MAX_BUTTONS = 10
MAX_BUTTON_TITLE = 64
# A bot's step (node) or button id: a whole number, or a name of letters, digits, "_",
# "-" and "." (a flow's own ids, see docs/bots.md). A channel whose button payload cannot
# hold both (Telegram's 64 bytes) names the button by its position instead.
MAX_BOT_ID = 100
BOT_ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")


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


def bot_id_clean(value: Any) -> str | None:
    """A bot step's or button's id as text (``3`` and ``"3"`` are the same id), or
    ``None`` when it is neither a whole number nor a short name (see ``BOT_ID``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and BOT_ID.fullmatch(value):
        return value
    return None


def buttons_clean(buttons: Any) -> list[dict[str, Any]]:
    """A bot message's buttons: a list of 1 to ``MAX_BUTTONS`` objects with an ``id``
    (unique; a whole number or a short name, see ``bot_id_clean``) and a ``title`` of 1
    to ``MAX_BUTTON_TITLE`` characters; a ``rating`` (1-5) marks the rating request's
    scores. Returns them with those keys only."""
    problem = MessageRejected(
        "bad_buttons",
        _("Buttons are a list of up to 10, each with an id and a title (up to 64 characters)."),
    )
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise problem
    cleaned: list[dict[str, Any]] = []
    for button in buttons:
        if not isinstance(button, dict):
            raise problem
        ident, title, rating = button.get("id"), button.get("title"), button.get("rating")
        if bot_id_clean(ident) is None:
            raise problem
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_BUTTON_TITLE:
            raise problem
        if any(str(b["id"]) == str(ident) for b in cleaned) or inputs.text_problem(title):
            raise problem
        item: dict[str, Any] = {"id": ident, "title": title.strip()}
        if rating is not None:
            if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
                raise problem
            item["rating"] = rating
        cleaned.append(item)
    return cleaned
