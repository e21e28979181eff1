"""Meta's webhook for WhatsApp, read without Django: the subscription handshake, the
``X-Hub-Signature-256`` check over the raw body, and the messages and delivery reports
of a verified payload. Nothing here touches the database."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import replace as _replace
from typing import Any

from inbox.services.validators import BOT_ID, MAX_CLIENT_ID

SIGNATURE_HEADER = "X-Hub-Signature-256"
STATUSES = ("sent", "delivered", "read", "failed")
# Messages whose content is a file the Graph API hands out by media id; a type the
# product does not keep (a voice note, a video by default) is stored as a line saying so.
MEDIA_KINDS = ("image", "document", "audio", "video", "sticker")
# Our reply ids on interactive buttons and list rows: a bot step's button, or a score.
BUTTON_ID_PREFIX = "b:"
RATING_ID_PREFIX = "r:"


def handshake_answer(query: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo when Meta subscribes the webhook with our verify token,
    else ``None`` (answered 403). Constant-time compare; an empty token never matches."""
    if query.get("hub.mode") != "subscribe" or not verify_token:
        return None
    given = str(query.get("hub.verify_token") or "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return str(query.get("hub.challenge") or "")


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is ``sha256=<hex>`` of the HMAC-SHA256 of the raw ``body``
    under ``app_secret``. Without a secret nothing is accepted."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].strip().lower().encode(), expected.encode())


def signature_of(body: bytes, app_secret: str) -> str:
    """The header value Meta sends with ``body`` (used by tests and tools)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def client_id_of(message_id: str) -> str:
    """A WhatsApp message id (``wamid....``) as our ``client_id``: as is when it fits,
    else a hash of it, the same every time (so a repeat still stores nothing new)."""
    if len(message_id) <= MAX_CLIENT_ID:
        return message_id
    return "wa:" + hashlib.sha256(message_id.encode()).hexdigest()[: MAX_CLIENT_ID - 3]


@dataclass(frozen=True, slots=True)
class WaMedia:
    media_id: str
    content_type: str = ""
    filename: str = ""


@dataclass(frozen=True, slots=True)
class WaMessage:
    """One message a contact sent: ``text`` (a caption with media, a reply's title),
    ``media`` for an image or a document, ``reply_id`` for an interactive reply."""

    sender: str  # the contact's number, digits only, as WhatsApp gives it
    message_id: str
    name: str = ""
    text: str = ""
    media: WaMedia | None = None
    reply_id: str = ""

    @property
    def client_id(self) -> str:
        return client_id_of(self.message_id)


@dataclass(frozen=True, slots=True)
class WaStatus:
    message_id: str
    status: str
    detail: str = ""  # Meta's reason for a failure


def payload_read(body: bytes) -> dict[str, Any]:
    """The JSON object of a webhook; ``ValueError`` when it is not one."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("the webhook is not JSON") from error
    if not isinstance(data, dict):
        raise ValueError("the webhook is not a JSON object")
    return data


def _values(data: dict[str, Any], phone_number_id: str) -> Iterator[dict[str, Any]]:
    """The ``value`` of each change of the ``messages`` field addressed to our number
    (one Meta app may serve several numbers; the others' changes are not ours)."""
    for entry in _list(data.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            metadata = _dict(value.get("metadata"))
            number = str(metadata.get("phone_number_id") or "")
            if phone_number_id and number and number != phone_number_id:
                continue
            yield value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def messages_read(data: dict[str, Any], phone_number_id: str) -> list[WaMessage]:
    """The messages of a webhook payload that we can show (text, image, document,
    interactive replies, template quick replies); other kinds are left out."""
    found: list[WaMessage] = []
    for value in _values(data, phone_number_id):
        names = {
            str(c.get("wa_id") or ""): str((c.get("profile") or {}).get("name") or "")
            for c in _list(value.get("contacts"))
            if isinstance(c, dict) and isinstance(c.get("profile") or {}, dict)
        }
        for raw in _list(value.get("messages")):
            message = _message_read(raw, names)
            if message is not None:
                found.append(message)
    return found


def _message_read(raw: Any, names: dict[str, str]) -> WaMessage | None:
    if not isinstance(raw, dict):
        return None
    sender, message_id = str(raw.get("from") or ""), str(raw.get("id") or "")
    if not sender.isdigit() or not message_id:
        return None
    base = WaMessage(sender=sender, message_id=message_id, name=names.get(sender, "")[:200])
    kind = raw.get("type")
    body = _dict(raw.get(kind)) if isinstance(kind, str) else {}
    if kind == "text":
        text = str(body.get("body") or "")
        return _replace(base, text=text) if text.strip() else None
    if kind in MEDIA_KINDS and body.get("id"):
        media = WaMedia(
            media_id=str(body["id"]),
            content_type=str(body.get("mime_type") or ""),
            filename=str(body.get("filename") or ""),
        )
        return _replace(base, text=str(body.get("caption") or ""), media=media)
    if kind == "interactive":
        reply = body.get(str(body.get("type") or ""))
        if body.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
            return _replace(base, text=str(reply.get("title") or ""), reply_id=str(reply.get("id")))
    if kind == "button":  # a quick-reply button of a template: its text is the answer
        text = str(body.get("text") or "")
        return _replace(base, text=text) if text.strip() else None
    if kind == "location":
        return _replace(base, text=_location_text(body))
    return None


def _location_text(body: dict[str, Any]) -> str:
    """A shared location as a line the operator can read and paste into a map."""
    where = f"{body.get('latitude')}, {body.get('longitude')}"
    named = " — ".join(str(body[k]) for k in ("name", "address") if body.get(k))
    return f"📍 {where}" + (f" ({named})" if named else "")


def statuses_read(data: dict[str, Any], phone_number_id: str) -> list[WaStatus]:
    """The delivery reports of a webhook payload (``sent``, ``delivered``, ``read``,
    ``failed``), in the order they came."""
    found: list[WaStatus] = []
    for value in _values(data, phone_number_id):
        for raw in _list(value.get("statuses")):
            if not isinstance(raw, dict):
                continue
            status, message_id = raw.get("status"), str(raw.get("id") or "")
            if status in STATUSES and message_id:
                found.append(WaStatus(message_id, str(status), _failure_detail(raw)))
    return found


def _failure_detail(raw: dict[str, Any]) -> str:
    """Meta's words for why a message failed (``errors[0]``), with its code."""
    errors = _list(raw.get("errors"))
    error = _dict(errors[0]) if errors else {}
    words = _dict(error.get("error_data")).get("details") or error.get("message")
    words = str(words or error.get("title") or "")[:300]
    code = error.get("code")
    return f"{words} (code {code})" if words and code is not None else words


def button_id(*, node: str | int, button: str | int) -> str:
    return f"{BUTTON_ID_PREFIX}{node}:{button}"


def rating_id(score: int) -> str:
    return f"{RATING_ID_PREFIX}{score}"


def reply_id_read(reply_id: str) -> tuple[str, str] | int | None:
    """What an interactive reply's id names: ``(node, button)`` of a bot step, a score
    (an ``int``), or ``None`` for an id that is not ours."""
    if reply_id.startswith(RATING_ID_PREFIX):
        score = reply_id[len(RATING_ID_PREFIX) :]
        return int(score) if score.isdigit() and 1 <= int(score) <= 5 else None
    if reply_id.startswith(BUTTON_ID_PREFIX):
        node, _sep, button = reply_id[len(BUTTON_ID_PREFIX) :].partition(":")
        if BOT_ID.fullmatch(node) and BOT_ID.fullmatch(button):
            return node, button
    return None
