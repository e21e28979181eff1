"""Writes of the routing app. ``config``: groups, operators, channels; ``presence``:
operators' sockets; ``sessions``: assignment, taking, transfers, priority, the handoff
from a bot. Import from here."""

from routing.services.assignment import group_dispatch, groups_dispatch, session_route
from routing.services.config import (
    capacity_freed,
    channel_create,
    channel_delete,
    channel_update,
    group_create,
    group_delete,
    group_hours_validate,
    group_update,
    operator_create,
    operator_status_set,
    operator_update,
)
from routing.services.presence import (
    operator_heartbeat,
    operator_socket_close,
    operator_socket_open,
)
from routing.services.sessions import (
    operator_active_count,
    operator_limit,
    queue_announce,
    session_assign,
    session_handoff,
    session_prioritize,
    session_take,
    session_transfer,
)

__all__ = [
    "capacity_freed",
    "channel_create",
    "channel_delete",
    "channel_update",
    "group_create",
    "group_delete",
    "group_dispatch",
    "group_hours_validate",
    "group_update",
    "groups_dispatch",
    "operator_active_count",
    "operator_create",
    "operator_heartbeat",
    "operator_limit",
    "operator_socket_close",
    "operator_socket_open",
    "operator_status_set",
    "operator_update",
    "queue_announce",
    "session_assign",
    "session_handoff",
    "session_prioritize",
    "session_route",
    "session_take",
    "session_transfer",
]
