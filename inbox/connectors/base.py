"""The one small interface every channel connector implements (docs/channels.md).

A connector turns its protocol's payload into ``Inbound`` messages (the intake point
then hands each to ``inbox.services.channel_message_receive``) and sends every message
meant for the contact out over its protocol (from a Celery task with retries, never in
the request that stored it). Connectors live in ``inbox/connectors/<kind>/``.

Messengers that receive by webhook (``/hooks/<kind>/<key>/``) also implement
``verify`` (and ``challenge`` for a subscription handshake), may parse a file reference
(``InboundFile``, fetched later with ``fetch_file``), a button press (``ButtonPress``,
answered with ``button_answer``) or a delivery report (``StatusReport``) from a payload,
and send attachments and buttons.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
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
    # a file the contact sent, fetched with ``Connector.fetch_file`` (``text`` is then
    # its caption, maybe empty)
    file: InboundFile | None = None
    # a pressed button instead of a message (``text`` is then the button's title)
    button: ButtonPress | None = None


@dataclass(frozen=True, slots=True)
class InboundFile:
    """A file on the channel's side: ``ref`` is whatever the connector needs to fetch it
    (a Telegram ``file_id``, a WhatsApp media id); name and type as the channel said."""

    ref: str
    name: str = ""
    content_type: str = ""
    size: int | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A button of one of our messages was pressed: a bot's (``node``, ``button``) or a
    score of the rating request (``rating``). ``answer_ref`` is what the channel wants
    acknowledged (a Telegram ``callback_query`` id), empty when nothing is."""

    node: str | None = None
    button: str | None = None
    rating: int | None = None
    # the button's place (1, 2, ...) among our latest buttons, where the channel could
    # not carry the ids (resolved like a typed number, see ``choices``)
    position: int | None = None
    answer_ref: str = ""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The channel reports how far one of our messages got (``sent``, ``delivered``,
    ``read``, ``failed``), naming it by the channel's id of it."""

    channel_message_id: str
    status: str
    # why, for a failure, in the channel's words (shown to operators in a note)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FetchedFile:
    content: bytes
    name: str
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class HookRequest:
    """What a webhook view hands a connector: the raw body (signatures are over these
    bytes, before any parsing), the headers (any case) and the query parameters."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)


class SendFailed(Exception):
    """A reply could not be delivered now; the task retries it later."""


class RetryAfter(Exception):
    """The channel asked to wait ``seconds`` before the next call (Telegram's ``429`` with
    ``retry_after``): the send is tried again after that, and it is not counted as a
    failure."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds} s")
        self.seconds = max(0.0, float(seconds))


class DeliveryRefused(Exception):
    """The channel refused the reply for good (a bad address...); retrying cannot help."""


def buttons_as_text(text: str, buttons: list[dict[str, Any]] | None) -> str:
    """A message's buttons as numbered lines under its text, for a channel that cannot
    show buttons (the contact answers with the number)."""
    if not buttons:
        return text
    lines = [f"{n}. {button['title']}" for n, button in enumerate(buttons, start=1)]
    return "\n".join([text, "", *lines]) if text else "\n".join(lines)


class Connector(ABC):
    """The protocol of one kind of channel, for one configured channel."""

    channel_type: ClassVar[str]
    # What the channel can show: "attachments", "buttons" (a bot's choices as the
    # channel's own buttons; without it they are sent as numbered text).
    capabilities: ClassVar[frozenset[str]] = frozenset()
    # How a send that failed for now is retried: (attempts in all, the wait in seconds
    # after the n-th failed attempt); None: the reply task's own backoff.
    retry_policy: ClassVar[tuple[int, Callable[[int], float]] | None] = None

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
        """Delivers a message to the dialog's contact (an operator's reply, a bot's or
        a system message, with its attachments and ``message.buttons``); returns the
        channel's id of the sent message. Raises ``SendFailed`` to be retried later,
        ``RetryAfter`` when the channel asks to wait, and ``DeliveryRefused`` when the
        channel refuses it for good. Called again for a message it may already have
        sent (a retried task): a connector that can tell should not send it twice."""

    # --- webhooks (messengers); the defaults refuse, so a connector without a webhook
    # never accepts one ----------------------------------------------------------------

    def verify(self, request: HookRequest) -> bool:
        """Whether a webhook delivery really comes from the channel (a shared secret
        compared in constant time, a signature over the raw body...). Nothing of a
        delivery that fails is read or stored."""
        return False

    def challenge(self, request: HookRequest) -> str | None:
        """The answer to a subscription handshake (a ``GET`` on the webhook), or
        ``None`` to refuse it."""
        return None

    def statuses(self, payload: bytes) -> list[StatusReport]:
        """Delivery reports in a webhook payload (after ``verify``)."""
        return []

    def fetch_file(self, file: InboundFile) -> FetchedFile:
        """Downloads a file the contact sent. ``SendFailed`` to try again later,
        ``DeliveryRefused`` when it is gone or too large."""
        raise DeliveryRefused(f"{type(self).__name__} fetches no files")

    def button_answer(self, press: ButtonPress) -> None:  # noqa: B027 (optional)
        """Acknowledges a button press to the channel (e.g. stops Telegram's spinner);
        nothing by default."""
