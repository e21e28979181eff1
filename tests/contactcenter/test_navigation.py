"""Start pages and the header's navigation: each role lands on its own work and is
offered the places it may go, and no others."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def browser(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def nav(html: str) -> list[str]:
    return re.findall(r'data-nav="(\w+)"', html)


def current(html: str) -> list[str]:
    return re.findall(r'data-nav="(\w+)" aria-current="page"', html)


def tiles(html: str) -> list[str]:
    return re.findall(r'data-work="(\w+)"', html)


def operator_user(*, supervises: bool = False):  # type: ignore[no-untyped-def]
    membership = factories.MembershipFactory()
    if supervises:
        membership.group.supervisors.add(membership.operator)
    return membership.operator.user


def test_an_operator_lands_in_the_inbox_and_sees_the_inbox_and_their_figures_in_the_header():
    client = browser(operator_user())
    # when
    start = client.get("/")
    inbox = client.get("/inbox/").content.decode()
    # then
    assert start.status_code == 302 and start["Location"] == "/inbox/"
    assert nav(inbox) == ["inbox", "my_figures"]
    assert current(inbox) == ["inbox"]
    assert current(client.get("/reports/mine/").content.decode()) == ["my_figures"]
    assert 'id="inbox-bootstrap"' in inbox


def test_a_crm_manager_lands_on_the_leads_and_is_offered_the_crm():
    client = browser(factories.CrmManagerFactory())
    # when
    start = client.get("/")
    leads = client.get("/crm/leads/").content.decode()
    # then
    assert start.status_code == 302 and start["Location"] == "/crm/leads/"
    assert nav(leads) == ["leads", "lead_board", "tasks"]
    assert current(leads) == ["leads"]
    assert current(client.get("/crm/tasks/").content.decode()) == ["tasks"]


def test_a_supervisor_gets_tiles_for_the_inbox_live_view_board_and_reports():
    client = browser(operator_user(supervises=True))
    # when
    start = client.get("/")
    html = start.content.decode()
    live = client.get("/inbox/?view=team").content.decode()
    # then
    assert start.status_code == 200
    assert tiles(html) == ["inbox", "live", "routing_board", "reports", "wallboard", "my_figures"]
    assert nav(html) == ["inbox", "live", "routing_board", "reports", "my_figures"]
    assert 'href="/reports/wallboard/"' in html  # a tile, not a header link
    assert 'href="/inbox/?view=team"' in html
    assert current(live) == ["live"]


def test_an_admin_without_operator_record_gets_a_dashboard_with_admin_and_reports():
    client = browser(factories.AdminUserFactory())
    # when
    html = client.get("/").content.decode()
    # then
    assert "admin" in tiles(html) and "reports" in tiles(html)
    assert "inbox" not in tiles(html) and "live" not in tiles(html)
    assert "inbox" not in nav(html)
    assert 'href="/api/v1/docs/"' in html  # the API is a tile, not a header link
    assert "api" not in nav(html)


def test_an_operator_who_is_also_a_crm_manager_chooses_between_both_works():
    user = operator_user()
    user.groups.add(factories.CrmManagerFactory().groups.get())
    client = browser(user)
    # when
    start = client.get("/")
    # then
    assert start.status_code == 200
    assert tiles(start.content.decode()) == ["inbox", "my_figures", "leads", "lead_board", "tasks"]


def test_a_user_without_any_role_is_told_to_ask_an_administrator():
    client = browser(factories.UserFactory())
    # when
    html = client.get("/").content.decode()
    # then
    assert 'id="no-role"' in html
    assert tiles(html) == [] and nav(html) == []


def test_the_login_page_has_no_navigation(client):
    html = client.get("/login/").content.decode()
    assert nav(html) == []


@pytest.mark.parametrize("who", ["crm", "admin"])
def test_the_inbox_tells_a_non_operator_what_it_is_and_opens_no_socket(who):
    user = factories.CrmManagerFactory() if who == "crm" else factories.AdminUserFactory()
    client = browser(user)
    # when
    response = client.get("/inbox/")
    html = response.content.decode()
    # then
    assert response.status_code == 403
    assert 'id="inbox-notice"' in html
    assert "inbox.js" not in html and "inbox-bootstrap" not in html
    assert ("/admin/routing/operator/add/" in html) == (who == "admin")
    assert ("leads" in tiles(html)) is True


def test_an_admin_with_an_operator_record_gets_the_inbox():
    admin = factories.AdminUserFactory()
    factories.OperatorFactory(user=admin)
    html = browser(admin).get("/inbox/").content.decode()
    assert 'id="inbox-bootstrap"' in html
    assert "inbox" in nav(html)


def test_the_header_of_the_routing_board_offers_no_inbox_to_an_admin_without_record():
    html = browser(factories.AdminUserFactory()).get("/routing/board/").content.decode()
    assert "inbox" not in nav(html)
    assert current(html) == ["routing_board"]
    assert 'href="/inbox/"' not in html


def test_the_header_and_tiles_speak_russian_to_a_russian_browser():
    client = browser(operator_user(supervises=True))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "\u0416\u0438\u0432\u043e\u0439 \u043e\u0431\u0437\u043e\u0440" in html  # Live view
    assert "Live view" not in html
