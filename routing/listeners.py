"""Domain-event listeners of the routing app: a session entering a queue, freed
capacity and operators leaving start an assignment right after the commit that caused
them (within the same request), so nothing waits for the periodic sweep."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from contactcenter import events
from inbox import selectors as inbox_selectors
from inbox.models import Channel, Session, SessionStatus
from routing import hours, selectors
from routing.models import Group, GroupMembership, OperatorStatus
from routing.services import assignment, queue, rules, timers


def on_session_opened(event: events.SessionOpened) -> None:
    if event.handler is not None:
        return  # a handler (a bot) has it; routing takes it on ``session_handoff``
    rules.session_rules_apply(session_id=event.session_id)
    assignment.session_route(session_id=event.session_id)


def on_session_queued(event: events.SessionQueued) -> None:
    assignment.session_route(session_id=event.session_id)


def on_session_rerouted(event: events.SessionRerouted) -> None:
    assignment.session_route(session_id=event.session_id)


def _dispatch_after(group_ids: list[int] | tuple[int, ...]) -> None:
    """Dispatches once the listener's own atomic block (``events.deliver_to``) is over:
    each batch is then a transaction of its own and commits at once, rather than at the
    end of the listener after every group's batches (a freed seat would wait for the
    dispatch of the operator's other groups, under the batch's locks)."""
    transaction.on_commit(lambda: assignment.groups_dispatch(group_ids=group_ids))


def on_capacity_freed(event: events.CapacityFreed) -> None:
    _dispatch_after(event.group_ids)


def on_session_closed(event: events.SessionClosed) -> None:
    """The operator's seat goes to the head of their groups' queues at once (the event
    says who had the session; read only when it does not)."""
    operator_id, group_id = event.operator_id, event.group_id
    if operator_id is None and group_id is None:
        closed = Session.objects.filter(pk=event.session_id).values("operator_id", "group_id")
        row = closed.first()
        if row is None:
            return
        operator_id, group_id = row["operator_id"], row["group_id"]
    if operator_id:
        group_ids = GroupMembership.objects.filter(operator_id=operator_id).values_list(
            "group_id", flat=True
        )
        _dispatch_after(list(group_ids))
    elif group_id:
        queue.queue_announce(group_id=group_id)


def on_operator_status(event: events.OperatorStatusChanged) -> None:
    if event.status == OperatorStatus.OFFLINE:
        timers.operator_sessions_release(operator_id=event.operator_id)


def register() -> None:
    events.subscribe(events.SessionOpened, on_session_opened)
    events.subscribe(events.SessionQueued, on_session_queued)
    events.subscribe(events.SessionRerouted, on_session_rerouted)
    events.subscribe(events.CapacityFreed, on_capacity_freed)
    events.subscribe(events.SessionClosed, on_session_closed)
    events.subscribe(events.OperatorStatusChanged, on_operator_status)
    inbox_selectors.widget_config_extend(widget_offline)
    inbox_selectors.widget_welcome_extend(widget_queue_position)
    inbox_selectors.widget_welcome_extend(widget_availability_frame)


def widget_offline(channel: Channel, config: dict[str, Any]) -> None:
    """What the widget tells a visitor about the channel's default group, from the rule
    routing assigns by: ``offline`` while the group is closed; ``available`` while a
    member could take a chat now; the group's ``offline_message`` whenever nobody can."""
    group = channel.default_group
    if group is None:
        return
    config.update(widget_availability(group=group))


def widget_availability(*, group: Group) -> dict[str, Any]:
    is_open = hours.group_is_open(group=group, at=timezone.now())
    available = is_open and selectors.group_has_available_operator(group=group)
    return {
        "offline": not is_open,
        "available": available,
        "offline_message": "" if available else group.offline_message,
    }


def widget_availability_frame(session: Session) -> list[dict[str, Any]]:
    """A widget that (re)connects learns at once whether anyone can answer now."""
    if session.group is None or session.status == SessionStatus.ACTIVE:
        return []  # an operator is with them: that is what the widget shows
    return [{"type": "availability", **widget_availability(group=session.group)}]


def widget_queue_position(session: Session) -> list[dict[str, Any]]:
    """A customer who (re)connects while waiting learns their place and expected wait at
    once, not at the queue's next move."""
    frame = queue.queue_position(session=session)
    return [frame] if frame is not None else []
