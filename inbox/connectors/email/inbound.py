"""Delivery of one received e-mail into the inbox (from the SMTP receiver or the IMAP
poller): the channel is chosen by the recipient; the e-mail's session is chosen by its
thread (``threads``); its text goes through ``channel_message_receive`` and each of its
files after it through ``contact_attachment_receive`` (one file per message, each with a
``client_id`` fixed by the Message-ID, so a redelivery stores nothing twice); its
Message-ID, subject and sanitised HTML are kept for threading and showing it."""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from crm.models import ChannelType
from inbox import services
from inbox.connectors.base import Inbound
from inbox.connectors.email import sanitize, threads
from inbox.connectors.email.connector import EmailConnector
from inbox.connectors.email.models import EmailReference
from inbox.connectors.email.parse import EmailFile, ParsedEmail, reply_own_text
from inbox.connectors.ratings import inbound_rating_reply
from inbox.models import Channel, Message, Session
from inbox.services.attachments import files_removed_on_failure

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
    _connections_refresh()
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
        _connections_refresh()


def _connections_refresh() -> None:
    """A long-running receiver outlives database connections: they are dropped when
    stale, but never under a caller's open transaction."""
    if not connection.in_atomic_block:
        close_old_connections()


def email_deliver_to_channel(*, channel: Channel, raw: bytes) -> int:
    """Stores an e-mail read from the channel's own mailbox (IMAP), whoever it was
    addressed to; returns how many messages were stored anew. ``ValueError`` for an
    e-mail that cannot be read; any other exception means nothing was stored."""
    return _deliver_to(channel, raw)


def _deliver_to(channel: Channel, raw: bytes) -> int:
    stored = 0
    for inbound in EmailConnector(channel).parse(raw):
        try:
            # one transaction: a failure stores none of the e-mail (and deletes the files
            # it wrote), so that the sending server or the next IMAP poll delivers it
            # again, whole
            with files_removed_on_failure() as written, transaction.atomic():
                stored += _store(channel, inbound, written)
        except services.MessageRejected as refused:
            logger.warning("e-mail to %s not stored: %s", channel.pk, refused.detail)
    return stored


def _store(channel: Channel, inbound: Inbound, written: list[str]) -> int:
    """The e-mail's text, then one message per file, then its threading reference; or,
    for a reply of just a score to the rating request, the session's rating."""
    parsed: ParsedEmail = inbound.meta["parsed"]
    if not parsed.files:
        own = dataclasses.replace(inbound, text=reply_own_text(inbound.text))
        if inbound_rating_reply(channel=channel, inbound=own):
            return 0  # rated: not a new conversation
    dialog_id = threads.email_dialog_id(channel=channel, external_id=inbound.external_id)
    placement = threads.Placement.NEW_DIALOG
    if dialog_id is not None:
        placement = threads.email_session_prepare(
            dialog_id=dialog_id,
            client_id=services.client_id_clean(inbound.client_id) or "",
            subject=parsed.subject,
            thread_ids=inbound.meta["thread_ids"],
        )
    result = services.channel_message_receive(
        channel=channel,
        external_id=inbound.external_id,
        text=inbound.text,
        client_id=inbound.client_id,
        name=inbound.name,
        email=inbound.email,
    )
    message = result.message
    inline_urls, refused = _files_store(message, parsed, inbound.name, written)
    EmailReference.objects.get_or_create(
        message=message,
        defaults={
            "header_message_id": inbound.meta["message_id"][:998],
            "subject": inbound.meta["subject"],
            "references": inbound.meta["references"],
            "html": sanitize.email_html_clean(parsed.html, inline_urls=inline_urls),
        },
    )
    if result.created and message.session is not None:
        _notes_add(message.session, parsed, refused, placement)
    return int(result.created)


def _files_store(
    message: Message, parsed: ParsedEmail, sender_name: str, written: list[str]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Stores each file of the e-mail as a message of its own, after the text. Returns
    the addresses of the inline images by Content-ID, and the files refused, with why;
    the storage names of the files written anew are added to ``written``."""
    inline_urls: dict[str, str] = {}
    refused: list[tuple[str, str]] = []
    for index, file in enumerate(parsed.files):
        upload = SimpleUploadedFile(file.name, file.content, _content_type(file))
        try:
            stored = services.contact_attachment_receive(
                dialog_id=message.dialog_id,
                upload=upload,
                client_id=parsed.file_client_id(index),
                sender_name=sender_name,
            )
        except services.MessageRejected as rejected:
            refused.append((file.name, rejected.detail))
            continue
        attachment = next(iter(stored.message.attachments.all()), None)
        if stored.created and attachment is not None and attachment.file.name:
            written.append(attachment.file.name)
        if file.content_id and attachment is not None and attachment.file:
            inline_urls[file.content_id] = attachment.file.url
    return inline_urls, refused


def _content_type(file: EmailFile) -> str:
    """The declared type, or the one the file's name tells when mail programs declare a
    generic one (a PDF sent as ``application/octet-stream``)."""
    allowed = {str(t).lower() for t in settings.ATTACHMENT_TYPES}
    if file.content_type in allowed:
        return file.content_type
    guessed = mimetypes.guess_type(file.name)[0] or ""
    return guessed if guessed.lower() in allowed else file.content_type


def _notes_add(
    session: Session,
    parsed: ParsedEmail,
    refused: list[tuple[str, str]],
    placement: threads.Placement,
) -> None:
    """Internal notes that tell the operator what the e-mail holds that they cannot see
    in the chat: files that were not stored, and a new subject in the same session."""
    # stored text is in the installation's language, whoever's request ran this
    with translation.override(settings.LANGUAGE_CODE):
        texts = [
            _("The file %(name)s of this e-mail was not stored: %(reason)s")
            % {"name": f"«{name}»", "reason": reason}
            for name, reason in refused
        ]
        if placement is threads.Placement.NEW_SUBJECT_KEPT:
            texts.append(
                _("This e-mail starts a new subject: %(subject)s") % {"subject": parsed.subject}
            )
    for text in texts:
        services.system_message_send(session=session, text=text[:2000], internal=True)
