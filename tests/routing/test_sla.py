"""The one SLA definition: the target, the level and when the clock starts."""

from __future__ import annotations

import datetime as dt

import pytest

from inbox.models import Message, Session
from routing.sla import sla_level, sla_target_s, waiting_since, waiting_since_of
from tests import factories

T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def test_the_target_is_the_group_s_or_sixty_seconds():
    assert sla_target_s(None) == 60
    assert sla_target_s(300) == 300


@pytest.mark.parametrize(
    ("waited", "level"),
    [
        (0, "ok"),
        (47.9, "ok"),
        (48, "warning"),
        (59.9, "warning"),
        (60, "breached"),
        (900, "breached"),
    ],
)
def test_warning_from_80_percent_and_breached_from_100(waited, level):
    assert sla_level(waited, 60) == level


def test_the_clock_starts_at_the_first_contact_message():
    first = T0 + dt.timedelta(seconds=20)
    assert waiting_since_of(created_at=T0, queued_at=T0, first_contact_at=first) == first


def test_a_session_an_operator_started_counts_from_its_creation():
    assert (
        waiting_since_of(
            created_at=T0,
            queued_at=None,
            first_contact_at=T0 + dt.timedelta(seconds=40),
            first_reply_at=T0 + dt.timedelta(seconds=5),
        )
        == T0
    )
    assert waiting_since_of(created_at=T0, queued_at=None, first_contact_at=None) == T0


def test_a_bot_conversation_counts_from_the_handoff():
    handoff = T0 + dt.timedelta(minutes=3)
    assert waiting_since_of(created_at=T0, queued_at=handoff, first_contact_at=T0) == handoff


@pytest.mark.django_db
def test_waiting_since_reads_the_session_s_messages():
    session = factories.SessionFactory(status="queued", queued_at=T0)
    Session.objects.filter(pk=session.pk).update(created_at=T0)
    message = factories.MessageFactory(session=session, sender_type="contact")
    Message.objects.filter(pk=message.pk).update(created_at=T0 + dt.timedelta(seconds=7))
    session.refresh_from_db()
    assert waiting_since(session) == T0 + dt.timedelta(seconds=7)
