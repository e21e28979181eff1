"""The API channel's intake and reads: the bearer secret checked in constant time, one
message stored idempotently by its ``client_id``, the contact's attributes merged, and
the dialog's messages as the contact may see them.

Like every connector it stores through ``inbox.services.channel_message_receive`` and
changes contacts only through ``crm.services``."""

from __future__ import annotations

import hmac
import logging

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from crm import services as crm_services
from crm.models import ChannelType, Contact, ContactIdentity
from inbox import selectors, services
from inbox.connectors.base import Inbound
from inbox.models import Channel, Dialog, Message
from inbox.services import Stored

logger = logging.getLogger(__name__)

# Compared against when the key is unknown, so that the answer takes as long as for a
# known key with a wrong secret.
_NO_SECRET = b"\0" * 43


def channel_authenticate(*, key: str, secret: str) -> Channel | None:
    """The active API channel with this public key whose ``inbound_secret`` is
    ``secret``; ``None`` otherwise, whichever of the two was wrong."""
    channel = Channel.objects.filter(key=key[:64], type=ChannelType.API, is_active=True).first()
    expected = str((channel.config or {}).get("inbound_secret") or "") if channel else ""
    given = secret.encode("utf-8", "replace")
    if not expected:
        hmac.compare_digest(given, _NO_SECRET)
        return None
    return channel if hmac.compare_digest(given, expected.encode()) else None


def dialog_of(*, channel: Channel, external_id: str) -> Dialog | None:
    """The dialog of the API identity ``external_id`` on this channel, if it wrote."""
    normalized = crm_services.identity_external_id_normalize(
        channel_type=ChannelType.API, external_id=external_id
    )
    identity = ContactIdentity.objects.filter(
        channel_type=ChannelType.API, external_id=normalized
    ).first()
    if identity is None:
        return None
    return (
        Dialog.objects.filter(channel=channel, identity=identity).select_related("contact").first()
    )


def api_message_receive(*, channel: Channel, inbound: Inbound) -> Stored:
    """Stores one message of the identity ``api`` + ``inbound.external_id``: a repeat of
    a known ``client_id`` answers with the first message and changes nothing. The
    contact is resolved by the identity service (a new one linked to a contact with the
    same e-mail or phone by the identity policy); ``meta["attributes"]`` are merged into
    the contact's before the message is stored, so that what reacts to it sees them.
    Raises ``MessageRejected`` for text that may not be stored and ``ValidationError``
    for attributes that would not fit."""
    dialog = dialog_of(channel=channel, external_id=inbound.external_id)
    if dialog is not None:
        repeat = selectors.message_by_client_id(dialog_id=dialog.pk, client_id=inbound.client_id)
        if repeat is not None:
            return Stored(repeat, created=False)
    attributes = inbound.meta.get("attributes") or {}
    if attributes:
        contact = crm_services.contact_identity_resolve(
            channel_type=ChannelType.API,
            external_id=inbound.external_id,
            name=inbound.name,
            email=inbound.email,
            phone=inbound.phone,
        )
        crm_services.contact_attributes_merge(contact=contact, attributes=attributes)
    stored = services.channel_message_receive(
        channel=channel,
        external_id=inbound.external_id,
        text=inbound.text,
        client_id=inbound.client_id,
        name=inbound.name,
        email=inbound.email,
        phone=inbound.phone,
    )
    if not stored.created:
        return stored
    if attributes:  # the contact was linked into another one: that one takes them too
        try:
            crm_services.contact_attributes_merge(contact=contact, attributes=attributes)
        except ValidationError:  # the survivor is full: the message is stored all the same
            logger.info("API channel %s: attributes not added to a linked contact", channel.pk)
    if dialog is not None and _brings_news(dialog.contact, inbound):
        # a later message that brings an e-mail or phone: the policy may link it now
        services.dialog_contact_verified_link(
            dialog_id=dialog.pk, email=inbound.email, phone=inbound.phone
        )
    return stored


def _brings_news(contact: Contact, inbound: Inbound) -> bool:
    new_email = bool(inbound.email) and inbound.email.strip().lower() != contact.email.lower()
    return new_email or (bool(inbound.phone) and inbound.phone.strip() != contact.phone)


def contact_messages(*, dialog: Dialog, after_id: int = 0) -> QuerySet[Message]:
    """The dialog's messages after ``after_id``, oldest first, as the contact sees them:
    every session's, never an internal note."""
    return (
        Message.objects.filter(dialog=dialog, id__gt=after_id, internal=False)
        .prefetch_related("attachments")
        .order_by("id")
    )
