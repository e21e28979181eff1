"""The write of a transfer: the session closes as ``transferred`` and a new one opens
in the same dialog, with the labels carried over. ``routing.services.session_transfer``
decides (target, limits, bounces) and calls this."""

from __future__ import annotations

from django.utils import timezone

from inbox.models import CloseReason, Session
from inbox.services.conversations import session_close
from inbox.services.labels import session_labels_carry
from inbox.services.sessions import session_continue


def session_transfer(
    *, session: Session, group_id: int | None, previous_operator_id: int | None
) -> tuple[Session, Session]:
    """Closes ``session`` (locked by the caller, open) as ``transferred`` and opens the
    session that continues it, queued for ``group_id`` from then on. Returns (closed,
    opened)."""
    closed = session_close(session_id=session.pk, reason=CloseReason.TRANSFERRED)
    opened = session_continue(
        previous=session,
        group_id=group_id,
        previous_operator_id=previous_operator_id,
        at=timezone.now(),
    )
    session_labels_carry(from_session_id=session.pk, to_session_id=opened.pk)
    return closed, opened
