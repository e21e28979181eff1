"""routing.services.sessions: the priority of a session, set by a trigger or a bot
through routing (inbox writes it), and what the queue then shows."""

from __future__ import annotations

import pytest

from contactcenter import realtime
from contactcenter.api_common import StateConflict
from inbox import services as inbox_services
from inbox.models import CloseReason, Session, SessionStatus
from routing import services
from routing.services.queue import queue_position
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _customer_writes(channel, text="Hello"):
    visitor, _ = inbox_services.widget_visitor_create(channel=channel)
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text=text)
    return Session.objects.get(pk=stored.message.session_id)


@pytest.fixture
def group():
    return factories.GroupFactory(name="Support")


@pytest.fixture
def channel(group):
    return factories.ChannelFactory(default_group=group)


def test_a_higher_priority_moves_a_waiting_session_to_the_head_of_the_queue(
    channel, group, sent_frames
):
    first, second = _customer_writes(channel, "First"), _customer_writes(channel, "Second")
    assert queue_position(session=second)["position"] == 2
    sent_frames.clear()

    services.session_prioritize(session_id=second.pk, priority=10)

    second.refresh_from_db()
    assert second.priority == 10
    assert queue_position(session=second)["position"] == 1
    first.refresh_from_db()
    assert queue_position(session=first)["position"] == 2
    # the group's operators see the queue again, after commit
    assert any(
        g == realtime.queue_group(group.pk) and f["type"] == "queue.updated" for g, f in sent_frames
    )


def test_a_closed_session_keeps_its_priority(channel):
    session = _customer_writes(channel)
    inbox_services.session_close(session_id=session.pk, reason=CloseReason.RESOLVED)

    with pytest.raises(StateConflict):
        services.session_prioritize(session_id=session.pk, priority=10)

    session.refresh_from_db()
    assert (session.status, session.priority) == (SessionStatus.CLOSED, 0)


@pytest.mark.parametrize("priority", ["high", True, None])
def test_a_priority_that_is_not_a_whole_number_is_refused(channel, priority):
    session = _customer_writes(channel)

    with pytest.raises(StateConflict):
        services.session_prioritize(session_id=session.pk, priority=priority)

    assert Session.objects.get(pk=session.pk).priority == 0


def test_an_unknown_session_is_refused_clearly():
    with pytest.raises(StateConflict):
        services.session_prioritize(session_id=987654, priority=1)
