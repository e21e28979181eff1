"""One webhook for every messenger: ``/hooks/<kind>/<key>/`` finds the channel by its
public key and type, lets its connector verify the delivery (nothing is read or stored
from one that fails: ``403``), and hands what the connector parsed to the inbox.

A text message is stored in the request (one insert: the channel's message id is its
``client_id``, so a repeat, even at the same moment, stores nothing new); a file is
fetched and stored by a task, and a button press is acknowledged to the channel by a
task, so the answer stays quick.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from inbox import services
from inbox.connectors import intake
from inbox.connectors.base import ButtonPress, HookRequest, Inbound, StatusReport
from inbox.connectors.choices import typed_choice
from inbox.connectors.ratings import inbound_rating_reply
from inbox.connectors.registry import connector_for
from inbox.connectors.tasks import connector_button_answer, connector_file_receive
from inbox.models import Channel, DeliveryStatus, Message
from inbox.services.batching import Incoming

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HookAnswer:
    status: int
    body: str = ""


def webhook_handle(
    *,
    kind: str,
    key: str,
    method: str,
    request: HookRequest,
    writes: list[Incoming] | None = None,
) -> HookAnswer:
    """What the webhook of channel ``key`` of type ``kind`` answers to this delivery.
    With ``writes``, text messages are not stored here but appended to it, resolved to
    their dialogs, for the caller to store (the view hands them to the process's
    batching writer)."""
    channel = _channel(kind[:16], key[:64])
    connector = connector_for(channel) if channel is not None else None
    if channel is None or connector is None:
        return HookAnswer(404, "no such channel")
    if method == "GET":
        answer = connector.challenge(request)
        return HookAnswer(200, answer) if answer is not None else HookAnswer(403, "forbidden")
    if not connector.verify(request):
        return HookAnswer(403, "forbidden")
    try:
        items = connector.parse(request.body)
        reports = connector.statuses(request.body)
    except ValueError as unreadable:
        logger.warning("webhook of channel %s unreadable: %s", channel.pk, unreadable)
        return HookAnswer(400, "unreadable")
    for report in reports:
        try:
            moved = services.message_status_by_channel_id(
                channel_id=channel.pk,
                channel_message_id=report.channel_message_id,
                status=report.status,
            )
        except ValueError:
            logger.info("channel %s reported an unknown status %r", channel.pk, report.status)
        else:
            if moved and report.status == DeliveryStatus.FAILED and report.detail:
                _failure_note(channel, report)
    for item in items:
        _receive(channel, item, writes)
    return HookAnswer(200, "ok")


def _failure_note(channel: Channel, report: StatusReport) -> None:
    """The channel could not deliver a message after all: the operator learns why."""
    message = (
        Message.objects.select_related("session")
        .filter(dialog__channel=channel, channel_message_id=report.channel_message_id[:128])
        .first()
    )
    if message is None or message.session is None:
        return
    with translation.override(settings.LANGUAGE_CODE):  # stored for everyone to read
        text = _("The reply could not be delivered: %(reason)s") % {"reason": report.detail}
    services.system_message_send(session=message.session, text=text, internal=True)


# Every delivery names its channel; a channel read is kept this long in the process, so
# a changed secret or a deactivation takes effect within a second.
CHANNEL_TTL_S = 1.0
_channels: dict[tuple[str, str], tuple[float, Channel | None]] = {}


def _channel(kind: str, key: str) -> Channel | None:
    now = time.monotonic()
    known = _channels.get((kind, key))
    if known is not None and now - known[0] < CHANNEL_TTL_S:
        return known[1]
    channel = Channel.objects.filter(key=key, type=kind, is_active=True).first()
    if len(_channels) > 10_000:  # unknown keys someone tries: never a leak
        _channels.clear()
    _channels[(kind, key)] = (now, channel)
    return channel


def _receive(channel: Channel, item: Inbound, writes: list[Incoming] | None) -> None:
    if item.button is None and item.file is None:
        # a typed number answering our latest buttons (a numbered menu, the rating
        # request) is that button's press, on every messenger
        press = typed_choice(channel=channel, external_id=item.external_id, text=item.text)
        item = dataclasses.replace(item, button=press) if press is not None else item
    elif item.button is not None and item.button.position is not None:
        press = typed_choice(
            channel=channel, external_id=item.external_id, text=str(item.button.position)
        )
        answer_ref = item.button.answer_ref
        press = dataclasses.replace(press or ButtonPress(), answer_ref=answer_ref)
        item = dataclasses.replace(item, button=press)
    if item.button is not None:
        intake.inbound_button_store(channel=channel, inbound=item)
        if item.button.answer_ref:
            channel_id, ref = channel.pk, item.button.answer_ref
            transaction.on_commit(lambda: connector_button_answer.delay(channel_id, ref))
    elif item.file is not None:
        if not intake.inbound_known(channel=channel, inbound=item):
            data = intake.inbound_dump(item)
            channel_id = channel.pk
            transaction.on_commit(lambda: connector_file_receive.delay(channel_id, data))
    elif inbound_rating_reply(channel=channel, inbound=item):
        pass  # the score of the rating request, typed: rated, not a new conversation
    elif writes is not None:
        writes.append(intake.inbound_text_incoming(channel=channel, inbound=item))
    else:
        intake.inbound_text_store(channel=channel, inbound=item)
