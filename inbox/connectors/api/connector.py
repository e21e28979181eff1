"""The API channel's connector: every message to a contact of the channel (an
operator's, a bot's, the system's; never an internal note) is POSTed to the channel's
``webhook_url`` as ``{"id", "event": "message.created", "created_at", "external_id",
"message"}``, signed with ``webhook_secret`` exactly like the outbound webhooks
(``contactcenter.webhooks``: the ``X-Webhook-*`` headers, private addresses refused
unless ``WEBHOOKS_ALLOW_PRIVATE``, no redirects). The delivery's id derives from the
message, so every retry carries the same ``X-Webhook-Id``.

Channel settings (``Channel.config``): ``inbound_secret`` (secret: the bearer of the
inbound API), ``webhook_url`` (empty: the app reads messages by polling only),
``webhook_secret`` (secret: signs the webhooks)."""

from __future__ import annotations

import json
import uuid

from contactcenter import inputs, webhooks
from crm.models import ChannelType
from inbox import payloads
from inbox.connectors.api.serializers import inbound_from
from inbox.connectors.base import Connector, DeliveryRefused, Inbound, SendFailed
from inbox.models import Message, SenderType

EVENT = "message.created"
_DELIVERIES = uuid.UUID("0b8f4a2e-7d3c-4f61-9a57-2c1e6d9b4f08")


def delivery_id(message: Message) -> str:
    """The ``X-Webhook-Id`` (and body ``id``) of the message's delivery: the same on
    every retry, for receivers to drop repeats."""
    return str(uuid.uuid5(_DELIVERIES, f"{message.dialog.channel_id}:{message.pk}"))


class ApiConnector(Connector):
    channel_type = ChannelType.API
    # retried exactly like the outbound webhooks of subscriptions
    retry_policy = (webhooks.MAX_ATTEMPTS, webhooks.backoff_s)

    def parse(self, payload: bytes) -> list[Inbound]:
        # read exactly as the inbound endpoint reads its body
        try:
            document = inputs.json_parse(payload)
        except inputs.InputRefused as refused:
            raise ValueError(refused.detail) from None
        return [inbound_from(document)]

    def body(self, message: Message) -> bytes:
        identity = message.dialog.identity
        if identity is None:
            raise DeliveryRefused("the dialog has no API identity")
        envelope = {
            "id": delivery_id(message),
            "event": EVENT,
            "created_at": payloads.iso(message.created_at),
            "external_id": identity.external_id,
            "message": payloads.message(message, attachments=list(message.attachments.all())),
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, message: Message) -> str:
        """One signed POST of the message to ``webhook_url``; returns the delivery's id.
        ``SendFailed`` (retried) for an answer other than 2xx, a timeout or a connection
        error; ``DeliveryRefused`` for a note, the user's own message or an address
        that may not receive webhooks. Without a ``webhook_url`` there is nothing to
        send: the app polls."""
        if message.internal:
            raise DeliveryRefused("an internal note never leaves the inbox")
        if message.sender_type == SenderType.CONTACT:
            raise DeliveryRefused("the user's own message is not sent back to the app")
        config = self.channel.config or {}
        url = str(config.get("webhook_url") or "")
        if not url:
            return ""
        secret = str(config.get("webhook_secret") or "")
        if not secret:
            raise DeliveryRefused("the channel has no webhook_secret")
        try:
            target = webhooks.url_check(url)
        except webhooks.UnsafeURL as refused:
            raise (DeliveryRefused if refused.permanent else SendFailed)(str(refused)) from None
        body = self.body(message)
        the_id = delivery_id(message)
        outcome = webhooks.post(
            target=target,
            body=body,
            headers=webhooks.signed_headers(
                delivery_id=the_id, event=EVENT, secret=secret, body=body
            ),
        )
        if not outcome.ok:
            raise SendFailed(outcome.error or f"HTTP {outcome.status}")
        return the_id
