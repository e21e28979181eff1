"""What a connector parsed from a webhook becomes in the inbox: a message stored through
``inbox.services.channel_message_receive`` (text, or a file fetched from the channel),
a bot button press (``button_press``) or a score of the rating request
(``session_rate``). Connectors parse; these functions call the services."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from inbox import services
from inbox.connectors.base import ButtonPress, Connector, DeliveryRefused, Inbound, InboundFile
from inbox.connectors.registry import connector_for
from inbox.models import Channel, Message
from inbox.services.batching import Incoming

logger = logging.getLogger(__name__)

__all__ = ["ButtonPress", "inbound_dump", "inbound_load"]


def inbound_dump(inbound: Inbound) -> dict[str, Any]:
    """An ``Inbound`` as plain JSON for a Celery task."""
    return dataclasses.asdict(inbound)


def inbound_load(data: dict[str, Any]) -> Inbound:
    file = data.get("file")
    button = data.get("button")
    fields = {k: v for k, v in data.items() if k not in ("file", "button")}
    return Inbound(
        **fields,
        file=InboundFile(**file) if file else None,
        button=ButtonPress(**button) if button else None,
    )


def inbound_known(*, channel: Channel, inbound: Inbound) -> bool:
    """Whether this channel message was stored already (a repeated delivery): checked
    before fetching its file again. Channels' message ids are unique per channel."""
    if not inbound.client_id:
        return False
    return Message.objects.filter(dialog__channel=channel, client_id=inbound.client_id).exists()


def inbound_text_store(*, channel: Channel, inbound: Inbound) -> services.Stored | None:
    """Stores a text message; ``None`` (logged) when it may not be stored."""
    try:
        return services.channel_message_receive(
            channel=channel,
            external_id=inbound.external_id,
            text=inbound.text,
            client_id=inbound.client_id,
            name=inbound.name,
            email=inbound.email,
            phone=inbound.phone,
        )
    except services.MessageRejected as refused:
        logger.warning("message to channel %s not stored: %s", channel.pk, refused.code)
        return None


def inbound_text_incoming(*, channel: Channel, inbound: Inbound) -> Incoming:
    """A text message resolved to its dialog, for the message store to take later."""
    return services.channel_incoming(
        channel=channel,
        external_id=inbound.external_id,
        text=inbound.text,
        client_id=inbound.client_id,
        name=inbound.name,
        email=inbound.email,
        phone=inbound.phone,
    )


def inbound_file_store(
    *, channel: Channel, inbound: Inbound, connector: Connector | None = None
) -> services.Stored | None:
    """Fetches the file of ``inbound`` from the channel and stores it with its caption;
    a file the product refuses (too large, a type not allowed) is stored as a text
    saying so, so the operator knows something came. ``SendFailed`` from the fetch is
    left to the caller's retry."""
    if inbound.file is None or inbound_known(channel=channel, inbound=inbound):
        return None
    connector = connector or connector_for(channel)
    if connector is None:
        return None
    try:
        fetched = connector.fetch_file(inbound.file)
    except DeliveryRefused as refused:
        logger.warning("file to channel %s not fetched: %s", channel.pk, refused)
        return _file_noted(channel, inbound, _("the file could not be fetched"))
    upload = SimpleUploadedFile(
        fetched.name or inbound.file.name or "file",
        fetched.content,
        content_type=fetched.content_type or inbound.file.content_type or "",
    )
    try:
        return services.channel_message_receive(
            channel=channel,
            external_id=inbound.external_id,
            text=inbound.text,
            client_id=inbound.client_id,
            name=inbound.name,
            upload=upload,
        )
    except services.MessageRejected as refused:
        logger.warning("file to channel %s not stored: %s", channel.pk, refused.code)
        return _file_noted(channel, inbound, refused.detail)


def _file_noted(channel: Channel, inbound: Inbound, why: str) -> services.Stored | None:
    """A file that could not be kept is stored as a line saying so, in the
    installation's language, so the operator knows something came."""
    with translation.override(settings.LANGUAGE_CODE):
        name = inbound.file.name if inbound.file else ""
        note = _("The file %(name)s was not kept: %(why)s") % {"name": name, "why": why}
    note = f"[{note}]"
    text = f"{inbound.text}\n{note}" if inbound.text else note
    return inbound_text_store(channel=channel, inbound=dataclasses.replace(inbound, text=text))


def inbound_button_store(*, channel: Channel, inbound: Inbound) -> None:
    """A pressed button: a score for the dialog's last closed session, or a bot step's
    button handed to the bots. A press that no longer fits (nothing to rate) is
    dropped."""
    press = inbound.button
    if press is None:
        return
    dialog_id = services.channel_dialog_resolve(
        channel=channel, external_id=inbound.external_id, name=inbound.name
    )
    try:
        if press.rating is not None:
            services.session_rate(dialog_id=dialog_id, score=press.rating)
        elif press.node is not None and press.button is not None:
            services.button_press(dialog_id=dialog_id, node=press.node, button=press.button)
    except services.MessageRejected as refused:
        logger.info("button press on channel %s dropped: %s", channel.pk, refused.code)
