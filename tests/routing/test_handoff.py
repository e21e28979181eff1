"""routing.services.session_handoff: a session a handler (a bot) claimed at its opening
goes to people through routing's rules: queued for the group given, else its topic's or
its channel's, then assigned like any queued session (strategies, limits, hours, the
ladder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from contactcenter import events
from contactcenter.api_common import StateConflict
from inbox import handlers
from inbox import services as inbox_services
from inbox.models import Message, SenderType, Session, SessionStatus
from routing import services
from routing.models import RoutingRule
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _online(group, name="op"):
    operator = factories.OperatorFactory(display_name=name, status="online", open_sockets=1)
    factories.MembershipFactory(group=group, operator=operator)
    return operator


def _customer_writes(channel, text="Hello"):
    visitor, _ = inbox_services.widget_visitor_create(channel=channel)
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text=text)
    return Session.objects.get(pk=stored.message.session_id)


@pytest.fixture
def group():
    return factories.GroupFactory(name="Support")


@pytest.fixture
def bot_channel(group) -> Iterator:
    channel = factories.ChannelFactory(name="With a bot", default_group=group)

    def claims(session: Session) -> handlers.Handler | None:
        if session.dialog.channel_id == channel.pk:
            return handlers.Handler(name="tests.bot")
        return None

    handlers.handler_register(claims)
    yield channel
    handlers.handler_unregister(claims)


class Seen:
    def __init__(self) -> None:
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        self.events.append(event)


@pytest.fixture
def seen() -> Iterator[Seen]:
    recorder = Seen()
    kinds = (events.SessionHandedOff, events.SessionQueued, events.SessionAssigned)
    for kind in kinds:
        events.subscribe(kind, recorder)
    yield recorder
    for kind in kinds:
        events.unsubscribe(kind, recorder)


def test_a_handed_off_session_goes_to_an_available_operator(group, bot_channel, seen):
    anna = _online(group, "Anna")
    session = _customer_writes(bot_channel)
    assert session.status == SessionStatus.BOT

    services.session_handoff(session_id=session.pk)

    session.refresh_from_db()
    assert (session.status, session.operator, session.group) == (
        SessionStatus.ACTIVE,
        anna,
        group,
    )
    assert session.queued_at is not None  # the wait is counted from the handoff
    assert seen.events[0] == events.SessionHandedOff(
        session_id=session.pk, dialog_id=session.dialog_id, group_id=group.pk
    )
    # routing's own listener of SessionQueued assigns before later listeners hear it
    assert set(seen.events[1:]) == {
        events.SessionQueued(session_id=session.pk, group_id=group.pk),
        events.SessionAssigned(session_id=session.pk, operator_id=anna.pk),
    }


def test_the_handoff_events_leave_only_after_commit(group, bot_channel, seen):
    session = _customer_writes(bot_channel)

    with transaction.atomic():
        services.session_handoff(session_id=session.pk)
        assert seen.events == []

    assert [type(e) for e in seen.events] == [events.SessionHandedOff, events.SessionQueued]


def test_a_rolled_back_handoff_leaves_the_session_with_the_bot(group, bot_channel, seen):
    _online(group, "Anna")
    session = _customer_writes(bot_channel)

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.session_handoff(session_id=session.pk)
        1 / 0  # noqa: B018

    session.refresh_from_db()
    assert (session.status, session.operator) == (SessionStatus.BOT, None)
    assert seen.events == []


def test_with_nobody_available_it_waits_and_the_next_free_operator_gets_it(group, bot_channel):
    session = _customer_writes(bot_channel)

    services.session_handoff(session_id=session.pk)

    session.refresh_from_db()
    assert session.status == SessionStatus.QUEUED
    boris = _online(group, "Boris")
    services.group_dispatch(group_id=group.pk)
    session.refresh_from_db()
    assert (session.status, session.operator) == (SessionStatus.ACTIVE, boris)


def test_the_group_and_priority_given_are_kept(group, bot_channel):
    vip = factories.GroupFactory(name="VIP")
    RoutingRule.objects.create(name="all to support", target_group=group, priority=1)
    session = _customer_writes(bot_channel)

    services.session_handoff(session_id=session.pk, group=vip.pk, priority=10)

    session.refresh_from_db()
    assert (session.status, session.group, session.priority) == (
        SessionStatus.QUEUED,
        vip,
        10,
    )


def test_routing_rules_apply_to_a_handoff_that_names_no_group(group, bot_channel):
    vip = factories.GroupFactory(name="VIP")
    anna = _online(vip, "Anna")
    RoutingRule.objects.create(name="all to VIP", target_group=vip, priority=5)
    session = _customer_writes(bot_channel)
    # the rule waits for the handoff: the bot had the session until then
    assert (session.group, session.priority) == (group, 0)

    services.session_handoff(session_id=session.pk)

    session.refresh_from_db()
    assert (session.group, session.priority, session.operator) == (vip, 5, anna)


def test_the_default_group_is_the_channels_as_it_is_now(group, bot_channel):
    session = _customer_writes(bot_channel)
    sales = factories.GroupFactory(name="Sales")
    bot_channel.default_group = sales
    bot_channel.save()

    services.session_handoff(session_id=session.pk)

    session.refresh_from_db()
    assert session.group == sales


def test_a_closed_group_sends_its_offline_message_and_the_session_waits(group, bot_channel):
    group.always_open = False
    group.offline_message = "We are closed."
    group.save()
    _online(group, "Anna")
    session = _customer_writes(bot_channel)

    services.session_handoff(session_id=session.pk)

    session.refresh_from_db()
    assert (session.status, session.operator) == (SessionStatus.QUEUED, None)
    assert Message.objects.filter(
        session=session, sender_type=SenderType.SYSTEM, text="We are closed."
    ).exists()


def test_only_a_session_with_a_handler_can_be_handed_off(group):
    session = _customer_writes(factories.ChannelFactory(default_group=group))

    with pytest.raises(StateConflict):
        services.session_handoff(session_id=session.pk)

    assert Session.objects.get(pk=session.pk).status == SessionStatus.QUEUED


@pytest.mark.parametrize(
    "arguments", [{"group": 987654}, {"group": "Support"}, {"priority": "high"}, {"priority": True}]
)
def test_bad_arguments_are_refused_clearly_and_change_nothing(bot_channel, arguments):
    session = _customer_writes(bot_channel)

    with pytest.raises(StateConflict):
        services.session_handoff(session_id=session.pk, **arguments)

    assert Session.objects.get(pk=session.pk).status == SessionStatus.BOT


def test_an_unknown_session_is_refused_clearly():
    with pytest.raises(StateConflict):
        services.session_handoff(session_id=987654)
