"""Domain-event listeners of the inbox app, registered from `AppConfig.ready()`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from contactcenter import events
from inbox import services
from inbox.connectors.registry import CONNECTORS
from inbox.connectors.tasks import connector_reply_send
from inbox.models import CloseReason, DeliveryStatus, Message, SenderType, Session
from inbox.services import translations


def register() -> None:
    """Subscribe this app's listeners (`contactcenter.events.subscribe`)."""
    # the message path's listeners only read and queue: no atomic block of their own
    events.subscribe(events.MessageReceived, reply_send_queue, atomic=False)
    events.subscribe(events.MessageSendRetried, reply_send_queue)
    events.subscribe(events.SessionClosed, rating_request_send)
    events.subscribe(events.MessageReceived, contact_message_translate_queue, atomic=False)


def contact_message_translate_queue(event: events.MessageReceived) -> None:
    """A contact's message, already stored and shown, is translated for its operator in
    a translation thread; the translation follows as ``message.updated``."""
    if event.sender_type == SenderType.CONTACT:
        translations.contact_message_queue(message_id=event.message_id)


def reply_send_queue(event: events.MessageReceived | events.MessageSendRetried) -> None:
    """Every message to the contact (operator, bot, system: stored ``pending``) in a
    dialog of a channel with a connector (e-mail, Telegram...) leaves through that
    connector, from a Celery task queued once this commits."""
    if isinstance(event, events.MessageReceived) and (
        event.sender_type == SenderType.CONTACT or event.status != DeliveryStatus.PENDING
    ):
        return  # the contact's own, or nothing for a connector to send (the widget's)
    pending = Message.objects.filter(
        pk=event.message_id,
        status=DeliveryStatus.PENDING,
        dialog__channel__type__in=list(CONNECTORS),
    ).exists()
    if not pending:
        return
    message_id = event.message_id
    transaction.on_commit(lambda: connector_reply_send.delay(message_id))


# Scores offered by the rating request on channels without the widget's own form.
RATING_SCORES = (5, 4, 3, 2, 1)


def rating_request_send(event: events.SessionClosed) -> None:
    """A resolved session of a channel with a connector asks the contact for a rating (the
    widget shows its own form instead): on a messenger the scores are buttons; where a
    channel has none (e-mail, the API channel) they go as numbered lines, 1 to 5, so that
    the number the contact replies with is the score."""
    if event.reason != CloseReason.RESOLVED:
        return
    session = (
        Session.objects.select_related("dialog__channel")
        .filter(pk=event.session_id, dialog__channel__type__in=list(CONNECTORS))
        .first()
    )
    if session is None or session.rating is not None:
        return
    shows_buttons = "buttons" in CONNECTORS[session.dialog.channel.type].capabilities
    scores = RATING_SCORES if shows_buttons else sorted(RATING_SCORES)
    with translation.override(settings.LANGUAGE_CODE):
        text = _("How did we do? Rate this conversation from 1 (bad) to 5 (excellent).")
        if not shows_buttons:
            text += " " + _("Reply with the number.")
        buttons = [{"id": score, "title": "★" * score, "rating": score} for score in scores]
    services.system_message_send(session=session, text=text, buttons=buttons)
