"""inbox.services.sessions and transfers: the one write path of each change of a
session's handling state (routing decides and calls these)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from inbox import services
from inbox.models import CloseReason, Label, Session, SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


def _locked(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


def test_a_batch_of_assignments_makes_each_session_active_with_its_operator():
    anna, boris = factories.OperatorFactory(), factories.OperatorFactory()
    first, second, untouched = factories.SessionFactory.create_batch(3)

    with transaction.atomic():
        written = services.sessions_assign_batch(
            assignments={first.pk: anna.pk, second.pk: boris.pk}, at=AT
        )

    assert written == 2
    rows = {s.pk: (s.status, s.operator_id, s.assigned_at) for s in Session.objects.all()}
    assert rows[first.pk] == (SessionStatus.ACTIVE, anna.pk, AT)
    assert rows[second.pk] == (SessionStatus.ACTIVE, boris.pk, AT)
    assert rows[untouched.pk] == (SessionStatus.QUEUED, None, None)


def test_an_empty_batch_writes_nothing():
    assert services.sessions_assign_batch(assignments={}, at=AT) == 0


def test_an_unassigned_session_waits_again_keeping_its_place_and_remembering_its_operator():
    anna = factories.OperatorFactory()
    queued_at = AT - dt.timedelta(minutes=5)
    session = factories.SessionFactory(
        status=SessionStatus.ACTIVE, operator=anna, queued_at=queued_at, priority=3
    )

    with transaction.atomic():
        services.session_unassign(session=_locked(session), at=AT)

    session.refresh_from_db()
    assert (session.status, session.operator_id) == (SessionStatus.QUEUED, None)
    assert (session.previous_operator_id, session.queued_at) == (anna.pk, queued_at)
    assert session.priority == 3


def test_a_session_started_by_an_operator_waits_from_the_time_it_is_unassigned():
    session = factories.SessionFactory(
        status=SessionStatus.ACTIVE, operator=factories.OperatorFactory(), queued_at=None
    )

    with transaction.atomic():
        services.session_unassign(session=_locked(session), at=AT)

    session.refresh_from_db()
    assert session.queued_at == AT


def test_priority_and_group_are_written_on_the_row_and_the_instance():
    session = factories.SessionFactory()
    other = factories.GroupFactory(name="Sales")
    topic = factories.TopicFactory(channel=session.dialog.channel, group=other)

    with transaction.atomic():
        locked = _locked(session)
        services.session_priority_set(session=locked, priority=9)
        services.session_group_set(session=locked, group_id=other.pk, topic_id=topic.pk)

    assert (locked.priority, locked.group_id, locked.topic_id) == (9, other.pk, topic.pk)
    session.refresh_from_db()
    assert (session.priority, session.group_id, session.topic_id) == (9, other.pk, topic.pk)


def test_the_offline_notice_is_claimed_once_per_session():
    session = factories.SessionFactory()

    assert services.session_offline_notice_claim(session_id=session.pk) is True
    assert services.session_offline_notice_claim(session_id=session.pk) is False
    session.refresh_from_db()
    assert session.offline_notified is True


def test_a_transfer_closes_the_session_and_opens_its_continuation_with_its_labels():
    anna = factories.OperatorFactory()
    sales = factories.GroupFactory(name="Sales")
    session = factories.SessionFactory(
        status=SessionStatus.ACTIVE,
        operator=anna,
        priority=4,
        last_contact_message_at=AT - dt.timedelta(minutes=1),
    )
    vip = Label.objects.create(name="vip", color="#d97706")
    services.session_label_add(session_id=session.pk, label_id=vip.pk, user=anna.user)

    with transaction.atomic():
        closed, opened = services.session_transfer(
            session=_locked(session), group_id=sales.pk, previous_operator_id=anna.pk
        )

    closed.refresh_from_db()
    opened.refresh_from_db()
    assert (closed.status, closed.close_reason) == (SessionStatus.CLOSED, CloseReason.TRANSFERRED)
    assert (opened.status, opened.group_id, opened.operator_id) == (
        SessionStatus.QUEUED,
        sales.pk,
        None,
    )
    assert (opened.dialog_id, opened.previous_session_id) == (session.dialog_id, session.pk)
    assert (opened.priority, opened.previous_operator_id) == (4, anna.pk)
    assert opened.queued_at >= closed.closed_at  # it waits from the transfer on
    assert opened.last_contact_message_at == session.last_contact_message_at
    assert list(opened.labels.values_list("name", flat=True)) == ["vip"]
