"""Automatic routing: strategies, limits, the queue, presence, working hours, timers.

Sessions enter the queue the way customers create them (a first message through the
inbox service); routing reacts to the events after commit, as in production."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter import realtime
from contactcenter.api_common import StateConflict
from inbox import services as inbox_services
from inbox.models import Dialog, Message, Session, SessionStatus
from routing import services
from routing.models import Operator, RoutingStrategy, WorkingHours
from routing.services import timers
from tests import factories

# Real commits: routing reacts to events after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _online(group, name="op", **kwargs):
    operator = factories.OperatorFactory(
        display_name=name, status="online", open_sockets=1, **kwargs
    )
    factories.MembershipFactory(group=group, operator=operator)
    return operator


def _customer_writes(channel, text="Hello"):
    visitor, _ = inbox_services.widget_visitor_create(channel=channel)
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text=text)
    return Session.objects.get(pk=stored.message.session_id)


def _active(operator):
    return Session.objects.filter(operator=operator, status=SessionStatus.ACTIVE).count()


@pytest.fixture
def group():
    return factories.GroupFactory(name="Support", default_max_sessions=2)


@pytest.fixture
def channel(group):
    return factories.ChannelFactory(default_group=group)


def test_a_new_session_goes_to_an_available_operator_at_once(group, channel):
    anna = _online(group, "Anna")

    session = _customer_writes(channel)

    assert (session.status, session.operator) == (SessionStatus.ACTIVE, anna)
    assert session.assigned_at is not None


def test_least_busy_picks_the_fewest_active_then_the_longest_waiting(group, channel):
    anna, boris = _online(group, "Anna"), _online(group, "Boris")
    first = _customer_writes(channel)
    second = _customer_writes(channel)
    third = _customer_writes(channel)

    assert {first.operator, second.operator} == {anna, boris}
    assert third.operator == first.operator  # tie at 1 each: the oldest assignment wins


def test_round_robin_cycles_through_members_in_order(channel, group):
    group.routing_strategy = RoutingStrategy.ROUND_ROBIN
    group.default_max_sessions = 10
    group.save()
    ops = [_online(group, n) for n in ("A", "B", "C")]

    served = [_customer_writes(channel).operator for _ in range(5)]

    assert served == [ops[0], ops[1], ops[2], ops[0], ops[1]]


def test_longest_idle_picks_whoever_waited_longest(channel, group):
    group.routing_strategy = RoutingStrategy.LONGEST_IDLE
    group.default_max_sessions = 10
    group.save()
    now = timezone.now()
    recent = _online(group, "Recent", last_assigned_at=now)
    idle = _online(group, "Idle", last_assigned_at=now - dt.timedelta(hours=1))

    assert _customer_writes(channel).operator == idle
    assert _customer_writes(channel).operator == recent


def test_manual_groups_assign_nothing(channel, group):
    group.routing_strategy = RoutingStrategy.MANUAL
    group.save()
    _online(group)

    assert _customer_writes(channel).status == SessionStatus.QUEUED


def test_nobody_goes_over_the_limit_and_the_rest_queue_by_priority(channel, group):
    anna = _online(group, "Anna", max_sessions=2)
    sessions = [_customer_writes(channel) for _ in range(5)]

    assert _active(anna) == 2
    waiting = Session.objects.filter(status=SessionStatus.QUEUED)
    assert waiting.count() == 3

    vip = sessions[4]
    Session.objects.filter(pk=vip.pk).update(priority=10)
    inbox_services.session_close(session_id=sessions[0].pk)

    vip.refresh_from_db()
    assert (vip.status, vip.operator) == (SessionStatus.ACTIVE, anna)
    assert _active(anna) == 2


def test_freed_capacity_goes_to_the_head_of_the_queue_immediately(channel, group):
    anna = _online(group, "Anna", max_sessions=1)
    first, second, third = (_customer_writes(channel) for _ in range(3))

    inbox_services.session_close(session_id=first.pk)

    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.operator) == (SessionStatus.ACTIVE, anna)
    assert third.status == SessionStatus.QUEUED


def test_away_offline_and_disconnected_operators_get_nothing(channel, group):
    factories.MembershipFactory(
        group=group, operator=factories.OperatorFactory(status="away", open_sockets=1)
    )
    factories.MembershipFactory(
        group=group, operator=factories.OperatorFactory(status="offline", open_sockets=1)
    )
    long_gone = timezone.now() - dt.timedelta(minutes=10)
    factories.MembershipFactory(
        group=group,
        operator=factories.OperatorFactory(status="online", open_sockets=0, last_seen_at=long_gone),
    )

    assert _customer_writes(channel).status == SessionStatus.QUEUED


def test_a_short_disconnect_within_the_grace_period_keeps_the_operator_available(channel, group):
    just_now = timezone.now() - dt.timedelta(seconds=5)
    anna = _online(group, "Anna")
    Operator.objects.filter(pk=anna.pk).update(open_sockets=0, last_seen_at=just_now)

    assert _customer_writes(channel).operator == anna


def test_an_operator_coming_online_takes_the_waiting_sessions_within_the_limit(channel, group):
    waiting = [_customer_writes(channel) for _ in range(3)]
    anna = factories.OperatorFactory(status="online", max_sessions=2)
    factories.MembershipFactory(group=group, operator=anna)

    services.operator_socket_open(operator_id=anna.pk)

    assert _active(anna) == 2
    assert Session.objects.get(pk=waiting[0].pk).operator == anna
    assert Session.objects.get(pk=waiting[2].pk).status == SessionStatus.QUEUED


def test_raising_a_limit_hands_out_more(channel, group):
    anna = _online(group, "Anna", max_sessions=1)
    [_customer_writes(channel) for _ in range(3)]

    services.operator_update(operator=anna, data={"max_sessions": 3})

    assert _active(anna) == 3


def test_outside_working_hours_the_customer_gets_the_offline_message_once(channel, group):
    group.always_open = False
    group.offline_message = "We are closed. Back at 9."
    group.save()
    _online(group)

    session = _customer_writes(channel)
    inbox_services.contact_message_receive(dialog_id=session.dialog_id, text="Hello again?")

    session.refresh_from_db()
    assert session.status == SessionStatus.QUEUED
    notices = Message.objects.filter(session=session, sender_type="system")
    assert [m.text for m in notices] == ["We are closed. Back at 9."]


def test_when_the_group_opens_the_sweep_hands_out_waiting_sessions(channel, group):
    group.always_open = False
    group.save()
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    assert session.status == SessionStatus.QUEUED

    now = timezone.localtime(timezone.now(), timezone=dt.UTC)
    WorkingHours.objects.create(
        group=group, weekday=now.weekday(), start=dt.time(0, 0), end=dt.time(23, 59, 59)
    )
    timers.timers_run()

    session.refresh_from_db()
    assert session.operator == anna


def test_holidays_close_the_group(channel, group):
    group.always_open = False
    group.save()
    now = timezone.now()
    WorkingHours.objects.create(
        group=group, weekday=now.weekday(), start=dt.time(0, 0), end=dt.time(23, 59, 59)
    )
    group.holidays.create(date=now.date(), name="Holiday")
    _online(group)

    assert _customer_writes(channel).status == SessionStatus.QUEUED


def test_an_unanswered_session_moves_to_another_operator_and_supervisors_hear(
    channel, group, sent_frames
):
    group.no_answer_timeout_s = 30
    group.save()
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    assert session.operator == anna
    boris = _online(group, "Boris")

    Session.objects.filter(pk=session.pk).update(
        assigned_at=timezone.now() - dt.timedelta(seconds=31)
    )
    timers.timers_run()

    session.refresh_from_db()
    assert (session.operator, session.previous_operator) == (boris, anna)
    alerts = [
        f
        for g, f in sent_frames
        if g == realtime.supervisor_group(group.pk) and f["type"] == "alert"
    ]
    assert [(a["kind"], a["operator"]) for a in alerts] == [("no_answer", "Anna")]


def test_an_answered_session_stays(channel, group):
    group.no_answer_timeout_s = 30
    group.save()
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    inbox_services.operator_message_send(session_id=session.pk, user=anna.user, text="Hi")
    Session.objects.filter(pk=session.pk).update(
        assigned_at=timezone.now() - dt.timedelta(seconds=60)
    )

    timers.timers_run()

    assert Session.objects.get(pk=session.pk).operator == anna


def test_inactive_sessions_close_as_abandoned_or_timed_out(channel, group):
    group.inactivity_timeout_s = 600
    group.save()
    anna = _online(group, "Anna", max_sessions=1)
    answered = _customer_writes(channel)
    inbox_services.operator_message_send(session_id=answered.pk, user=anna.user, text="Hi")
    waiting = _customer_writes(channel)
    long_ago = timezone.now() - dt.timedelta(seconds=601)
    Session.objects.update(created_at=long_ago)
    Dialog.objects.update(last_message_at=long_ago)

    timers.timers_run()

    assert Session.objects.get(pk=answered.pk).close_reason == "timeout"
    assert Session.objects.get(pk=waiting.pk).close_reason == "abandoned"


@pytest.mark.parametrize(("policy", "requeued"), [("requeue", True), ("keep", False)])
def test_an_operator_going_offline_hands_back_or_keeps_sessions(channel, group, policy, requeued):
    group.on_operator_offline = policy
    group.save()
    anna = _online(group, "Anna")
    session = _customer_writes(channel)

    services.operator_status_set(operator=anna, status="offline")

    session.refresh_from_db()
    assert (session.status == SessionStatus.QUEUED) is requeued


def test_a_lost_connection_past_the_grace_period_requeues(channel, group):
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    Operator.objects.filter(pk=anna.pk).update(
        open_sockets=0, last_seen_at=timezone.now() - dt.timedelta(minutes=5)
    )

    timers.timers_run()

    session.refresh_from_db()
    assert session.status == SessionStatus.QUEUED and session.previous_operator == anna


def test_waiting_customers_hear_their_place_and_expected_wait(channel, group, sent_frames):
    first = _customer_writes(channel)
    second = _customer_writes(channel)
    sent_frames.clear()

    services.queue.queue_positions_push(group_id=group.pk)

    frames = dict(sent_frames)
    assert frames[realtime.dialog_group(first.dialog_id)]["position"] == 1
    frame = frames[realtime.dialog_group(second.dialog_id)]
    assert (frame["type"], frame["position"]) == ("queue", 2)
    assert (
        frame["estimated_wait_s"]
        > frames[realtime.dialog_group(first.dialog_id)]["estimated_wait_s"]
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("write"), st.integers(0, 1)),
            st.tuples(st.just("write"), st.integers(0, 1)),
            st.tuples(st.just("write"), st.integers(0, 1)),
            st.tuples(st.just("close"), st.integers(0, 20)),
            st.tuples(st.just("limit"), st.integers(0, 2), st.integers(0, 3)),
            st.tuples(st.just("status"), st.integers(0, 2), st.sampled_from(["online", "away"])),
            st.tuples(st.just("take"), st.integers(0, 2), st.integers(0, 20)),
        ),
        min_size=4,
        max_size=30,
    )
)
def test_property_no_operator_ever_holds_more_than_their_limit(steps):
    groups = [factories.GroupFactory(default_max_sessions=2) for _ in range(2)]
    channels = [factories.ChannelFactory(default_group=g) for g in groups]
    ops = [factories.OperatorFactory(status="online", open_sockets=1) for _ in range(3)]
    for i, op in enumerate(ops):
        factories.MembershipFactory(group=groups[i % 2], operator=op)
        if i == 2:  # one operator in both groups: their limit counts across groups
            factories.MembershipFactory(group=groups[1], operator=op)

    for step in steps:
        before = {op.pk: _active(op) for op in ops}
        _apply(step, channels, ops)
        for op in Operator.objects.filter(pk__in=[o.pk for o in ops]):
            held = _active(op)
            # never more than the limit; a limit lowered below what the operator holds
            # keeps those sessions but adds none
            assert held <= services.operator_limit(operator=op) or held <= before[op.pk]
    Session.objects.all().delete()


def _apply(step, channels, ops):
    kind = step[0]
    if kind == "write":
        _customer_writes(channels[step[1]])
    elif kind == "close":
        open_ids = list(
            Session.objects.exclude(status="closed").order_by("pk").values_list("pk", flat=True)
        )
        if open_ids:
            inbox_services.session_close(session_id=open_ids[step[1] % len(open_ids)])
    elif kind == "limit":
        services.operator_update(operator=ops[step[1]], data={"max_sessions": step[2]})
    elif kind == "status":
        services.operator_status_set(operator=ops[step[1]], status=step[2])
    elif kind == "take":
        queued = list(Session.objects.filter(status="queued").values_list("pk", flat=True))
        if queued:
            with contextlib.suppress(StateConflict):  # refused: over the limit, not a member
                services.session_take(
                    session_id=queued[step[2] % len(queued)], user=ops[step[1]].user
                )


def test_supervisors_hear_when_an_operator_changes_status_or_connects(group, sent_frames):
    anna = factories.OperatorFactory(display_name="Anna", status="offline")
    factories.MembershipFactory(group=group, operator=anna)

    services.operator_socket_open(operator_id=anna.pk)
    services.operator_status_set(operator=anna, status="online")
    services.operator_socket_close(operator_id=anna.pk)

    updates = [
        f["operator"]
        for g, f in sent_frames
        if g == realtime.supervisor_group(group.pk) and f["type"] == "operator.updated"
    ]
    assert updates == [
        {"id": anna.pk, "status": "offline", "connected": True},
        {"id": anna.pk, "status": "online", "connected": True},
        {"id": anna.pk, "status": "online", "connected": False},
    ]


# --- the escalation ladder (contract rule 7) ----------------------------------------------


def _alerts(sent_frames, group):
    return [
        (f["kind"], f["operator"])
        for g, f in sent_frames
        if g == realtime.supervisor_group(group.pk) and f["type"] == "alert"
    ]


def test_with_one_operator_on_shift_an_unanswered_chat_stays_with_them(channel, group, sent_frames):
    # given one operator on shift and a no-answer timeout
    group.no_answer_timeout_s = 30
    group.save()
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    assert session.operator == anna
    Session.objects.filter(pk=session.pk).update(
        assigned_at=timezone.now() - dt.timedelta(seconds=31)
    )

    sent_frames.clear()

    # when the timeout passes with nobody else available
    timers.timers_run()

    # then the chat stays hers, never waiting, with a fresh timeout; the supervisors
    # hear it, and the customer sees nothing happen (no queue notice, no new "joined")
    session.refresh_from_db()
    assert (session.status, session.operator) == (SessionStatus.ACTIVE, anna)
    assert session.assigned_at > timezone.now() - dt.timedelta(seconds=5)
    assert session.previous_operator is None
    assert _alerts(sent_frames, group) == [("kept", "Anna")]
    assert [
        f["type"] for g, f in sent_frames if g == realtime.dialog_group(session.dialog_id)
    ] == []

    # and when a colleague comes online before the next timeout, the ladder's first step
    # applies: the next round gives it to him
    boris = _online(group, "Boris")
    Session.objects.filter(pk=session.pk).update(
        assigned_at=timezone.now() - dt.timedelta(seconds=31)
    )
    timers.timers_run()
    assert Session.objects.get(pk=session.pk).operator == boris


def test_a_chat_left_by_an_operator_who_is_back_goes_to_them_when_nobody_else_is_there(
    channel, group, sent_frames
):
    # given a chat re-queued because its operator lost the connection
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    Operator.objects.filter(pk=anna.pk).update(
        open_sockets=0, last_seen_at=timezone.now() - dt.timedelta(minutes=5)
    )
    timers.timers_run()
    assert Session.objects.get(pk=session.pk).status == SessionStatus.QUEUED

    # when she opens the inbox again
    services.operator_socket_open(operator_id=anna.pk)

    # then the chat comes back to her instead of waiting for someone else for good, and
    # the supervisors hear both steps
    session.refresh_from_db()
    assert (session.status, session.operator) == (SessionStatus.ACTIVE, anna)
    assert _alerts(sent_frames, group) == [("operator_offline", "Anna"), ("returned", "Anna")]


def test_the_next_available_operator_goes_before_the_one_who_did_not_answer(channel, group):
    group.no_answer_timeout_s = 30
    group.save()
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    assert session.operator == anna
    boris = _online(group, "Boris")
    Operator.objects.filter(pk=boris.pk).update(last_assigned_at=timezone.now())
    Session.objects.filter(pk=session.pk).update(
        assigned_at=timezone.now() - dt.timedelta(seconds=31)
    )

    timers.timers_run()

    # Boris, although Anna now has fewer chats and the older last assignment
    assert Session.objects.get(pk=session.pk).operator == boris


def test_no_chat_waits_while_a_member_has_a_free_seat(channel, group):
    # given two chats that each left Anna, the only member, and one more that never had
    # an operator; Anna has room for two
    anna = _online(group, "Anna")
    first, second = _customer_writes(channel), _customer_writes(channel)
    Session.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=SessionStatus.QUEUED, operator=None, previous_operator=anna
    )

    # when routing runs
    services.group_dispatch(group_id=group.pk)

    # then she has both: the queue is empty while her seats are not
    assert _active(anna) == 2
    assert not Session.objects.filter(status=SessionStatus.QUEUED).exists()


# --- transfers ------------------------------------------------------------------------


def test_a_transfer_to_ones_own_group_goes_to_a_colleague_not_back(channel, group):
    anna = _online(group, "Anna")
    session = _customer_writes(channel)
    boris = _online(group, "Boris")
    # Boris is the busier one: least busy alone would give it back to Anna
    _customer_writes(channel)
    assert _active(boris) == 1

    closed, opened = services.session_transfer(session_id=session.pk, user=anna.user, group=group)

    opened.refresh_from_db()
    assert closed.close_reason == "transferred"
    assert (opened.status, opened.operator) == (SessionStatus.ACTIVE, boris)


def test_a_transfer_that_would_bounce_straight_back_is_refused(channel, group):
    # given Anna, alone on shift in her group, holding a chat
    anna = _online(group, "Anna")
    session = _customer_writes(channel)

    # when she transfers it to her own group
    with pytest.raises(StateConflict, match="Nobody else in Support is available"):
        services.session_transfer(session_id=session.pk, user=anna.user, group=group)

    # then it stays hers, open: nothing was closed as transferred
    session.refresh_from_db()
    assert (session.status, session.operator, session.close_reason) == (
        SessionStatus.ACTIVE,
        anna,
        "",
    )
    assert Session.objects.filter(dialog_id=session.dialog_id).count() == 1


def test_a_long_queue_goes_round_the_longest_idle_in_batches_reading_members_once(channel, group):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from routing.services import assignment

    group.routing_strategy = RoutingStrategy.LONGEST_IDLE
    group.default_max_sessions = 20
    group.save()
    now = timezone.now()
    ops = [
        _online(group, name, last_assigned_at=now - dt.timedelta(minutes=minutes))
        for name, minutes in (("A", 30), ("B", 20), ("C", 10))
    ]
    queued = [
        factories.SessionFactory(
            dialog=factories.DialogFactory(channel=channel),
            group=group,
            status=SessionStatus.QUEUED,
            queued_at=now + dt.timedelta(milliseconds=i),
        )
        for i in range(45)
    ]

    with CaptureQueriesContext(connection) as queries:
        # more than two batches in one call
        assert assignment.group_dispatch(group_id=group.pk, limit=50) == 45

    served = [Session.objects.get(pk=s.pk).operator for s in queued]
    # the longest idle first, then round and round across the batches' boundaries
    assert served == [ops[i % 3] for i in range(45)]
    member_reads = [  # the ORM's query, or the statement PostgreSQL runs in its place
        q
        for q in queries.captured_queries
        if re.search(r"(FROM|JOIN)\s+routing_groupmembership\b", q["sql"].replace('"', ""))
    ]
    assert len(member_reads) == 1
