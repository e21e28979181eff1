"""The first-response target (the SLA), defined once: reports, the inbox's timers and
the supervisors' alerts all read it from here."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Min, Q

from inbox.models import Message, SenderType, Session
from routing.models import DEFAULT_SLA_TARGET_S, Group

SlaLevel = Literal["ok", "warning", "breached"]

# a waiting session turns ``warning`` at this share of its target, ``breached`` at 100 %
WARNING_SHARE = 0.8


def sla_target_s(group: Group | int | None) -> int:
    """A group's first-response target in seconds (the default, 60, for a session with no
    group). ``group`` may be the target already read from a group's row."""
    target = group.sla_target_s if isinstance(group, Group) else group
    return target if target else DEFAULT_SLA_TARGET_S


def sla_level(waited_s: float, target_s: int) -> SlaLevel:
    """``ok`` below 80 % of the target, ``warning`` from 80 %, ``breached`` from 100 %."""
    if waited_s >= target_s:
        return "breached"
    if waited_s >= WARNING_SHARE * target_s:
        return "warning"
    return "ok"


def waiting_since_of(
    *,
    created_at: dt.datetime,
    queued_at: dt.datetime | None,
    first_contact_at: dt.datetime | None,
    first_reply_at: dt.datetime | None = None,
) -> dt.datetime:
    """The moment the first-response clock starts, from a session's times: its first
    contact message, or its creation when an operator started it (wrote before the
    contact did); for a session a bot began, not before the handoff (``queued_at``: a
    bot session has none before it)."""
    operator_started = first_contact_at is None or (
        first_reply_at is not None and first_reply_at < first_contact_at
    )
    start = created_at if operator_started or first_contact_at is None else first_contact_at
    if queued_at is not None and queued_at > start:
        start = queued_at
    return start


def waiting_since(session: Session) -> dt.datetime:
    """``waiting_since_of`` for one session (one query for its first messages)."""
    firsts = Message.objects.filter(session=session, internal=False).aggregate(
        contact=Min("created_at", filter=Q(sender_type=SenderType.CONTACT)),
        reply=Min("created_at", filter=Q(sender_type=SenderType.OPERATOR)),
    )
    return waiting_since_of(
        created_at=session.created_at,
        queued_at=session.queued_at,
        first_contact_at=firsts["contact"],
        first_reply_at=firsts["reply"],
    )
