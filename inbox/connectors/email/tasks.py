"""Periodic work of the e-mail channel: reading the IMAP mailboxes (scheduled in the
database by django-celery-beat, see the migration ``0002``; admins change it there)."""

from __future__ import annotations

import logging

from celery import shared_task

from crm.models import ChannelType
from inbox.connectors.email import imap
from inbox.models import Channel

logger = logging.getLogger(__name__)


@shared_task(name="inbox.email_imap_poll", ignore_result=True)
def email_imap_poll() -> int:
    """Stores the unread mail of every active e-mail channel with an IMAP mailbox;
    returns how many messages were stored anew. A mailbox that fails is logged and
    tried again at the next run; the others are read all the same."""
    stored = 0
    channels = Channel.objects.filter(type=ChannelType.EMAIL, is_active=True).order_by("pk")
    for channel in channels:
        if not (channel.config or {}).get("imap_host"):
            continue
        try:
            stored += imap.mailbox_poll(channel=channel).stored
        except imap.ImapError as error:
            logger.warning("IMAP mailbox of channel %s: %s", channel.pk, error)
    return stored
