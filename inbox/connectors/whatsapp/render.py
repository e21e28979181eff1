"""Our messages as Graph API message bodies (without ``messaging_product`` and ``to``).

Bot buttons become what WhatsApp can show: up to 3 reply buttons (titles up to 20
characters), else a list of up to 10 rows (titles up to 24, the full title in the row's
description when longer), else numbered text whose number the contact may type back."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from inbox.connectors.base import buttons_as_text
from inbox.connectors.whatsapp.config import Template
from inbox.connectors.whatsapp.protocol import button_id, rating_id

MAX_TEXT = 4096  # a text message's body
MAX_INTERACTIVE_BODY = 1024
MAX_CAPTION = 1024
MAX_REPLY_BUTTONS = 3
MAX_REPLY_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def text_bodies(text: str) -> list[dict[str, Any]]:
    """A text as one message or, when longer than WhatsApp takes, several."""
    parts = [text[i : i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)] or [""]
    return [{"type": "text", "text": {"body": part, "preview_url": False}} for part in parts]


def reply_id(button: dict[str, Any], node: str | int | None) -> str:
    if button.get("rating") is not None:
        return rating_id(int(button["rating"]))
    return button_id(node=node if node is not None else 0, button=button["id"])


def buttons_body(
    text: str, buttons: list[dict[str, Any]], node: str | int | None
) -> dict[str, Any]:
    """A message with buttons: interactive buttons, a list, or numbered text."""
    body = text.strip() or "…"
    titles = [str(b["title"]) for b in buttons]
    if len(body) <= MAX_INTERACTIVE_BODY:
        if len(buttons) <= MAX_REPLY_BUTTONS and all(len(t) <= MAX_REPLY_TITLE for t in titles):
            return _reply_buttons(body, buttons, node)
        if len(buttons) <= MAX_LIST_ROWS and all(len(t) <= MAX_ROW_DESCRIPTION for t in titles):
            return _list(body, buttons, node)
    return text_bodies(buttons_as_text(text, buttons))[0]


def _reply_buttons(
    body: str, buttons: list[dict[str, Any]], node: str | int | None
) -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": reply_id(b, node), "title": b["title"]}}
                    for b in buttons
                ]
            },
        },
    }


def _list(body: str, buttons: list[dict[str, Any]], node: str | int | None) -> dict[str, Any]:
    rows = []
    for b in buttons:
        title = str(b["title"])
        row = {"id": reply_id(b, node), "title": title}
        if len(title) > MAX_ROW_TITLE:
            row = {**row, "title": title[: MAX_ROW_TITLE - 1] + "…", "description": title}
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": _("Choose")[:MAX_LIST_BUTTON], "sections": [{"rows": rows}]},
        },
    }


def media_body(*, media_id: str, content_type: str, name: str, caption: str) -> dict[str, Any]:
    """A file sent by its uploaded media id: JPEG and PNG as an image, the rest as a
    document with its name."""
    if content_type in IMAGE_TYPES:
        media: dict[str, Any] = {"id": media_id}
        kind = "image"
    else:
        media = {"id": media_id, "filename": name}
        kind = "document"
    if caption:
        media["caption"] = caption
    return {"type": kind, kind: media}


def template_body(template: Template, params: list[str]) -> dict[str, Any]:
    """An approved template with its body parameters filled in."""
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if params:
        body["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
        ]
    return {"type": "template", "template": body}
