"""The Telegram connector: Bot API updates in, the inbox's messages out.

Channel settings (``Channel.config``): ``bot_token`` (secret, from @BotFather),
``webhook_secret`` (secret; the ``secret_token`` Telegram sends back in the header
``X-Telegram-Bot-Api-Secret-Token``; generated when the webhook is registered if empty),
``api_base_url`` (default the real Bot API)."""

from __future__ import annotations

import hmac
import json
import mimetypes
import posixpath
import re
from typing import Any

from django.conf import settings

from crm.models import ChannelType
from inbox.connectors.base import (
    ButtonPress,
    Connector,
    DeliveryRefused,
    FetchedFile,
    HookRequest,
    Inbound,
    InboundFile,
)
from inbox.connectors.telegram.botapi import BotApi
from inbox.models import Attachment, Message

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE = 4096  # characters of one Telegram message
MAX_CAPTION = 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# What a message without text or a file we take is shown as, so the operator knows.
OTHER_KINDS: tuple[str, ...] = ("sticker", "voice", "video", "video_note", "audio")
OTHER_KINDS += ("animation", "location", "contact", "poll", "venue", "dice")
# The callback data of our buttons (``reply_markup``).
RATING_DATA = re.compile(r"r:([1-5])")
BOT_DATA = re.compile(r"b:([A-Za-z0-9_.-]{1,100}):([A-Za-z0-9_.-]{1,100})")
POSITION_DATA = re.compile(r"p:([0-9]{1,2})")
MAX_CALLBACK_DATA = 64


class TelegramConnector(Connector):
    channel_type = ChannelType.TELEGRAM
    capabilities = frozenset({"attachments", "buttons"})

    @property
    def api(self) -> BotApi:
        config = self.channel.config or {}
        return BotApi(
            token=str(config.get("bot_token") or ""),
            base_url=str(config.get("api_base_url") or ""),
        )

    # --- inbound --------------------------------------------------------------------

    def verify(self, request: HookRequest) -> bool:
        secret = str((self.channel.config or {}).get("webhook_secret") or "")
        given = request.headers.get(SECRET_HEADER) or ""
        return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())

    def parse(self, payload: bytes) -> list[Inbound]:
        try:
            update = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("the update is not JSON") from None
        if not isinstance(update, dict) or not _is_int(update.get("update_id")):
            raise ValueError("the update has no update_id")
        client_id = f"tg:{update['update_id']}"
        if isinstance(update.get("message"), dict):
            inbound = _message_inbound(update["message"], client_id)
        elif isinstance(update.get("callback_query"), dict):
            inbound = _callback_inbound(update["callback_query"], client_id)
        else:
            inbound = None  # edits, channel posts, member updates: nothing for the inbox
        return [inbound] if inbound is not None else []

    def fetch_file(self, file: InboundFile) -> FetchedFile:
        limit = settings.ATTACHMENT_MAX_BYTES
        if file.size is not None and file.size > limit:
            raise DeliveryRefused("the file is larger than attachments may be")
        described = self.api.call("getFile", {"file_id": file.ref})
        path = described.get("file_path") if isinstance(described, dict) else None
        if not isinstance(path, str) or not path or ".." in path or "://" in path:
            raise DeliveryRefused("getFile gave no usable file_path")
        content = self.api.download(path.lstrip("/"), max_bytes=limit)
        name = file.name or posixpath.basename(path) or "file"
        content_type = file.content_type or mimetypes.guess_type(name)[0] or ""
        return FetchedFile(content=content, name=name, content_type=content_type)

    def button_answer(self, press: ButtonPress) -> None:
        if press.answer_ref:
            self.api.call("answerCallbackQuery", {"callback_query_id": press.answer_ref})

    # --- outbound -------------------------------------------------------------------

    def send(self, message: Message) -> str:
        identity = message.dialog.identity
        if identity is None or not identity.external_id:
            raise DeliveryRefused("the dialog has no Telegram chat")
        chat_id = identity.external_id
        markup = reply_markup(message.buttons, message.button_node)
        text = message.delivery_text or ""
        attachments = list(message.attachments.all())
        if not attachments:
            return self._send_text(chat_id, text, markup)
        caption = text if len(attachments) == 1 and len(text) <= MAX_CAPTION else ""
        if text and not caption:
            self._send_text(chat_id, text, None)
        sent = ""
        for index, attachment in enumerate(attachments):
            last = index == len(attachments) - 1
            sent = self._send_file(chat_id, attachment, caption, markup if last else None)
            caption = ""
        return sent

    def _send_text(self, chat_id: str, text: str, markup: dict[str, Any] | None) -> str:
        chunks = [text[i : i + MAX_MESSAGE] for i in range(0, len(text), MAX_MESSAGE)] or [" "]
        sent = ""
        for index, chunk in enumerate(chunks):
            data: dict[str, Any] = {"chat_id": chat_id, "text": chunk}
            if markup is not None and index == len(chunks) - 1:
                data["reply_markup"] = markup
            sent = _message_id(self.api.call("sendMessage", data))
        return sent

    def _send_file(
        self, chat_id: str, attachment: Attachment, caption: str, markup: dict[str, Any] | None
    ) -> str:
        photo = attachment.content_type in PHOTO_TYPES
        method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
        with attachment.file.open("rb") as file:
            content = file.read()
        data: dict[str, Any] = {"chat_id": chat_id}
        if caption:
            data["caption"] = caption
        if markup is not None:
            data["reply_markup"] = markup
        content_type = attachment.content_type or "application/octet-stream"
        files = {field: (attachment.name, content, content_type)}
        return _message_id(self.api.call(method, data, files=files))


def reply_markup(
    buttons: list[dict[str, Any]] | None, node: str | int | None
) -> dict[str, Any] | None:
    """A message's buttons as an inline keyboard, one per row. The callback data says
    what was pressed: ``r:<score>`` for the rating request, ``b:<node>:<button>`` for a
    bot's step, or ``p:<position>`` when those ids are too long for Telegram's 64 bytes
    (the press then names the button of our latest buttons by its place)."""
    if not buttons:
        return None
    rows = []
    for position, button in enumerate(buttons, start=1):
        if button.get("rating") is not None:
            data = f"r:{button['rating']}"
        else:
            data = f"b:{node if node is not None else 0}:{button['id']}"
            if len(data.encode()) > MAX_CALLBACK_DATA:
                data = f"p:{position}"
        rows.append([{"text": button["title"], "callback_data": data}])
    return {"inline_keyboard": rows}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _message_id(result: Any) -> str:
    if isinstance(result, dict) and _is_int(result.get("message_id")):
        return str(result["message_id"])
    return ""


def _sender(user: Any) -> tuple[str, str] | None:
    """(external id, name) of a Telegram user who is not a bot."""
    if not isinstance(user, dict) or not _is_int(user.get("id")) or user.get("is_bot"):
        return None
    parts = [user.get("first_name"), user.get("last_name")]
    name = " ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())
    return str(user["id"]), name[:200]


def _message_inbound(message: dict[str, Any], client_id: str) -> Inbound | None:
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None  # the bot in a group: not a customer conversation
    sender = _sender(message.get("from"))
    if sender is None:
        return None
    external_id, name = sender
    text = message.get("text") or message.get("caption") or ""
    text = text if isinstance(text, str) else ""
    file = _file_of(message)
    if file is None and not text.strip():
        kind = next((k for k in OTHER_KINDS if k in message), "message")
        text = f"[{kind}]"
    return Inbound(external_id=external_id, text=text, client_id=client_id, name=name, file=file)


def _file_of(message: dict[str, Any]) -> InboundFile | None:
    photo = message.get("photo")
    if isinstance(photo, list):
        sizes = [p for p in photo if isinstance(p, dict) and isinstance(p.get("file_id"), str)]
        if sizes:
            largest = max(
                sizes,
                key=lambda p: (
                    p.get("file_size") if _is_int(p.get("file_size")) else 0,
                    (p.get("width") or 0) * (p.get("height") or 0),
                ),
            )
            size = largest.get("file_size")
            return InboundFile(
                ref=largest["file_id"],
                name="photo.jpg",
                content_type="image/jpeg",
                size=size if _is_int(size) else None,
            )
    document = message.get("document")
    if isinstance(document, dict) and isinstance(document.get("file_id"), str):
        size = document.get("file_size")
        return InboundFile(
            ref=document["file_id"],
            name=str(document.get("file_name") or "document")[:200],
            content_type=str(document.get("mime_type") or "")[:100],
            size=size if _is_int(size) else None,
        )
    return None


def _callback_inbound(callback: dict[str, Any], client_id: str) -> Inbound | None:
    sender = _sender(callback.get("from"))
    callback_id = callback.get("id")
    answer_ref = callback_id if isinstance(callback_id, str) else ""
    if sender is None:
        return None
    external_id, name = sender
    press = ButtonPress(answer_ref=answer_ref)  # not ours, or stale: only acknowledged
    data = str(callback.get("data") or "")
    if rating := RATING_DATA.fullmatch(data):
        press = ButtonPress(rating=int(rating[1]), answer_ref=answer_ref)
    elif bot := BOT_DATA.fullmatch(data):
        press = ButtonPress(node=bot[1], button=bot[2], answer_ref=answer_ref)
    elif position := POSITION_DATA.fullmatch(data):
        press = ButtonPress(position=int(position[1]), answer_ref=answer_ref)
    return Inbound(external_id=external_id, text="", client_id=client_id, name=name, button=press)
