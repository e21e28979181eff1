"""Domain-event listeners of the inbox app, registered from `AppConfig.ready()`."""

from __future__ import annotations

from django.db import transaction

from contactcenter import events
from inbox.connectors.registry import CONNECTORS
from inbox.connectors.tasks import connector_reply_send
from inbox.models import Dialog, SenderType


def register() -> None:
    """Subscribe this app's listeners (`contactcenter.events.subscribe`)."""
    events.subscribe(events.MessageReceived, reply_send_queue)


def reply_send_queue(event: events.MessageReceived) -> None:
    """An operator's reply in a dialog of a channel with a connector (e-mail...) leaves
    through that connector, from a Celery task queued once this commits."""
    if event.sender_type != SenderType.OPERATOR:
        return
    channel_type = (
        Dialog.objects.filter(pk=event.dialog_id).values_list("channel__type", flat=True).first()
    )
    if channel_type not in CONNECTORS:
        return
    message_id = event.message_id
    transaction.on_commit(lambda: connector_reply_send.delay(message_id))
