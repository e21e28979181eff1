"""inbox.handlers: who handles a new session, decided at its opening. A higher app (a
bot for a channel) registers a decider; a claimed session opens as ``bot`` and routing
leaves it alone; the others open ``queued`` as always."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.db import transaction

from contactcenter import events
from inbox import handlers
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from tests import factories

# Real commits: routing reacts to SessionOpened after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

BOT = handlers.Handler(name="tests.bot")


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
    """A channel whose sessions a test handler claims (as a bot of that channel would)."""
    channel = factories.ChannelFactory(name="With a bot", default_group=group)

    def claims(session: Session) -> handlers.Handler | None:
        return BOT if session.dialog.channel_id == channel.pk else None

    handlers.handler_register(claims)
    yield channel
    handlers.handler_unregister(claims)


@pytest.fixture
def opened() -> Iterator[list[events.SessionOpened]]:
    seen: list[events.SessionOpened] = []
    events.subscribe(events.SessionOpened, seen.append)
    yield seen
    events.unsubscribe(events.SessionOpened, seen.append)


def test_a_claimed_session_opens_with_the_bot_and_routing_leaves_it(group, bot_channel, opened):
    anna = _online(group, "Anna")

    session = _customer_writes(bot_channel)

    assert (session.status, session.operator, session.queued_at) == (SessionStatus.BOT, None, None)
    assert session.group == group  # where a handoff sends it by default
    assert opened == [
        events.SessionOpened(
            session_id=session.pk,
            dialog_id=session.dialog_id,
            channel_id=bot_channel.pk,
            handler="tests.bot",
        )
    ]
    assert Session.objects.filter(operator=anna).count() == 0


def test_the_next_message_stays_in_the_bot_session(bot_channel):
    session = _customer_writes(bot_channel)

    stored = inbox_services.contact_message_receive(dialog_id=session.dialog_id, text="Again")

    assert stored.message.session_id == session.pk
    assert Session.objects.get(pk=session.pk).status == SessionStatus.BOT


def test_sessions_of_other_channels_are_routed_as_always(group, bot_channel, opened):
    anna = _online(group, "Anna")
    other = factories.ChannelFactory(name="Plain", default_group=group)

    session = _customer_writes(other)

    assert (session.status, session.operator) == (SessionStatus.ACTIVE, anna)
    assert [e.handler for e in opened] == [None]


def test_without_a_handler_every_session_is_queued_for_routing(group, opened):
    session = _customer_writes(factories.ChannelFactory(default_group=group))

    assert session.status == SessionStatus.QUEUED
    assert session.queued_at is not None
    assert opened[0].handler is None


def test_a_topic_picked_first_opens_the_claimed_session_for_the_topics_group(bot_channel):
    sales = factories.GroupFactory(name="Sales")
    topic = factories.TopicFactory(channel=bot_channel, group=sales)
    visitor, _ = inbox_services.widget_visitor_create(channel=bot_channel)

    session = inbox_services.session_topic_choose(dialog_id=visitor.dialog_id, topic_id=topic.pk)

    session.refresh_from_db()
    assert (session.status, session.group_id, session.topic_id) == (
        SessionStatus.BOT,
        sales.pk,
        topic.pk,
    )


def test_the_decision_and_its_event_leave_only_after_commit(bot_channel, opened):
    visitor, _ = inbox_services.widget_visitor_create(channel=bot_channel)

    with transaction.atomic():
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
        assert opened == []

    assert [e.handler for e in opened] == ["tests.bot"]


def test_nothing_is_announced_when_the_opening_rolls_back(bot_channel, opened):
    visitor, _ = inbox_services.widget_visitor_create(channel=bot_channel)

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
        1 / 0  # noqa: B018

    assert opened == []
    assert not Session.objects.filter(dialog_id=visitor.dialog_id).exists()


def test_a_failing_decider_is_logged_and_skipped(group, bot_channel, caplog):
    def broken(session: Session) -> handlers.Handler | None:
        raise RuntimeError("decider broke")

    handlers.handler_register(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="inbox.handlers"):
            claimed = _customer_writes(bot_channel)
            plain = _customer_writes(factories.ChannelFactory(default_group=group))
    finally:
        handlers.handler_unregister(broken)

    # the first decider claimed before the broken one was asked; after it, routing
    assert claimed.status == SessionStatus.BOT
    assert plain.status == SessionStatus.QUEUED
    assert any("broken" in r.getMessage() for r in caplog.records)


def test_the_first_decider_that_claims_wins_and_registering_twice_is_a_no_op(bot_channel):
    def also_claims(session: Session) -> handlers.Handler | None:
        return handlers.Handler(name="tests.second")

    handlers.handler_register(also_claims)
    handlers.handler_register(also_claims)
    try:
        session = Session(dialog=factories.DialogFactory(channel=bot_channel))
        other = Session(dialog=factories.DialogFactory())

        assert handlers.who_handles(session) == BOT
        assert handlers.who_handles(other) == handlers.Handler(name="tests.second")
    finally:
        handlers.handler_unregister(also_claims)
    assert handlers.who_handles(other) is None
