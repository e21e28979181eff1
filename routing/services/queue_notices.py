"""The queue in words, for customers on channels without the widget's live frames
(Telegram, WhatsApp, an API client, e-mail).

A widget visitor sees their place and expected wait change live (``queue`` frames). A
customer on any other channel gets the same as a message: when their session enters the
queue, and then, on messengers, again when their place has improved and at least
``QUEUE_NOTICE_EVERY_S`` (5 minutes by default) have passed since the last one, so that
nobody is flooded. E-mail gets the first notice only (a mail every few minutes would be
spam). The message is a ``system`` message, so the operator sees in the history what the
customer was told, and it leaves through the channel's connector like any other.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import ChannelType
from inbox import services as inbox_services
from inbox.models import Session

# channels that are told their place once, on entering the queue
ONCE = {ChannelType.EMAIL}
# how long the cache remembers a session's last notice (longer than any sane wait)
REMEMBER_S = 24 * 3600


def notice_every_s() -> int:
    return int(settings.QUEUE_NOTICE_EVERY_S)


def wait_in_words(seconds: int | None) -> str:
    """An expected wait as a person says it: "in about 4 minutes", "in about 2 hours"."""
    if seconds is None:
        return _("as soon as possible")
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 90:
        return ngettext("in about %(n)d minute", "in about %(n)d minutes", minutes) % {"n": minutes}
    hours = round(minutes / 60)
    return ngettext("in about %(n)d hour", "in about %(n)d hours", hours) % {"n": hours}


def notice_text(position: int, wait_s: int | None) -> str:
    """The message: the customer's place in line and the expected wait."""
    if position <= 1:
        text = _("You are next in line.")
    else:
        text = _("You are number %(n)d in line.") % {"n": position}
    return f"{text} " + _("An operator will answer %(wait)s.") % {"wait": wait_in_words(wait_s)}


def _due(session_id: int, channel_type: str, position: int, now: float) -> bool:
    """Whether this customer is told their place now (see the module doc)."""
    last = cache.get(f"queue-notice:{session_id}")
    if last is None:
        return True
    if channel_type in ONCE:
        return False
    last_position, last_at = last
    return position < last_position and now - last_at >= notice_every_s()


def queue_notices_send(
    *, waiting: list[tuple[int, int, str]], estimate: Callable[[int], int]
) -> int:
    """``waiting``: (session id, dialog id, channel type) of a group's queue, in order.
    Sends the notices that are due to customers off the widget; returns how many."""
    if not settings.QUEUE_NOTICES:
        return 0
    now = time.time()
    due = {
        session_id: position
        for position, (session_id, _dialog_id, channel_type) in enumerate(waiting, start=1)
        if channel_type != ChannelType.WIDGET and _due(session_id, channel_type, position, now)
    }
    if not due:
        return 0
    sessions = Session.objects.in_bulk(list(due))
    # stored text is in the installation's language, as the other automated messages
    with translation.override(settings.LANGUAGE_CODE):
        for session_id, position in due.items():
            session = sessions.get(session_id)
            if session is None:
                continue
            with transaction.atomic():
                inbox_services.system_message_send(
                    session=session, text=notice_text(position, estimate(position))
                )
            cache.set(f"queue-notice:{session_id}", (position, now), timeout=REMEMBER_S)
    return len(due)
