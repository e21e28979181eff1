"""The reports page /reports/: the summary's figures for a period and a group, for
admins and supervisors; bad input is a form error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from inbox.models import Message, Session
from reports import facts
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def browser(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def figure(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    assert match, f"no figure {key}"
    return match.group(1)


def answered_session(group, *, created, first_reply_s=30):  # type: ignore[no-untyped-def]
    session = factories.SessionFactory(group=group, status="active", queued_at=created)
    Session.objects.filter(pk=session.pk).update(created_at=created)
    for sender, offset in (("contact", 0), ("operator", first_reply_s)):
        message = factories.MessageFactory(session=session, sender_type=sender)
        Message.objects.filter(pk=message.pk).update(
            created_at=created + dt.timedelta(seconds=offset)
        )
    return session


@pytest.fixture
def two_groups():
    sales = factories.GroupFactory(name="Sales")
    support = factories.GroupFactory(name="Support")
    now = timezone.now()
    answered_session(sales, created=now - dt.timedelta(minutes=5), first_reply_s=30)
    answered_session(support, created=now - dt.timedelta(minutes=5), first_reply_s=90)
    answered_session(support, created=now - dt.timedelta(days=20), first_reply_s=200)
    facts.conversations_backfill()
    return sales, support


def test_an_admin_sees_the_figures_of_every_group_for_the_period(two_groups):
    client = browser(factories.AdminUserFactory())
    # when
    week = client.get("/reports/").content.decode()
    month = client.get("/reports/", {"period": "30d"}).content.decode()
    # then
    assert figure(week, "sessions") == "2"
    assert figure(week, "avg_first_response_s") == "1 min 00 s"
    assert figure(week, "sla_pct") == "50 %"
    assert figure(month, "sessions") == "3"


def test_a_group_narrows_the_figures(two_groups):
    sales, _support = two_groups
    html = browser(factories.AdminUserFactory()).get(
        "/reports/", {"period": "today", "group": sales.pk}
    )
    assert figure(html.content.decode(), "sessions") == "1"
    assert figure(html.content.decode(), "avg_first_response_s") == "30 s"


def test_custom_dates_count_whole_days(two_groups):
    day = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    html = browser(factories.AdminUserFactory()).get(
        "/reports/", {"period": "custom", "since": day, "until": day}
    )
    assert figure(html.content.decode(), "sessions") == "1"


def test_a_supervisor_sees_only_the_groups_they_supervise(two_groups):
    sales, support = two_groups
    supervisor = factories.OperatorFactory()
    sales.supervisors.add(supervisor)
    client = browser(supervisor.user)
    # when
    html = client.get("/reports/").content.decode()
    other = client.get("/reports/", {"group": support.pk})
    # then
    assert figure(html, "sessions") == "1"
    assert f'value="{support.pk}"' not in html
    assert other.status_code == 400
    assert "Select a valid choice" in other.content.decode()


@pytest.mark.parametrize(
    "query, error",
    [
        ({"period": "custom", "since": "2026-13-45", "until": "2026-01-01"}, "Enter a valid date"),
        ({"period": "custom", "since": "2026-02-01", "until": "2026-01-01"}, "cannot be before"),
        ({"period": "custom", "since": "2024-01-01", "until": "2026-01-01"}, "a year at most"),
        ({"period": "custom"}, "Choose the first day"),
        ({"period": "forever"}, "Select a valid choice"),
        ({"group": "x"}, "Select a valid choice"),
        ({"since": "\x00"}, "Enter a valid date"),
    ],
)
def test_bad_input_is_a_form_error_not_a_crash(query, error):
    response = browser(factories.AdminUserFactory()).get("/reports/", query)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert 'id="figures"' not in response.content.decode()


def test_operators_and_crm_managers_are_told_who_may_see_reports():
    for user in (factories.MembershipFactory().operator.user, factories.CrmManagerFactory()):
        response = browser(user).get("/reports/")
        assert response.status_code == 403
        assert 'id="reports-forbidden"' in response.content.decode()
