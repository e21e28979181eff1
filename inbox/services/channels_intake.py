"""Intake from external channels (e-mail, and the messengers' connectors): an incoming
identity is resolved to its contact and dialog, the contact learns what the channel
verified, and the message enters the conversation pipeline (``contact_message_receive``).

Connectors parse their protocol and call ``channel_message_receive``; they never save a
contact, a dialog or a message themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from contactcenter import inputs
from crm import services as crm_services
from crm.models import ChannelType, Contact, ContactIdentity
from inbox.models import Channel, Dialog
from inbox.services.batching import Incoming
from inbox.services.conversations import (
    Stored,
    contact_attachment_receive,
    contact_message_receive,
)
from inbox.services.validators import MAX_TEXT


@dataclass(frozen=True, slots=True)
class ResolvedDialog:
    dialog: Dialog
    created: bool


def dialog_for_identity_resolve(
    *, channel: Channel, external_id: str, name: str = "", email: str = "", phone: str = ""
) -> ResolvedDialog:
    """The dialog of this identity on this channel, made (with its contact, see
    ``contact_identity_resolve``) on the identity's first message. Race-safe: the unique
    identity and one-dialog-per-identity constraints decide, the loser re-reads."""
    normalized = crm_services.identity_external_id_normalize(
        channel_type=channel.type, external_id=external_id
    )
    # Every message after the first: one query (a known identity's contact is not
    # changed by what a later message says, see ``contact_identity_resolve``).
    known = Dialog.objects.filter(
        channel=channel, identity__channel_type=channel.type, identity__external_id=normalized
    ).first()
    if known is not None:
        return ResolvedDialog(known, created=False)
    crm_services.contact_identity_resolve(
        channel_type=channel.type, external_id=external_id, name=name, email=email, phone=phone
    )
    identity = ContactIdentity.objects.get(channel_type=channel.type, external_id=normalized)
    dialog = Dialog.objects.filter(channel=channel, identity=identity).first()
    if dialog is not None:
        return ResolvedDialog(dialog, created=False)
    try:
        with transaction.atomic():
            dialog = Dialog.objects.create(
                channel=channel, contact_id=identity.contact_id, identity=identity
            )
    except IntegrityError:
        return ResolvedDialog(Dialog.objects.get(channel=channel, identity=identity), False)
    return ResolvedDialog(dialog, created=True)


def channel_dialog_resolve(*, channel: Channel, external_id: str, name: str = "") -> int:
    """The id of the dialog of an external channel's identity (made on first contact),
    for what a contact does besides writing (pressing a button, rating)."""
    name = inputs.text_repair(name)
    return dialog_for_identity_resolve(
        channel=channel, external_id=external_id, name=name
    ).dialog.pk


def dialog_contact_verified_link(*, dialog_id: int, email: str = "", phone: str = "") -> Contact:
    """The dialog's contact turned out to own ``email`` or ``phone`` (a pre-chat form, an
    e-mail's sender, a bot): the admin's identity policy links it to an existing contact
    with them (``crm.services.contact_verified_link``). Returns the contact the dialog
    belongs to afterwards; a merge moves the dialog, so the visitor's token keeps
    working."""
    contact = Contact.objects.get(dialogs__pk=dialog_id)
    if not (email or phone):
        return contact
    return crm_services.contact_verified_link(contact=contact, email=email, phone=phone)


# A known identity's dialog on a channel is the same for good (a contact merge moves the
# dialog, its id stays): kept in the process for a minute, so that a messenger's message
# costs no query before it is stored. Keyed by the channel's random public key, never
# by an id a test database or a restore could give to another channel.
DIALOG_ID_TTL_S = 60.0
_dialog_ids: dict[tuple[str, str], tuple[float, int]] = {}


def channel_incoming(
    *,
    channel: Channel,
    external_id: str,
    text: str,
    client_id: str | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
) -> Incoming:
    """A message from an external channel's identity, ready for the message store
    (``batching.contact_messages_receive``, or the writer that batches it): resolves the
    contact and dialog and links the contact by the details the channel verified (on the
    identity's first message in this channel)."""
    # Nobody is there to correct what a channel brings in, so it is made storable instead
    # of refused (a lone surrogate from an undecodable header, a NUL in a body).
    text, name = inputs.text_repair(text), inputs.text_repair(name)
    key, now = (channel.key, external_id), time.monotonic()
    known = _dialog_ids.get(key)
    if known is not None and now - known[0] < DIALOG_ID_TTL_S:
        dialog_id = known[1]
    else:
        resolved = dialog_for_identity_resolve(
            channel=channel, external_id=external_id, name=name, email=email, phone=phone
        )
        if resolved.created:
            verified = email or (external_id if channel.type == ChannelType.EMAIL else "")
            dialog_contact_verified_link(dialog_id=resolved.dialog.pk, email=verified, phone=phone)
        dialog_id = resolved.dialog.pk
        if len(_dialog_ids) > 50_000:
            _dialog_ids.clear()
        _dialog_ids[key] = (now, dialog_id)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return Incoming(dialog_id=dialog_id, text=text, client_id=client_id, sender_name=name)


def channel_message_receive(
    *,
    channel: Channel,
    external_id: str,
    text: str,
    client_id: str | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    upload: Any = None,
) -> Stored:
    """A message from an external channel's identity (``channel_incoming``), stored
    idempotently by ``client_id``. With ``upload`` (a file the connector fetched) the
    text is its caption, maybe empty. Raises ``MessageRejected`` for text or a file
    that may not be stored."""
    item = channel_incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        client_id=client_id,
        name=name,
        email=email,
        phone=phone,
    )
    if upload is not None:
        return contact_attachment_receive(
            dialog_id=item.dialog_id,
            upload=upload,
            text=item.text,
            client_id=client_id,
            sender_name=item.sender_name,
        )
    return contact_message_receive(
        dialog_id=item.dialog_id, text=item.text, client_id=client_id, sender_name=item.sender_name
    )
