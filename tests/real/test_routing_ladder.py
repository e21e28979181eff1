"""Rule 7 of the contract under true concurrency: a session never waits in the queue
while a member of its group is available with a free seat, even when most of the queue
has just left the only operators who could take it (no-answer and lost-connection
re-queues), and several OS processes dispatch, re-queue and close at once on
PostgreSQL.

Two operators and a queue in which every session was last held by one of them (its
``previous_operator``). Four processes each run a random mix for a few seconds:
``group_dispatch``, ``session_requeue`` of an active session (as the no-answer timer
does; it dispatches at once), and ``session_close``. Afterwards one more dispatch runs,
as the periodic sweep does every second, and the test checks that nobody is over their
limit and that sessions are left waiting only when both operators are full (before the
ladder, a session was never offered again to the operator it had left: with these two
operators, the queue would wait beside free seats).
"""

from __future__ import annotations

import collections
import json
import sys

import pytest
from django.utils import timezone

from crm.models import Contact
from inbox.models import Dialog, Session, SessionStatus
from routing.models import Operator
from routing.services import assignment
from tests import factories
from tests.real.support import Process, real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

PROCESSES = 4
SECONDS = 4.0
SESSIONS = 120
LIMITS = {"Anna": 3, "Boris": 2}
# per process: four of them close at most half the queue, so sessions are still waiting
# at the end (the case under test) on a fast machine too
MAX_CLOSES = SESSIONS // (2 * PROCESSES)

SCRIPT = r"""
import json, os, random, sys, time

import django

django.setup()

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from routing.services import assignment, timers

realtime.send_now = lambda group, frame: None
realtime.send_batch_now = lambda sends: None
events.subscribe(
    events.SessionAssigned,
    lambda e: print(f"assigned {e.session_id} {e.operator_id}", flush=True),
)
seed, seconds, go_file = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
group_id = int(sys.argv[4])
# closes are bounded so that the queue never runs dry, however fast the machine
max_closes = int(sys.argv[5])
rng = random.Random(seed)
print("ready", flush=True)
while not os.path.exists(go_file):
    time.sleep(0.005)
counts = dict(dispatched=0, requeued=0, closed=0, refused=0)
start = time.monotonic()
while time.monotonic() < start + seconds:
    roll = rng.random()
    active = list(
        Session.objects.filter(status=SessionStatus.ACTIVE)
        .order_by("?")
        .values_list("pk", flat=True)[:1]
    )
    if roll < 0.3 or not active:
        counts["dispatched"] += assignment.group_dispatch(group_id=group_id)
    elif roll < 0.8 or counts["closed"] >= max_closes:
        if timers.session_requeue(session_id=active[0], why="no_answer"):
            counts["requeued"] += 1
    else:
        try:
            inbox_services.session_close(session_id=active[0])
            print(f"closed {active[0]}", flush=True)
            counts["closed"] += 1
        except StateConflict:
            counts["refused"] += 1
print("done " + json.dumps(counts), flush=True)
"""


def _prepare() -> tuple[int, dict[int, int]]:
    """One group, Anna (limit 3) and Boris (limit 2) online, and a queue whose every
    session was last held by one of them. Returns the group id and each operator's limit."""
    group = factories.GroupFactory(name="Ladder", default_max_sessions=1)
    channel = factories.ChannelFactory(default_group=group)
    operators = []
    for name, limit in LIMITS.items():
        operator = factories.OperatorFactory(
            display_name=name, status="online", open_sockets=1, max_sessions=limit
        )
        factories.MembershipFactory(group=group, operator=operator)
        operators.append(operator)
    contacts = Contact.objects.bulk_create(Contact(name=f"Customer {i}") for i in range(SESSIONS))
    dialogs = Dialog.objects.bulk_create(Dialog(channel=channel, contact=c) for c in contacts)
    now = timezone.now()
    Session.objects.bulk_create(
        Session(
            dialog=d,
            group=group,
            status=SessionStatus.QUEUED,
            queued_at=now,
            previous_operator=operators[i % 2],
        )
        for i, d in enumerate(dialogs)
    )
    return group.pk, {op.pk: op.max_sessions for op in operators}


def test_no_chat_waits_while_a_seat_is_free_when_processes_race(product_env, tmp_path) -> None:
    group_id, limits = _prepare()
    env = {**product_env, "REDIS_URL": "memory://"}
    go = tmp_path / "go"
    racers = [
        Process(
            [
                sys.executable,
                "-c",
                SCRIPT,
                str(seed),
                str(SECONDS),
                str(go),
                str(group_id),
                str(MAX_CLOSES),
            ],
            env=env,
        )
        for seed in range(PROCESSES)
    ]
    try:
        for racer in racers:
            racer.wait_for(r"^ready$", timeout=60)
        go.touch()
        summaries = [
            json.loads(racer.wait_for(r"^done (.*)$", timeout=3 * SECONDS + 30).group(1))
            for racer in racers
        ]
    finally:
        for racer in racers:
            racer.stop()
    for racer in racers:
        assert not racer.matching(r"Traceback|ERROR|failed on"), racer.output()

    # the race happened: sessions were dispatched, re-queued and closed meanwhile
    total: collections.Counter[str] = collections.Counter()
    for summary in summaries:
        total.update(summary)
    assert total["dispatched"] > 0 and total["requeued"] > 0 and total["closed"] > 0, total

    # the periodic sweep's dispatch, once the racers are done
    assignment.group_dispatch(group_id=group_id)

    # nobody over their limit, and no free seat while a session waits
    active = collections.Counter(
        Session.objects.filter(status=SessionStatus.ACTIVE).values_list("operator_id", flat=True)
    )
    assert {op: n for op, n in active.items() if n > limits[op]} == {}
    waiting = Session.objects.filter(status=SessionStatus.QUEUED).count()
    assert waiting > 0  # enough sessions for both to be full at the end
    assert {op: active[op] for op in limits} == limits, (waiting, active)
    # every waiting session was last held by one of the two, the case the ladder is for
    assert not Session.objects.filter(
        status=SessionStatus.QUEUED, previous_operator__isnull=True
    ).exists()
    assert Operator.objects.count() == 2
