"""A contact's typed score for the rating request: a reply of just 1-5 rates the
closed session that asked, on any channel with a connector (messengers, e-mail)."""

from __future__ import annotations

import re

from inbox import services
from inbox.connectors.base import Inbound
from inbox.models import Channel, Message

RATING_REPLY = re.compile(r"\s*([1-5])\s*")


def inbound_rating_reply(*, channel: Channel, inbound: Inbound) -> bool:
    """A reply of 1-5 right after the rating request, before any score and with no
    conversation open, is the score (a contact who types instead of pressing a button).
    True when it rated."""
    score = RATING_REPLY.fullmatch(inbound.text or "")
    if score is None or inbound.file is not None:
        return False
    dialog_id = services.channel_dialog_resolve(
        channel=channel, external_id=inbound.external_id, name=inbound.name
    )
    last = Message.objects.filter(dialog_id=dialog_id).order_by("-id").first()
    if last is None or not any("rating" in b for b in (last.buttons or [])):
        return False  # not asked: the digit is a message
    if last.session is None or last.session.is_open or last.session.rating:
        return False  # already answered: the digit is a message
    services.session_rate(dialog_id=dialog_id, score=int(score[1]))
    return True
