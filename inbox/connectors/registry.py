"""Which connector serves which kind of channel."""

from __future__ import annotations

from crm.models import ChannelType
from inbox.connectors.api.connector import ApiConnector
from inbox.connectors.base import Connector
from inbox.connectors.email.connector import EmailConnector
from inbox.connectors.telegram.connector import TelegramConnector
from inbox.connectors.whatsapp.connector import WhatsAppConnector
from inbox.models import Channel

CONNECTORS: dict[str, type[Connector]] = {
    ChannelType.EMAIL: EmailConnector,
    ChannelType.API: ApiConnector,
    ChannelType.TELEGRAM: TelegramConnector,
    ChannelType.WHATSAPP: WhatsAppConnector,
}


def connector_for(channel: Channel) -> Connector | None:
    """The connector of this channel's type, or ``None`` (the widget needs none)."""
    kind = CONNECTORS.get(channel.type)
    return kind(channel) if kind is not None else None
