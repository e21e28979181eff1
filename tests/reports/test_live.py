"""GET /api/v1/reports/live/: each group's queue now and today's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inbox.models import Message, Session
from reports import facts
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def _session(group, *, status, ago_s, operator=None, reply_after_s=None, reason=""):
    created = timezone.now() - dt.timedelta(seconds=ago_s)
    session = factories.SessionFactory(
        group=group,
        operator=operator,
        status=status,
        close_reason=reason,
        queued_at=created,
        closed_at=timezone.now() if status == "closed" else None,
    )
    Session.objects.filter(pk=session.pk).update(created_at=created)
    factories.MessageFactory(session=session, sender_type="contact")
    Message.objects.filter(session=session).update(created_at=created)
    if reply_after_s is not None:
        reply = factories.MessageFactory(session=session, sender_type="operator")
        Message.objects.filter(pk=reply.pk).update(
            created_at=created + dt.timedelta(seconds=reply_after_s)
        )
    return session


@pytest.fixture
def support():
    group = factories.GroupFactory(name="Support", time_zone="Europe/Moscow", sla_target_s=60)
    anna = factories.OperatorFactory(status="online", open_sockets=1)
    factories.MembershipFactory(group=group, operator=anna)
    factories.MembershipFactory(group=group, operator=factories.OperatorFactory(status="offline"))
    _session(group, status="queued", ago_s=30)
    _session(group, status="queued", ago_s=10)
    _session(group, status="active", ago_s=20, operator=anna, reply_after_s=5)
    _session(group, status="closed", ago_s=15, reason="abandoned")
    facts.conversations_backfill()
    return group, anna


def test_a_supervisor_sees_the_queue_and_today_s_figures(support):
    group, _anna = support
    supervisor = factories.OperatorFactory()
    group.supervisors.add(supervisor)
    factories.GroupFactory(name="Elsewhere")

    body = api_as(supervisor.user).get("/api/v1/reports/live/").json()

    assert len(body["groups"]) == 1
    row = body["groups"][0]
    assert row["group"] == group.pk and row["name"] == "Support"
    assert (row["queue_size"], row["active_sessions"], row["operators_online"]) == (2, 1, 1)
    assert 29 <= row["longest_wait_s"] <= 35
    # answered in 5 s; the abandon after 15 s is within the target, so out of the level
    assert (row["answered"], row["abandoned"], row["service_level_pct"]) == (1, 1, 100.0)


def test_an_operator_sees_the_groups_they_belong_to(support):
    _group, anna = support

    body = api_as(anna.user).get("/api/v1/reports/live/").json()

    assert [row["name"] for row in body["groups"]] == ["Support"]
