"""Celery tasks of the connectors: every message to the contact leaves through the dialog
channel's connector, with retries and backoff, so a slow mail server or messenger never
blocks an operator; files and button presses that came in by webhook are finished here,
outside the webhook's request."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from inbox import services
from inbox.connectors import intake
from inbox.connectors.base import DeliveryRefused, RetryAfter, SendFailed
from inbox.connectors.registry import connector_for
from inbox.models import Channel, DeliveryStatus, Message, SenderType
from inbox.services import translations

logger = logging.getLogger(__name__)

# A channel's "wait N seconds" up to this long is waited out in the task; a longer one
# sends the task back to the queue with that delay. Neither counts as a failure.
WAIT_IN_TASK_MAX_S = 5.0
WAITS_IN_TASK = 3


class _SendTask(Task):
    def on_failure(self, exc: Any, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """The retries are used up: the message is marked ``failed`` for the operator."""
        if isinstance(exc, SendFailed) and args:
            delivery_failed(int(args[0]), str(exc))


@shared_task(
    base=_SendTask,
    bind=True,
    name="inbox.connector_reply_send",
    autoretry_for=(SendFailed,),
    retry_backoff=10,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=10,
    ignore_result=True,
)
def connector_reply_send(self: Any, message_id: int) -> str | None:
    """Sends a message to the contact (operator, bot or system) through its channel's
    connector and moves its status to ``sent``; a refusal for good marks it ``failed``
    and is noted in the session for the operator. Idempotent: only a ``pending``
    message is sent."""
    message = (
        Message.objects.select_related("dialog__channel", "dialog__contact", "dialog__identity")
        .filter(pk=message_id, internal=False, status=DeliveryStatus.PENDING)
        .exclude(sender_type=SenderType.CONTACT)
        .first()
    )
    if message is None:
        return None
    connector = connector_for(message.dialog.channel)
    if connector is None:
        return None
    # a reply whose contact reads another language goes out translated (or as written,
    # after at most TRANSLATION_REPLY_WAIT_S)
    message = translations.reply_translation_wait(message)
    try:
        channel_message_id = _send_waiting_out(connector, message)
    except SendFailed as failure:
        if connector.retry_policy is None:
            raise  # the task's own backoff (autoretry_for)
        attempts, wait_s = connector.retry_policy
        done = self.request.retries + 1
        if done >= attempts:
            delivery_failed(message_id, str(failure))
            return None
        raise self.retry(countdown=wait_s(done), max_retries=attempts - 1) from failure
    except RetryAfter as wait:
        connector_reply_send.apply_async((message_id,), countdown=wait.seconds)
        return None
    except DeliveryRefused as refused:
        delivery_failed(message_id, str(refused))
        return None
    services.message_status_set(
        message_id=message_id, status=DeliveryStatus.SENT, channel_message_id=channel_message_id
    )
    return channel_message_id


def _send_waiting_out(connector: Any, message: Message) -> str:
    for _attempt in range(WAITS_IN_TASK):
        try:
            return str(connector.send(message) or "")
        except RetryAfter as wait:
            if wait.seconds > WAIT_IN_TASK_MAX_S:
                raise
            logger.info("message %s: the channel asks to wait %.1f s", message.pk, wait.seconds)
            time.sleep(wait.seconds)
    return str(connector.send(message) or "")


def delivery_failed(message_id: int, reason: str) -> None:
    """The message cannot be delivered: ``failed`` (the operator sees it and may retry)
    and an internal note saying why."""
    logger.warning("message %s not delivered: %s", message_id, reason)
    if not services.message_status_set(message_id=message_id, status=DeliveryStatus.FAILED):
        return
    message = Message.objects.select_related("session").filter(pk=message_id).first()
    if message is None or message.session is None:
        return
    # stored text is in the installation's language, whoever's request ran this
    with translation.override(settings.LANGUAGE_CODE):
        text = _("The reply could not be delivered: %(reason)s") % {"reason": reason}
    services.system_message_send(session=message.session, text=text, internal=True)


@shared_task(
    name="inbox.connector_file_receive",
    autoretry_for=(SendFailed,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
    ignore_result=True,
)
def connector_file_receive(channel_id: int, inbound: dict[str, Any]) -> int | None:
    """Fetches a file a contact sent by webhook and stores it as their message (once per
    channel message id, however often the channel delivered it)."""
    channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return None
    stored = intake.inbound_file_store(channel=channel, inbound=intake.inbound_load(inbound))
    return stored.message.pk if stored is not None else None


@shared_task(name="inbox.connector_button_answer", ignore_result=True)
def connector_button_answer(channel_id: int, answer_ref: str) -> None:
    """Tells the channel a button press was received (Telegram's answerCallbackQuery)."""
    channel = Channel.objects.filter(pk=channel_id).first()
    connector = connector_for(channel) if channel is not None else None
    if connector is None:
        return
    try:
        connector.button_answer(intake.ButtonPress(answer_ref=answer_ref))
    except (SendFailed, RetryAfter, DeliveryRefused) as failure:
        logger.info("button press on channel %s not acknowledged: %s", channel_id, failure)
