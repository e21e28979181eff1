"""The one small interface every channel connector implements.

A connector turns its protocol's payload into ``Inbound`` messages (the intake point
then hands each to ``inbox.services.channel_message_receive``) and sends an operator's
reply out over its protocol (from a Celery task with retries, never in the request that
stored the reply). Connectors live in ``inbox/connectors/<kind>/``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from inbox.models import Channel, Message


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as a channel delivered it, before it is stored.

    ``external_id`` is the sender's id on the channel (the identity); ``client_id`` the
    channel's id of the message, which makes a redelivery store nothing new; ``email``
    and ``phone`` are details the channel verified; ``meta`` is what the connector keeps
    for itself (e.g. an e-mail's Message-ID and subject, for threading replies)."""

    external_id: str
    text: str
    client_id: str | None = None
    name: str = ""
    email: str = ""
    phone: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class SendFailed(Exception):
    """A reply could not be delivered now; the task retries it later."""


class DeliveryRefused(Exception):
    """The channel refused the reply for good (a bad address...); retrying cannot help."""


class Connector(ABC):
    """The protocol of one kind of channel, for one configured channel."""

    channel_type: ClassVar[str]

    def __init__(self, channel: Channel) -> None:
        if channel.type != self.channel_type:
            raise ValueError(f"{type(self).__name__} serves {self.channel_type} channels")
        self.channel = channel

    @abstractmethod
    def parse(self, payload: bytes) -> list[Inbound]:
        """The messages in one payload received from the channel (may be none: an
        automatic reply, a delivery report...). Raises ``ValueError`` for a payload that
        cannot be read."""

    @abstractmethod
    def send(self, message: Message) -> str:
        """Delivers an operator's reply to the dialog's contact; returns the channel's
        id of the sent message. Raises ``SendFailed`` to be retried later and
        ``DeliveryRefused`` when the channel refuses it for good."""
