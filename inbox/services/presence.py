"""Widget visitors' presence: how many sockets they have open, and since when none (a
waiting chat whose visitor stays away is abandoned: see routing's timers)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.db.models.functions import Greatest

from inbox.models import WidgetVisitor


def visitor_socket_opened(*, visitor_id: int, at: dt.datetime) -> None:
    WidgetVisitor.objects.filter(pk=visitor_id).update(
        open_sockets=F("open_sockets") + 1, left_at=None, last_seen_at=at
    )


def visitor_socket_closed(*, visitor_id: int, at: dt.datetime) -> None:
    """One socket fewer; with none left the visitor has left since ``at``."""
    WidgetVisitor.objects.filter(pk=visitor_id).update(
        open_sockets=Greatest(F("open_sockets") - 1, 0), last_seen_at=at
    )
    WidgetVisitor.objects.filter(pk=visitor_id, open_sockets=0, left_at__isnull=True).update(
        left_at=at
    )
