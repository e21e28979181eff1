"""GET /api/v1/reports/summary/: the contract's definitions on a known set of sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inbox.models import Message, Session
from reports import facts
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def _session(
    group,
    operator=None,
    *,
    queued_s=0,
    assigned_s=None,
    closed_s=None,
    reason="",
    contact_s=None,
    operator_s=None,
    rating=None,
    created=T0,
):
    """A session created at ``created`` with events at these offsets in seconds."""

    def at(offset):
        return created + dt.timedelta(seconds=offset) if offset is not None else None

    session = factories.SessionFactory(
        group=group,
        operator=operator,
        status="closed"
        if closed_s is not None
        else ("active" if assigned_s is not None else "queued"),
        close_reason=reason if closed_s is not None else "",
        queued_at=at(queued_s),
        assigned_at=at(assigned_s),
        closed_at=at(closed_s),
        rating=rating,
    )
    Session.objects.filter(pk=session.pk).update(created_at=created)
    for sender, offset in (("contact", contact_s), ("operator", operator_s)):
        if offset is not None:
            message = factories.MessageFactory(session=session, sender_type=sender)
            Message.objects.filter(pk=message.pk).update(created_at=at(offset))
    return session


@pytest.fixture
def week():
    group = factories.GroupFactory(name="Support", sla_target_s=60)
    anna = factories.OperatorFactory()
    # answered in 30 s, waited 10 s, handled 300 s, rated 5
    _session(
        group,
        anna,
        assigned_s=10,
        closed_s=310,
        reason="resolved",
        contact_s=0,
        operator_s=30,
        rating=5,
    )
    # answered in 90 s (over target), waited 20 s, handled 100 s, rated 3
    _session(
        group,
        anna,
        assigned_s=20,
        closed_s=120,
        reason="resolved",
        contact_s=0,
        operator_s=90,
        rating=3,
    )
    # abandoned in the queue, never answered
    _session(group, closed_s=50, reason="abandoned", contact_s=0)
    # outside the range
    _session(
        group,
        anna,
        assigned_s=1,
        closed_s=2,
        reason="resolved",
        contact_s=0,
        operator_s=1,
        created=T0 - dt.timedelta(days=30),
    )
    return group, anna


def _get(user, **params):
    facts.conversations_backfill()
    query = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-08T00:00:00Z", **params}
    return api_as(user).get("/api/v1/reports/summary/", query)


def test_the_figures_follow_the_contract_definitions(week, admin_user):
    body = _get(admin_user).json()

    assert body["sessions"] == 3
    assert (body["answered"], body["abandoned"]) == (2, 1)
    assert body["avg_queue_wait_s"] == 15.0
    assert body["avg_first_response_s"] == 60.0
    # nearest rank over the histogram's buckets (upper edges: 30 s and 90 s)
    assert body["median_first_response_s"] == 30.0
    assert body["p90_first_response_s"] == 90.0
    assert body["avg_handle_s"] == 200.0
    assert body["sla_pct"] == 50.0
    assert (body["csat_avg"], body["csat_count"]) == (4.0, 2)


def test_the_target_is_each_group_s_own(week, admin_user):
    group, _anna = week
    group.sla_target_s = 120
    group.save(update_fields=["sla_target_s"])

    body = _get(admin_user).json()

    assert body["sla_pct"] == 100.0  # 30 s and 90 s are both within 120 s


def test_a_session_an_operator_started_counts_from_its_creation(admin_user):
    group = factories.GroupFactory()
    _session(group, factories.OperatorFactory(), assigned_s=0, operator_s=5, contact_s=40)
    assert _get(admin_user).json()["avg_first_response_s"] == 5.0


def test_supervisors_see_their_groups_and_operators_their_own(week):
    group, anna = week
    supervisor = factories.OperatorFactory()
    group.supervisors.add(supervisor)
    stranger = factories.OperatorFactory()

    assert _get(supervisor.user).json()["sessions"] == 3
    assert _get(anna.user).json()["sessions"] == 2
    assert _get(stranger.user).json()["sessions"] == 0
    assert _get(factories.UserFactory()).status_code == 403


def test_filters_narrow_the_figures(week, admin_user):
    _group, anna = week
    assert _get(admin_user, operator=anna.pk).json()["sessions"] == 2
    assert _get(admin_user, group=factories.GroupFactory().pk).json()["sessions"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"since": "2026-11-09", "until": "2026-11-08"},
        {"since": "2020-01-01", "until": "2026-01-01"},
        {"group": "abc"},
    ],
)
def test_bad_parameters_are_400(admin_user, params):
    assert _get(admin_user, **params).status_code == 400


def test_without_a_range_the_last_week_is_shown(admin_user):
    body = api_as(admin_user).get("/api/v1/reports/summary/").json()
    since = dt.datetime.fromisoformat(body["since"])
    assert abs((timezone.now() - since) - dt.timedelta(days=7)) < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"until": "2026-99-99"}, "until"),
        ({"since": "2026-02-30"}, "since"),
        ({"until": "2026-11-01T25:61:00"}, "until"),
        ({"since": "0001-01-01"}, "since"),
        ({"until": "9999-12-31T23:59:59"}, "until"),
        ({"since": "2026-11-01\x00"}, "since"),
        ({"until": "9" * 5000}, "until"),
        ({"operator": "9" * 40}, "operator"),
        ({"channel": "-1"}, "channel"),
    ],
)
def test_a_parameter_that_does_not_parse_is_a_400_naming_it(admin_user, params, field):
    response = _get(admin_user, **params)

    assert response.status_code == 400
    assert field in response.json()
