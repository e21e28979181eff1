"""Delivery of one received e-mail into the inbox: the channel is chosen by the
envelope recipient, each message goes through ``channel_message_receive`` and its
Message-ID and subject are kept for threading the replies."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import close_old_connections

from crm.models import ChannelType
from inbox import services
from inbox.connectors.email.connector import EmailConnector
from inbox.connectors.email.models import EmailReference
from inbox.models import Channel

logger = logging.getLogger(__name__)


def channel_for_address(address: str) -> Channel | None:
    """The active e-mail channel whose ``config.address`` is ``address`` (any case)."""
    address = address.strip().lower()
    if not address:
        return None
    for channel in Channel.objects.filter(type=ChannelType.EMAIL, is_active=True):
        if str(channel.config.get("address") or "").strip().lower() == address:
            return channel
    return None


def email_deliver(*, raw: bytes, recipients: Iterable[str]) -> int:
    """Stores the e-mail in the dialog of its sender on each channel it was addressed
    to; returns how many messages were stored anew (a redelivery stores none).
    ``ValueError`` for an e-mail that cannot be read."""
    close_old_connections()  # a long-running receiver outlives database connections
    try:
        stored = 0
        seen: set[int] = set()
        for address in recipients:
            channel = channel_for_address(address)
            if channel is None or channel.pk in seen:
                continue
            seen.add(channel.pk)
            stored += _deliver_to(channel, raw)
        return stored
    finally:
        close_old_connections()


def _deliver_to(channel: Channel, raw: bytes) -> int:
    stored = 0
    for inbound in EmailConnector(channel).parse(raw):
        try:
            result = services.channel_message_receive(
                channel=channel,
                external_id=inbound.external_id,
                text=inbound.text,
                client_id=inbound.client_id,
                name=inbound.name,
                email=inbound.email,
            )
        except services.MessageRejected as refused:
            logger.warning("e-mail to %s not stored: %s", channel.pk, refused.detail)
            continue
        EmailReference.objects.get_or_create(
            message=result.message,
            defaults={
                "header_message_id": inbound.meta["message_id"][:998],
                "subject": inbound.meta["subject"],
                "references": inbound.meta["references"],
            },
        )
        stored += result.created
    return stored
