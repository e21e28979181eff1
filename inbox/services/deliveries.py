"""Delivery status of the messages that leave through a connector (``Message.status``):
the one writer of the field.

A message to the contact on an external channel starts ``pending`` when it is stored
(``outgoing_status``), becomes ``sent`` when the connector handed it over, then
``delivered`` and ``read`` as the channel reports them, or ``failed`` when it could not
be delivered. It only moves forward: a late ``delivered`` after ``read`` changes
nothing, a ``failed`` after ``delivered`` neither. The one way back is the operator's
retry of a failed message (``message_send_retry``), which queues the send again.

Every change is pushed to the staff watching the session as
``{"type": "message.status", "message": {"id", "dialog", "session", "status"}}``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.api_common import StateConflict
from crm.models import ChannelType
from inbox.models import DeliveryStatus, Message, Session
from inbox.services.pushes import push_to_staff

# What each status may follow: forward only, ``failed`` only before the contact had it.
_FROM: dict[str, tuple[str, ...]] = {
    DeliveryStatus.SENT: (DeliveryStatus.PENDING,),
    DeliveryStatus.DELIVERED: (DeliveryStatus.PENDING, DeliveryStatus.SENT),
    DeliveryStatus.READ: (DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.DELIVERED),
    DeliveryStatus.FAILED: (DeliveryStatus.PENDING, DeliveryStatus.SENT),
}


def outgoing_status(*, channel_type: str, internal: bool = False) -> str | None:
    """The status a new message to the contact starts with: ``pending`` on a channel
    whose messages leave through a connector, none in the widget (its socket delivers)
    and for internal notes."""
    if internal or channel_type == ChannelType.WIDGET:
        return None
    return DeliveryStatus.PENDING


def message_status_set(
    *, message_id: int, status: str, channel_message_id: str | None = None
) -> bool:
    """Moves a message's delivery status forward to ``status`` (keeping the channel's id
    of the sent message when given). Returns False, changing nothing, when the message
    is already as far or further (a late or repeated report). ``ValueError`` for a
    status that is not a delivery status one can move to."""
    if status not in _FROM:
        raise ValueError(f"not a status to move to: {status!r}")
    updates: dict[str, Any] = {"status": status}
    if channel_message_id:
        updates["channel_message_id"] = channel_message_id[:128]
    with transaction.atomic():
        changed = Message.objects.filter(pk=message_id, status__in=_FROM[status]).update(**updates)
        if changed:
            _push(message_id)
    return bool(changed)


def message_status_by_channel_id(*, channel_id: int, channel_message_id: str, status: str) -> bool:
    """A channel's delivery report names the message by its own id: moves the status of
    that message of the channel forward (``message_status_set``). False when no such
    message is known or it is already further."""
    message_id = (
        Message.objects.filter(
            dialog__channel_id=channel_id, channel_message_id=channel_message_id[:128]
        )
        .values_list("pk", flat=True)
        .first()
    )
    if message_id is None:
        return False
    return message_status_set(message_id=message_id, status=status)


def message_send_retry(*, message_id: int, dialog_id: int) -> Message | None:
    """The operator sends a failed message of this dialog again: it goes back to
    ``pending`` and the connector's send is queued once more (``MessageSendRetried``,
    after commit). ``None`` when the dialog has no such message; ``StateConflict`` when
    it is not ``failed``. The caller checks that the user may see the dialog."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update().filter(pk=message_id, dialog_id=dialog_id).first()
        )
        if message is None:
            return None
        if message.status != DeliveryStatus.FAILED:
            raise StateConflict(_("Only a message that could not be delivered can be retried."))
        Message.objects.filter(pk=message.pk).update(status=DeliveryStatus.PENDING)
        message.status = DeliveryStatus.PENDING
        _push(message.pk, message)
        events.emit(events.MessageSendRetried(message_id=message.pk, dialog_id=message.dialog_id))
    return message


def _push(message_id: int, message: Message | None = None) -> None:
    if message is None:
        message = Message.objects.only("pk", "dialog_id", "session_id", "status").get(pk=message_id)
    if message.session_id is None:
        return
    session = Session.objects.only("pk", "operator_id", "group_id", "status").get(
        pk=message.session_id
    )
    frame = {
        "type": "message.status",
        "message": {
            "id": message.pk,
            "dialog": message.dialog_id,
            "session": message.session_id,
            "status": message.status,
        },
    }
    push_to_staff(session, frame)
