"""Reply windows: on some channels a company may write to a contact freely only for a
while after the contact's last message (WhatsApp: 24 hours). Outside it only an approved
template may be sent, and a free-form reply is refused with ``window_closed``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.api_common import StateConflict
from crm.models import ChannelType
from inbox.models import Channel, Message, SenderType, Session

REPLY_WINDOWS: dict[str, timedelta] = {ChannelType.WHATSAPP: timedelta(hours=24)}


class WindowClosed(StateConflict):
    """A free-form message outside the channel's reply window (``409 window_closed``)."""

    code = "window_closed"


def reply_window_closes_at(*, dialog_id: int) -> datetime | None:
    """When the dialog's reply window closes (or closed): its contact's last message
    plus the channel's window. ``None`` where the channel has no window."""
    channel_type = Channel.objects.filter(dialogs=dialog_id).values_list("type", flat=True).first()
    window = REPLY_WINDOWS.get(channel_type or "")
    if window is None:
        return None
    last = (
        Message.objects.filter(dialog_id=dialog_id, sender_type=SenderType.CONTACT)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return (last + window) if last is not None else timezone.now()


def reply_window_open(*, dialog_id: int) -> bool:
    closes_at = reply_window_closes_at(dialog_id=dialog_id)
    return closes_at is None or timezone.now() < closes_at


def reply_window_require(*, session_id: int) -> None:
    """Raises ``WindowClosed`` when the session's dialog may not get a free-form message
    now."""
    found = (
        Session.objects.filter(pk=session_id)
        .values_list("dialog_id", "dialog__channel__type")
        .first()
    )
    if found is None or found[1] not in REPLY_WINDOWS:
        return  # one query on the channels without a window (the widget's replies)
    if not reply_window_open(dialog_id=found[0]):
        raise WindowClosed(
            _(
                "More than 24 hours have passed since the customer's last message: "
                "WhatsApp accepts only an approved template now."
            )
        )
