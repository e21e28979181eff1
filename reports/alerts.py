"""SLA alerts: supervisors hear ``sla.warning`` when an unanswered session has waited
80 % of its group's first-response target and ``sla.breached`` when it reached it, each
exactly once per session and level.

``sla_alerts_scan`` runs every two seconds (the periodic task ``reports.sla_alerts_scan``).
It reads the open, unanswered sessions through a partial index of them
(``session_unanswered_idx``), records each alert due as an ``SlaAlert`` row (unique per
session and level, so a second worker or a restart sends nothing twice) and pushes the
frame to the group's supervisors (``realtime.supervisor_group``: their sockets, and the
read-only sockets of admins watching) after the row is committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from contactcenter import realtime
from inbox.models import SenderType, Session, SessionStatus
from reports.alert_models import SlaAlert, SlaLevel
from routing import sla

logger = logging.getLogger(__name__)

# the levels in the order they are reached
LEVELS = (SlaLevel.WARNING, SlaLevel.BREACHED)


def sla_level(waited_s: float, target_s: int) -> str:
    """``ok``, ``warning`` (from 80 % of the target) or ``breached`` (from 100 %): the
    one definition, ``routing.sla``."""
    return sla.sla_level(waited_s, target_s)


def levels_reached(waited_s: float, target_s: int) -> list[str]:
    """Every level a wait has reached, in order: a scan that comes late (the worker was
    down) still sends the warning before the breach."""
    level = sla_level(waited_s, target_s)
    if level == "ok":
        return []
    return list(LEVELS[: LEVELS.index(SlaLevel(level)) + 1])


def unanswered_sessions() -> QuerySet[Session]:
    """Open sessions with a group that no operator has answered yet (the partial index
    ``session_unanswered_idx`` holds exactly these), less those already breached."""
    return (
        Session.objects.filter(
            status__in=(SessionStatus.QUEUED, SessionStatus.ACTIVE),
            first_response_at__isnull=True,
            group__isnull=False,
        )
        .exclude(sla_alerts__level=SlaLevel.BREACHED)
        .only("pk", "group_id", "created_at", "queued_at", "status")
        .annotate(
            first_contact_at=Min(
                "messages__created_at", filter=Q(messages__sender_type=SenderType.CONTACT)
            )
        )
    )


def waiting_since(session: Session) -> dt.datetime:
    """Since when the customer waits for a first answer (``routing.sla``'s clock: the
    first customer message, not before a bot's handoff), from the scan's annotation."""
    return sla.waiting_since_of(
        created_at=session.created_at,
        queued_at=session.queued_at,
        first_contact_at=getattr(session, "first_contact_at", None),
    )


def sla_alerts_scan(*, now: dt.datetime | None = None) -> int:
    """Records and sends every alert now due; returns how many were sent."""
    now = now or timezone.now()
    sessions = list(unanswered_sessions().select_related("group"))
    if not sessions:
        return 0
    sent = set(
        SlaAlert.objects.filter(session__in=[s.pk for s in sessions]).values_list(
            "session_id", "level"
        )
    )
    count = 0
    for session in sessions:
        target = sla.sla_target_s(session.group)
        waited = max(0.0, (now - waiting_since(session)).total_seconds())
        for level in levels_reached(waited, target):
            if (session.pk, level) not in sent:
                count += sla_alert_send(
                    session=session, level=level, waited_s=waited, target_s=target
                )
    return count


def sla_alert_send(*, session: Session, level: str, waited_s: float, target_s: int) -> int:
    """Records one alert and pushes it after commit; 0 when it was already recorded
    (another scan got there first)."""
    try:
        with transaction.atomic():
            SlaAlert.objects.create(
                session=session,
                group_id=session.group_id,
                level=level,
                waiting_s=int(waited_s),
                target_s=target_s,
            )
            realtime.broadcast(
                realtime.supervisor_group(session.group_id),  # type: ignore[arg-type]
                sla_frame(session=session, level=level, waited_s=waited_s, target_s=target_s),
            )
    except IntegrityError:
        return 0
    return 1


def sla_frame(*, session: Session, level: str, waited_s: float, target_s: int) -> dict[str, Any]:
    """The frame of the contract (``type, session, group, waiting_s``) and, for the
    pages, the target and the names to show."""
    group = session.group
    return {
        "type": f"sla.{level}",
        "session": session.pk,
        "group": session.group_id,
        "waiting_s": int(waited_s),
        "target_s": target_s,
        "group_name": group.name if group is not None else "",
        "contact_name": _contact_name(session),
    }


def _contact_name(session: Session) -> str:
    found = Session.objects.select_related("dialog__contact").filter(pk=session.pk).first()
    return str(found.dialog.contact) if found is not None else ""
