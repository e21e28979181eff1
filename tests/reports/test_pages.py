"""The reports pages: the dashboard and the wallboard for admins and supervisors (only
their groups offered), an operator's own figures for operators; everyone else a page
that says who may see them."""

from __future__ import annotations

import json
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


def bootstrap(html: str) -> dict:  # type: ignore[type-arg]
    match = re.search(r'id="reports-bootstrap" type="application/json">(.*?)</script>', html)
    assert match, "no bootstrap"
    return json.loads(match.group(1))


@pytest.fixture
def teams():  # type: ignore[no-untyped-def]
    sales = factories.GroupFactory(name="Sales")
    support = factories.GroupFactory(name="Support")
    boss = factories.OperatorFactory(display_name="Boss")
    sales.supervisors.add(boss)
    anna = factories.MembershipFactory(group=sales, operator__display_name="Anna").operator
    oleg = factories.MembershipFactory(group=support, operator__display_name="Oleg").operator
    web = factories.ChannelFactory(name="Sales site", default_group=sales)
    factories.ChannelFactory(name="Support site", default_group=support)
    return {
        "sales": sales,
        "support": support,
        "boss": boss,
        "anna": anna,
        "web": web,
        "oleg": oleg,
    }


def test_a_supervisor_is_offered_only_their_groups_members_and_channels(teams):
    html = browser(teams["boss"].user).get("/reports/").content.decode()

    boot = bootstrap(html)
    assert boot["groups"] == [{"id": teams["sales"].pk, "name": "Sales"}]
    assert [o["name"] for o in boot["operators"]] == ["Anna"]
    assert boot["channels"] == [{"id": teams["web"].pk, "name": "Sales site"}]
    assert boot["api_base"] == "/api/v1/"


def test_an_admin_is_offered_every_group_and_the_page_loads_the_vendored_chart_library(teams):
    response = browser(factories.AdminUserFactory()).get("/reports/")
    html = response.content.decode()

    assert response.status_code == 200
    assert [g["name"] for g in bootstrap(html)["groups"]] == ["Sales", "Support"]
    assert "reports/vendor/chartjs/chart.umd.js" in html
    assert 'type="module"' in html and "reports/dashboard.js" in html
    assert "<script>" not in html  # no inline script: the CSP allows none
    assert 'id="reports-strings"' in html and 'id="figures"' in html


def test_the_dashboard_speaks_russian():
    user = factories.AdminUserFactory()
    client = browser(user)
    client.cookies["django_language"] = "ru"

    html = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Отчёты" in html and "Уровень сервиса" in html


@pytest.mark.parametrize("path", ["/reports/", "/reports/wallboard/"])
def test_operators_and_crm_managers_are_told_who_may_see_reports(teams, path):
    for user in (teams["anna"].user, factories.CrmManagerFactory()):
        response = browser(user).get(path)
        assert response.status_code == 403
        assert 'id="reports-forbidden"' in response.content.decode()
        assert "reports-bootstrap" not in response.content.decode()


def test_the_wallboard_opens_the_operator_socket_for_a_supervisor(teams):
    html = browser(teams["boss"].user).get("/reports/wallboard/").content.decode()

    boot = bootstrap(html)
    assert boot["socket_path"] == "/ws/operator/"
    assert "reports/wallboard.js" in html and 'id="wb-groups"' in html


def test_an_operator_sees_their_own_figures_page_for_themselves(teams):
    html = browser(teams["anna"].user).get("/reports/mine/").content.decode()

    assert bootstrap(html)["operator"] == teams["anna"].pk
    assert 'id="mine-today"' in html and 'id="mine-week"' in html


def test_someone_without_an_operator_record_has_no_own_figures():
    response = browser(factories.CrmManagerFactory()).get("/reports/mine/")

    assert response.status_code == 403
    assert 'id="reports-forbidden"' in response.content.decode()


@pytest.mark.parametrize("path", ["/reports/", "/reports/wallboard/", "/reports/mine/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_live_answer_carries_each_groups_target_for_the_wallboards_colours(teams):
    teams["sales"].sla_target_s = 30
    teams["sales"].save(update_fields=["sla_target_s"])

    rows = browser(teams["boss"].user).get("/api/v1/reports/live/").json()["groups"]

    assert [(r["name"], r["sla_target_s"]) for r in rows] == [("Sales", 30)]
