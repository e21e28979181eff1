"""The one module that knows the channel-layer group names and sends to them.

Services call ``broadcast`` inside their transaction; the frame leaves only after commit,
so no client ever sees a row that was rolled back. Consumers join the groups named here
and turn ``rt.event`` messages into socket frames (the payload is the frame as is).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The channel-layer message type every consumer handles (method ``rt_event``).
EVENT_TYPE = "rt.event"


def dialog_group(dialog_id: int) -> str:
    """Everyone watching one dialog: the contact's widget sockets."""
    return f"dialog.{dialog_id}"


def operator_group(operator_id: int) -> str:
    """Every open socket of one operator."""
    return f"operator.{operator_id}"


def queue_group(group_id: int) -> str:
    """Operators and supervisors of one routing group (queue and session updates)."""
    return f"group.{group_id}"


def supervisor_group(group_id: int) -> str:
    """Supervisors of one routing group: every session and message of the group."""
    return f"supervise.{group_id}"


def broadcast(group: str, frame: dict[str, Any], *, using: str | None = None) -> None:
    """Send ``frame`` to every socket in ``group`` after the current transaction commits."""
    transaction.on_commit(lambda: send_now(group, frame), using=using)


def broadcast_many(groups: list[str], frame: dict[str, Any], *, using: str | None = None) -> None:
    transaction.on_commit(lambda: _send_each(groups, frame), using=using)


def _send_each(groups: list[str], frame: dict[str, Any]) -> None:
    for group in dict.fromkeys(groups):
        send_now(group, frame)


async def send_async(layer: Any, group: str, frame: dict[str, Any]) -> None:
    """From async code (a consumer) where no transaction is involved, e.g. typing."""
    await layer.group_send(group, {"type": EVENT_TYPE, "frame": frame})


def send_now(group: str, frame: dict[str, Any]) -> None:
    """Send at once. A broken layer is logged, never raised into the write that caused
    the frame: the database is the record and clients catch up with ``sync``."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "frame": frame})
    except Exception:
        logger.exception("broadcast to %s failed", group)
