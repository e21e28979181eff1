"""The queue as people see it: its size for operators, and for each waiting customer
their place in line and the expected wait.

Expected wait for the customer at position ``p`` (1 = next) in group ``g``::

    seats_rate = free-or-soon seats: online members' limits / average handle time
    drain      = sessions taken from g's queue in the last 15 minutes / 900 s
    rate       = drain if drain > 0 else seats_rate
    wait       = p / rate                         (seconds)
    wait      += time until g opens               (when g is closed now)

The average handle time is measured over the group's sessions closed in the last day
(300 s without data). With nobody online and no recent drain, the wait is an upper
estimate from the handle time alone: ``p * handle``. Positions and waits are pushed to
the waiting customers whenever the queue changes, at most once a second per group (the
last change is always pushed).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q
from django.utils import timezone

from contactcenter import jobs, realtime
from inbox import payloads
from inbox.models import Session, SessionStatus
from routing.hours import group_is_open, group_next_open_at
from routing.models import Group, Operator, OperatorStatus
from routing.services.queue_notices import queue_notices_send

DRAIN_WINDOW = dt.timedelta(minutes=15)
HANDLE_WINDOW = dt.timedelta(days=1)
DEFAULT_HANDLE_S = 300.0
PUSH_EVERY_S = 1


def queue_announce(*, group_id: int) -> None:
    """After commit: the group's operators learn the queue's size and oldest wait, and
    every waiting customer their position and expected wait."""
    transaction.on_commit(lambda: _announce_now(group_id))


def _announce_now(group_id: int) -> None:
    waiting = Session.objects.filter(group_id=group_id, status=SessionStatus.QUEUED).aggregate(
        size=Count("pk"), oldest=Min("queued_at")
    )
    frame = {
        "type": "queue.updated",
        "group": group_id,
        "size": waiting["size"],
        "oldest_queued_at": payloads.iso(waiting["oldest"]),
    }
    realtime.send_batch_now(
        [([realtime.queue_group(group_id), realtime.supervisor_group(group_id)], frame)]
    )
    queue_positions_push_soon(group_id=group_id)


def queue_positions_push_soon(*, group_id: int) -> None:
    """Has positions pushed now, or once the second is over when it was just done: by a
    worker's task either way, so that the dispatcher that assigns (and its commit) never
    waits for frames to every waiting customer of a long queue."""
    if cache.add(f"queue-push:{group_id}", 1, timeout=PUSH_EVERY_S):
        jobs.enqueue("routing.queue_positions_push", group_id)
    elif cache.add(f"queue-push-later:{group_id}", 1, timeout=PUSH_EVERY_S):
        jobs.enqueue("routing.queue_positions_push", group_id, countdown=PUSH_EVERY_S)


def queue_positions_push(*, group_id: int) -> int:
    """Sends every waiting customer of the group their position and expected wait."""
    group = Group.objects.prefetch_related("working_hours", "holidays").filter(pk=group_id).first()
    if group is None:
        return 0
    waiting = list(
        Session.objects.filter(group_id=group_id, status=SessionStatus.QUEUED)
        .order_by("-priority", "queued_at", "pk")
        .values_list("pk", "dialog_id", "dialog__channel__type")
    )
    if not waiting:
        return 0
    estimate = wait_estimator(group=group)
    realtime.send_batch_now(
        [
            (
                [realtime.dialog_group(dialog_id)],
                {"type": "queue", "position": position, "estimated_wait_s": estimate(position)},
            )
            for position, (_, dialog_id, _) in enumerate(waiting, start=1)
        ]
    )
    queue_notices_send(waiting=waiting, estimate=estimate)
    return len(waiting)


def queue_position(*, session: Session) -> dict[str, Any] | None:
    """The ``queue`` frame for one waiting session (a widget that just connected)."""
    if session.status != SessionStatus.QUEUED or session.group_id is None:
        return None
    ahead = Session.objects.filter(
        Q(priority__gt=session.priority)
        | Q(priority=session.priority, queued_at__lt=session.queued_at)
        | Q(priority=session.priority, queued_at=session.queued_at, pk__lt=session.pk),
        group_id=session.group_id,
        status=SessionStatus.QUEUED,
    ).count()
    group = Group.objects.prefetch_related("working_hours", "holidays").get(pk=session.group_id)
    position = ahead + 1
    return {
        "type": "queue",
        "position": position,
        "estimated_wait_s": wait_estimator(group=group)(position),
    }


def wait_estimator(*, group: Group) -> Any:
    """A function from position to expected wait in seconds (see the module doc)."""
    now = timezone.now()
    drained = Session.objects.filter(
        group=group, assigned_at__gte=now - DRAIN_WINDOW, queued_at__isnull=False
    ).count()
    handle = _handle_time_s(group, now)
    limits = Operator.objects.filter(
        memberships__group=group, status=OperatorStatus.ONLINE
    ).values_list("max_sessions", flat=True)
    seats = sum(group.default_max_sessions if limit is None else limit for limit in limits)
    if drained:
        rate = drained / DRAIN_WINDOW.total_seconds()
    elif seats:
        rate = seats / handle
    else:
        rate = 1 / handle
    closed_for = 0.0
    if not group_is_open(group=group, at=now):
        opens = group_next_open_at(group=group, after=now)
        closed_for = (opens - now).total_seconds() if opens else 0.0

    def estimate(position: int) -> int:
        return math.ceil(closed_for + position / rate)

    return estimate


def _handle_time_s(group: Group, now: dt.datetime) -> float:
    duration = ExpressionWrapper(F("closed_at") - F("assigned_at"), output_field=DurationField())
    average = (
        Session.objects.filter(
            group=group,
            closed_at__gte=now - HANDLE_WINDOW,
            assigned_at__isnull=False,
        )
        .annotate(d=duration)
        .aggregate(a=Avg("d"))["a"]
    )
    if not average:
        return DEFAULT_HANDLE_S
    return max(10.0, average.total_seconds())
