"""What a stored message announces: ``MessageReceived``, and who on staff is sent a
session's frames (its operator, its group's supervisors and, while it waits in the
queue, the operators watching that queue). One definition for the per-message writes
and the batched ones."""

from __future__ import annotations

from typing import Any

from contactcenter import events, realtime
from inbox.models import Message, Session, SessionStatus


def staff_groups(operator_id: int | None, group_id: int | None, status: str) -> list[str]:
    """The channel-layer groups that watch a session in this state."""
    groups = []
    if operator_id:
        groups.append(realtime.operator_group(operator_id))
    if group_id:
        groups.append(realtime.supervisor_group(group_id))
        if status == SessionStatus.QUEUED:
            groups.append(realtime.queue_group(group_id))
    return groups


def push_to_staff(
    session: Session, frame: dict[str, Any], *, extra: list[str] | None = None
) -> None:
    """Sends ``frame`` to the staff watching ``session`` (and ``extra`` groups) after
    the current transaction commits."""
    groups = list(extra or []) + staff_groups(session.operator_id, session.group_id, session.status)
    realtime.broadcast_many(groups, frame)


def push_to_staff_many(pushes: list[tuple[Session, dict[str, Any]]]) -> None:
    """``push_to_staff`` for each ``(session, frame)``, in order, after the current
    transaction commits, in one call to the channel layer (a worker's batch)."""
    realtime.broadcast_batch(
        [
            (staff_groups(session.operator_id, session.group_id, session.status), frame)
            for session, frame in pushes
        ]
    )


def message_received_emit(message: Message) -> None:
    """``MessageReceived`` for a new message, delivered after commit."""
    events.emit(
        events.MessageReceived(
            message_id=message.pk,
            session_id=message.session_id,
            dialog_id=message.dialog_id,
            sender_type=message.sender_type,
            status=message.status,
        )
    )
