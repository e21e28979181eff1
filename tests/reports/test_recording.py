"""The reports' listeners: domain events append metric events (once) and keep the
conversation's figures current."""

from __future__ import annotations

import pytest

from contactcenter import events
from inbox import services as inbox_services
from reports import services
from reports.models import ConversationFact, MetricEvent, MetricKind
from routing import services as routing_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=group, operator=anna)
    session = factories.SessionFactory(group=group, status="queued")
    factories.MessageFactory(session=session, sender_type="contact")
    return group, anna, session


def kinds(conversation_id):
    return sorted(
        MetricEvent.objects.filter(conversation_id=conversation_id).values_list("kind", flat=True)
    )


def test_a_conversation_is_recorded_as_it_happens(chat, django_capture_on_commit_callbacks):
    group, anna, session = chat
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch(
            events.SessionOpened(session_id=session.pk, dialog_id=session.dialog_id, channel_id=1)
        )
        routing_services.session_assign(session=session, operator=anna)
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("Hello", "How can I help?", "Anything else?"):
            inbox_services.operator_message_send(session_id=session.pk, user=anna.user, text=text)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.session_close(session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.session_rate(dialog_id=session.dialog_id, score=4)

    # the first reply once, however many replies followed
    assert kinds(session.pk) == ["assigned", "first_human_reply", "opened", "rating", "resolved"]
    fact = ConversationFact.objects.get(conversation_id=session.pk)
    assert (fact.answered, fact.operator_id, fact.group_id, fact.rating) == (
        True,
        anna.pk,
        group.pk,
        4,
    )
    rating = MetricEvent.objects.get(kind=MetricKind.RATING)
    assert (rating.score, rating.operator_id, rating.group_id) == (4, anna.pk, group.pk)


def test_a_repeated_event_appends_nothing(chat, django_capture_on_commit_callbacks):
    _group, _anna, session = chat
    inbox_services.session_close(session_id=session.pk, reason="abandoned")

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            events.dispatch(
                events.SessionClosed(
                    session_id=session.pk, dialog_id=session.dialog_id, reason="abandoned"
                )
            )

    assert kinds(session.pk) == ["abandoned"]
    assert ConversationFact.objects.get(conversation_id=session.pk).abandoned


def test_a_new_score_replaces_the_recorded_one(chat):
    _group, _anna, session = chat
    inbox_services.session_close(session_id=session.pk)
    for score in (2, 5):
        inbox_services.session_rate(dialog_id=session.dialog_id, score=score)
        services.session_rated_record(session_id=session.pk, score=score)

    assert list(MetricEvent.objects.filter(kind="rating").values_list("score", flat=True)) == [5]
    assert ConversationFact.objects.get(conversation_id=session.pk).rating == 5


def test_a_transfer_continues_the_same_conversation(chat, django_capture_on_commit_callbacks):
    _group, anna, session = chat
    sales = factories.GroupFactory(name="Sales")
    with django_capture_on_commit_callbacks(execute=True):
        routing_services.session_assign(session=session, operator=anna)
    with django_capture_on_commit_callbacks(execute=True):
        _closed, opened = routing_services.session_transfer(
            session_id=session.pk, user=anna.user, group=sales
        )

    assert ConversationFact.objects.count() == 1
    fact = ConversationFact.objects.get()
    assert (fact.conversation_id, fact.transfers) == (session.pk, 1)
    queued = MetricEvent.objects.get(kind="queued")
    assert (queued.conversation_id, queued.session_id) == (session.pk, opened.pk)


def test_the_backfill_command_builds_figures_of_past_conversations(chat):
    from django.core.management import call_command

    _group, _anna, session = chat
    call_command("reports_backfill", "--since", "2000-01-01")

    assert ConversationFact.objects.filter(conversation_id=session.pk).exists()


def test_a_topic_picked_while_waiting_moves_the_conversation_to_its_group(
    chat, django_capture_on_commit_callbacks
):
    _group, _anna, session = chat
    billing = factories.GroupFactory(name="Billing")
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch(events.SessionQueued(session_id=session.pk, group_id=session.group_id))
    session.__class__.objects.filter(pk=session.pk).update(group=billing)

    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch(events.SessionRerouted(session_id=session.pk, group_id=billing.pk))

    assert ConversationFact.objects.get(conversation_id=session.pk).group_id == billing.pk


def test_a_burst_of_assignments_reads_each_groups_hours_once_per_batch(chat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import listeners

    group, anna, _ = chat
    anna.max_sessions = 10
    anna.save(update_fields=["max_sessions"])
    sessions = [factories.SessionFactory(group=group, status="queued") for _ in range(5)]
    for session in sessions:
        routing_services.session_assign(session=session, operator=anna)

    with CaptureQueriesContext(connection) as queries:
        listeners._record_each([("assigned", s.pk, {}) for s in sessions])

    hours_reads = [q for q in queries.captured_queries if "routing_workinghours" in q["sql"]]
    assert len(hours_reads) == 1
    for session in sessions:
        assert kinds(session.pk) == ["assigned"]
        assigned = MetricEvent.objects.get(session_id=session.pk, kind=MetricKind.ASSIGNED)
        assert (assigned.operator_id, assigned.group_id) == (anna.pk, group.pk)
        assert ConversationFact.objects.get(conversation_id=session.pk).group_id == group.pk
