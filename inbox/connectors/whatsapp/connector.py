"""The WhatsApp Cloud API connector (docs/whatsapp.md): Meta's webhook in, the Graph
API out.

Channel settings (``Channel.config``, see ``config``): ``phone_number_id``,
``access_token``, ``app_secret``, ``verify_token`` (secrets), ``api_base_url``,
``templates``."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from crm.models import ChannelType
from inbox.connectors.base import (
    ButtonPress,
    Connector,
    DeliveryRefused,
    FetchedFile,
    HookRequest,
    Inbound,
    InboundFile,
    StatusReport,
)
from inbox.connectors.whatsapp import protocol, render
from inbox.connectors.whatsapp.config import WhatsAppConfig
from inbox.connectors.whatsapp.graph import GraphClient
from inbox.connectors.whatsapp.models import TemplateMessage
from inbox.models import Message


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


class WhatsAppConnector(Connector):
    channel_type = ChannelType.WHATSAPP
    capabilities = frozenset({"attachments", "buttons"})

    @property
    def config(self) -> WhatsAppConfig:
        return WhatsAppConfig.of(self.channel)

    @property
    def graph(self) -> GraphClient:
        return GraphClient(self.config)

    # --- inbound --------------------------------------------------------------------

    def challenge(self, request: HookRequest) -> str | None:
        return protocol.handshake_answer(request.query, self.config.verify_token)

    def verify(self, request: HookRequest) -> bool:
        header = _header(request.headers, protocol.SIGNATURE_HEADER)
        return protocol.signature_valid(request.body, header, self.config.app_secret)

    def parse(self, payload: bytes) -> list[Inbound]:
        data = protocol.payload_read(payload)
        return [
            self._inbound(message)
            for message in protocol.messages_read(data, self.config.phone_number_id)
        ]

    def _inbound(self, message: protocol.WaMessage) -> Inbound:
        base: dict[str, Any] = {
            "external_id": message.sender,
            "text": message.text,
            "client_id": message.client_id,
            "name": message.name,
            "phone": "+" + message.sender,
        }
        if message.media is not None:
            name = message.media.filename or _default_name(message.media)
            file = InboundFile(message.media.media_id, name, message.media.content_type)
            return Inbound(**base, file=file)
        press = _press_of(message.reply_id) if message.reply_id else None
        return Inbound(**base, button=press)

    def statuses(self, payload: bytes) -> list[StatusReport]:
        data = protocol.payload_read(payload)
        return [
            StatusReport(channel_message_id=s.message_id, status=s.status, detail=s.detail)
            for s in protocol.statuses_read(data, self.config.phone_number_id)
        ]

    def fetch_file(self, file: InboundFile) -> FetchedFile:
        download = self.graph.media_download(file.ref)
        return FetchedFile(
            download.content,
            name=file.name or "file",
            content_type=file.content_type or download.content_type,
        )

    # --- outbound -------------------------------------------------------------------

    def send(self, message: Message) -> str:
        identity = message.dialog.identity
        to = identity.external_id if identity is not None else ""
        if not to.isdigit():
            raise DeliveryRefused("the dialog has no WhatsApp number")
        graph = self.graph
        sent = ""
        for body in self.bodies(message, graph):
            sent = graph.message_send({"to": to, **body})
        return sent

    def bodies(self, message: Message, graph: GraphClient) -> list[dict[str, Any]]:
        """What goes out for ``message``, in order: a template, or its files (the
        text as the caption of a lone file when it fits), its text or its buttons."""
        template = TemplateMessage.objects.filter(message=message).first()
        if template is not None:
            known = self.config.template(template.name, template.language)
            if known is None:
                raise DeliveryRefused("the template is no longer in the channel's settings")
            return [render.template_body(known, [str(p) for p in template.params])]
        text = message.delivery_text or ""
        attachments = list(message.attachments.all())
        caption = text if len(attachments) == 1 and len(text) <= render.MAX_CAPTION else ""
        bodies = [
            self._media(graph, a, caption if not message.buttons else "") for a in attachments
        ]
        if message.buttons:
            bodies.append(render.buttons_body(text, message.buttons, message.button_node))
        elif text and not caption:
            bodies.extend(render.text_bodies(text))
        return bodies

    def _media(self, graph: GraphClient, attachment: Any, caption: str) -> dict[str, Any]:
        with attachment.file.open("rb") as file:
            content = file.read()
        content_type = attachment.content_type or "application/octet-stream"
        media_id = graph.media_upload(
            content=content, name=attachment.name, content_type=content_type
        )
        return render.media_body(
            media_id=media_id, content_type=content_type, name=attachment.name, caption=caption
        )


def _default_name(media: protocol.WaMedia) -> str:
    content_type = media.content_type.split(";")[0].strip()
    extension = mimetypes.guess_extension(content_type) or "" if content_type else ""
    return f"whatsapp-{media.media_id}{extension}"


def _press_of(reply_id: str) -> ButtonPress | None:
    named = protocol.reply_id_read(reply_id)
    if isinstance(named, tuple):
        return ButtonPress(node=named[0], button=named[1])
    if isinstance(named, int):
        return ButtonPress(rating=named)
    return None
