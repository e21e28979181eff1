"""Who holds a session: assignment to an operator, taking from a queue, transfers.

Capacity holds under concurrency because every assignment locks the operator's row
(``select_for_update``) and counts their active sessions inside that lock: two
assignments to one operator run one after the other, whatever process they run in.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from inbox import payloads
from inbox import selectors as inbox_selectors
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from routing import selectors
from routing.hours import group_is_open
from routing.models import Group, GroupMembership, Operator, RoutingStrategy
from routing.services import rules
from routing.services.queue import queue_announce


def operator_limit(*, operator: Operator) -> int:
    """The operator's own limit, else the largest default of their groups (3 without)."""
    if operator.max_sessions is not None:
        return operator.max_sessions
    limits = list(operator.member_of.values_list("default_max_sessions", flat=True))
    return max(limits) if limits else 3


def operator_active_count(*, operator_id: int) -> int:
    return Session.objects.filter(operator_id=operator_id, status=SessionStatus.ACTIVE).count()


def _lock_session(session_id: int) -> Session:
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("dialog__contact", "dialog__channel", "group", "topic")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise StateConflict(_("This chat no longer exists."))
    return session


def session_assign(*, session: Session, operator: Operator) -> Session:
    """Gives a locked, open session to an operator whose row the caller has locked, or
    raises ``StateConflict`` when it would take them over their limit."""
    if operator_active_count(operator_id=operator.pk) >= operator_limit(operator=operator):
        raise StateConflict(
            _("%(name)s already has %(n)d chats, the limit. Close one first.")
            % {"name": operator.name, "n": operator_limit(operator=operator)}
        )
    now = timezone.now()
    was_queued = session.status == SessionStatus.QUEUED
    inbox_services.sessions_assign_batch(assignments={session.pk: operator.pk}, at=now)
    session.status, session.operator, session.assigned_at = SessionStatus.ACTIVE, operator, now
    Operator.objects.filter(pk=operator.pk).update(last_assigned_at=now)
    group_ids = {session.group_id} if session.group_id else set()
    sessions_assigned(assigned={session.pk: operator}, group_ids=group_ids, announce=was_queued)
    return session


def sessions_assigned(
    *, assigned: dict[int, Operator], group_ids: set[int], announce: bool
) -> None:
    """What follows assignments (session id: operator) written in the current
    transaction, after it commits: the customers learn their operator's name, the
    operators and the groups' supervisors get the sessions as committed, all in one round
    trip (read and built then, not while the rows are locked); the queues are announced
    once each (unless the caller does it, ``announce=False``); one event per session."""
    transaction.on_commit(lambda: _assigned_send(assigned))
    if announce:
        for group_id in sorted(group_ids):
            queue_announce(group_id=group_id)
    for session_id, operator in assigned.items():
        events.emit(events.SessionAssigned(session_id=session_id, operator_id=operator.pk))


def _assigned_frames(assigned: dict[int, Operator]) -> dict[int, dict[str, Any]]:
    """The sessions as committed (``payloads.session``), read as rows: a burst of
    assignments builds hundreds a second. One that another operator holds by now is
    built the usual way (its operator is not among those given)."""
    names = {operator.pk: operator.name for operator in assigned.values()}
    frames = inbox_selectors.session_payloads(list(assigned), names)
    moved = [pk for pk, frame in frames.items() if frame["operator"] != assigned[pk].pk]
    if moved:
        for session in Session.objects.select_related(
            "dialog__contact", "dialog__channel", "group", "topic", "operator__user"
        ).filter(pk__in=moved):
            frames[session.pk] = payloads.session(session)
    return frames


def _assigned_send(assigned: dict[int, Operator]) -> None:
    frames = _assigned_frames(assigned)
    sends: list[tuple[list[str], dict[str, Any]]] = []
    for session_id, operator in assigned.items():
        frame = frames.get(session_id)
        if frame is None:
            continue
        sends.append(
            (
                [realtime.dialog_group(frame["dialog"])],
                {"type": "assigned", "operator": {"name": operator.name}},
            )
        )
        sends.append(
            (
                [realtime.operator_group(operator.pk)],
                {"type": "session.assigned", "session": frame},
            )
        )
        if frame["group"]:
            sends.append(
                (
                    [
                        realtime.queue_group(frame["group"]),
                        realtime.supervisor_group(frame["group"]),
                    ],
                    {"type": "session.updated", "session": frame},
                )
            )
    realtime.send_batch_now(sends)


@transaction.atomic
def session_take(*, session_id: int, user: Any) -> Session:
    """An operator takes a queued session of one of their groups."""
    operator = (
        Operator.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user=user)
        .first()
    )
    if operator is None:
        raise StateConflict(_("Only operators take chats."))
    session = _lock_session(session_id)
    if session.status != SessionStatus.QUEUED:
        raise StateConflict(_("Someone already took this chat, or it has ended."))
    group_id = session.group_id
    if group_id is None or not operator.memberships.filter(group_id=group_id).exists():
        raise StateConflict(_("This chat waits in a group you are not a member of."))
    return session_assign(session=session, operator=operator)


@transaction.atomic
def session_transfer(
    *,
    session_id: int,
    user: Any,
    group: Group | None = None,
    operator: Operator | None = None,
    note: str = "",
) -> tuple[Session, Session]:
    """Closes the session as ``transferred`` and opens a new one in the same dialog for
    the target group (queued) or operator (assigned at once, within their limit). The
    note is an internal message only operators see. Returns (closed, opened)."""
    if (group is None) == (operator is None):
        raise StateConflict(_("Transfer to either a group or an operator."))
    if operator is not None:
        operator = (
            Operator.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=operator.pk)
        )
    session = _lock_session(session_id)
    if session.status == SessionStatus.CLOSED:
        raise StateConflict(_("This chat has already ended."))
    if operator is not None and session.operator_id == operator.pk:
        raise StateConflict(_("The chat is already with this operator."))
    if group is not None:
        _refuse_bounce(session=session, group=group)
    target_group = group or _group_for(operator=operator, preferred=session.group)
    closed, opened = inbox_services.session_transfer(
        session=session,
        group_id=target_group.pk if target_group is not None else None,
        # routing offers it to the others first (see ``_refuse_bounce``)
        previous_operator_id=session.operator_id if group is not None else None,
    )
    who = getattr(getattr(user, "operator", None), "name", None) or user.get_username()
    text = _("Transferred by %(who)s.") % {"who": who}
    if note:
        text = f"{text} {note}"
    inbox_services.system_message_send(session=opened, text=text[:2000], internal=True)
    if operator is not None:
        session_assign(session=opened, operator=operator)
    elif group is not None:
        events.emit(events.SessionQueued(session_id=opened.pk, group_id=group.pk))
        queue_announce(group_id=group.pk)
    if session.operator_id:
        events.emit(events.CapacityFreed(group_ids=tuple(_group_ids_of(session.operator_id))))
    return closed, opened


@transaction.atomic
def session_prioritize(*, session_id: int, priority: int) -> Session:
    """Sets an open session's priority (higher is served first); a waiting one takes its
    new place in the queue at once. ``StateConflict`` when the session is closed."""
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise StateConflict(_("A priority is a whole number."))
    session = Session.objects.select_for_update(of=("self",)).filter(pk=session_id).first()
    if session is None:
        raise StateConflict(_("This chat no longer exists."))
    if session.status == SessionStatus.CLOSED:
        raise StateConflict(_("The session is already closed."))
    inbox_services.session_priority_set(session=session, priority=priority)
    if session.status == SessionStatus.QUEUED and session.group_id:
        queue_announce(group_id=session.group_id)
    return session


@transaction.atomic
def session_handoff(
    *, session_id: int, group: Group | int | None = None, priority: int | None = None
) -> Session:
    """A handler (a bot) gives its ``bot`` session to people: it is queued for ``group``
    (default: the topic's group, else the channel's default group), at ``priority``
    (default: its own), and routing's rules then apply as to a new session (a group or
    a priority given here stays). After commit routing assigns it or it waits, like
    any queued session: strategies, limits, working hours and the ladder apply.
    ``StateConflict`` when the session is not with a handler, or the group is unknown."""
    if priority is not None and (not isinstance(priority, int) or isinstance(priority, bool)):
        raise StateConflict(_("A priority is a whole number."))
    target = _handoff_group(group)
    session = _lock_session(session_id)
    if session.status != SessionStatus.BOT:
        raise StateConflict(_("Only a chat that a bot is handling can be handed off."))
    if target is None:
        target_id = (
            session.topic.group_id
            if session.topic is not None
            else session.dialog.channel.default_group_id
        )
    else:
        target_id = target.pk
    inbox_services.session_enqueue(
        session=session,
        group_id=target_id,
        priority=session.priority if priority is None else priority,
        at=timezone.now(),
    )
    keep_group = target is not None or session.topic_id is not None
    rules.session_rules_apply_to(
        session=session, keep_group=keep_group, keep_priority=priority is not None
    )
    events.emit(
        events.SessionHandedOff(
            session_id=session.pk, dialog_id=session.dialog_id, group_id=session.group_id
        )
    )
    if session.group_id:
        events.emit(events.SessionQueued(session_id=session.pk, group_id=session.group_id))
        queue_announce(group_id=session.group_id)
    return session


def _handoff_group(group: Group | int | None) -> Group | None:
    if group is None or isinstance(group, Group):
        return group
    found = None
    if isinstance(group, int) and not isinstance(group, bool):
        found = Group.objects.filter(pk=group).first()
    if found is None:
        raise StateConflict(_("There is no group %(g)s.") % {"g": group})
    return found


def _refuse_bounce(*, session: Session, group: Group) -> None:
    """A transfer to a group that would hand the chat straight back to the operator who
    transfers it (they are its only available member) is refused, rather than closing the
    session as transferred for nothing."""
    holder = session.operator_id
    if holder is None or group.routing_strategy == RoutingStrategy.MANUAL:
        return
    if not GroupMembership.objects.filter(group=group, operator_id=holder).exists():
        return
    if not group_is_open(group=group, at=timezone.now()):
        return
    if selectors.group_has_available_operator(group=group, exclude_operator_id=holder):
        return
    raise StateConflict(
        _(
            "Nobody else in %(group)s is available now, so the chat would come straight "
            "back to you. Keep it, or transfer it to another group or operator."
        )
        % {"group": group.name}
    )


def _group_for(*, operator: Operator | None, preferred: Group | None) -> Group | None:
    if operator is None:
        return preferred
    groups = operator.member_of.all()
    if preferred is not None and groups.filter(pk=preferred.pk).exists():
        return preferred
    return groups.first() or preferred


def _group_ids_of(operator_id: int) -> list[int]:
    return list(
        Group.objects.filter(memberships__operator_id=operator_id).values_list("pk", flat=True)
    )
