"""Celery tasks of the connectors: replies leave through the dialog channel's connector,
with retries and backoff, so a slow mail server never blocks an operator."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from inbox import services
from inbox.connectors.base import DeliveryRefused, SendFailed
from inbox.connectors.registry import connector_for
from inbox.models import Message, SenderType

logger = logging.getLogger(__name__)


@shared_task(
    name="inbox.connector_reply_send",
    autoretry_for=(SendFailed,),
    retry_backoff=10,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=10,
    ignore_result=True,
)
def connector_reply_send(message_id: int) -> str | None:
    """Sends an operator's reply through its channel's connector; a refusal for good is
    noted in the session for the operator. Idempotent: a sent reply is not sent again."""
    message = (
        Message.objects.select_related("dialog__channel", "dialog__contact", "dialog__identity")
        .filter(pk=message_id, sender_type=SenderType.OPERATOR, internal=False)
        .first()
    )
    if message is None:
        return None
    connector = connector_for(message.dialog.channel)
    if connector is None:
        return None
    try:
        return connector.send(message)
    except DeliveryRefused as refused:
        logger.warning("reply %s refused by its channel: %s", message_id, refused)
        if message.session is not None:
            # stored text is in the installation's language, whoever's request ran this
            with translation.override(settings.LANGUAGE_CODE):
                text = _("The reply could not be delivered: %(reason)s") % {"reason": refused}
            services.system_message_send(session=message.session, text=text, internal=True)
        return None
