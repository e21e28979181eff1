"""Operator presence: inbox sockets opening and closing, and heartbeats."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from routing.models import Operator, OperatorStatus
from routing.services.config import capacity_freed, operator_announce


@transaction.atomic
def operator_socket_open(*, operator_id: int) -> Operator:
    """An inbox socket of the operator opened. The first one makes an online operator
    available for routing, which may open seats in their groups."""
    operator = Operator.objects.select_for_update().get(pk=operator_id)
    now = timezone.now()
    operator.open_sockets += 1
    operator.last_seen_at = now
    if operator.connected_at is None:
        operator.connected_at = now
    operator.save(update_fields=["open_sockets", "last_seen_at", "connected_at"])
    if operator.open_sockets == 1:
        operator_announce(operator=operator)
        if operator.status == OperatorStatus.ONLINE:
            capacity_freed(operator=operator)
    return operator


@transaction.atomic
def operator_socket_close(*, operator_id: int) -> Operator:
    """An inbox socket closed; with the last one gone the operator counts as
    disconnected (routing allows a grace period, OPERATOR_PRESENCE_GRACE_S)."""
    operator = Operator.objects.select_for_update().get(pk=operator_id)
    operator.open_sockets = max(0, operator.open_sockets - 1)
    operator.last_seen_at = timezone.now()
    if operator.open_sockets == 0:
        operator.connected_at = None
    operator.save(update_fields=["open_sockets", "last_seen_at", "connected_at"])
    if operator.open_sockets == 0:
        operator_announce(operator=operator)
    return operator


def operator_heartbeat(*, operator_id: int) -> None:
    Operator.objects.filter(pk=operator_id).update(last_seen_at=timezone.now())
