"""?format=csv and ?format=xlsx on summary and breakdown; who may see what."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.conftest import api_as
from tests.reports import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def week():
    return scenario.build()


def _get(user, path="summary", **params):
    query = {"since": scenario.SINCE, "until": scenario.UNTIL, **params}
    return api_as(user).get(f"/api/v1/reports/{path}/", query)


def _csv_rows(response):
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_breakdown_downloads_as_csv_with_russian_text_and_no_formula(week, admin_user):
    response = _get(admin_user, "breakdown", by="channel", format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv_rows(response)
    assert header[:3] == ["Key", "Name", "Conversations"]
    names = {row[1]: row for row in rows}
    assert set(names) == {"Сайт", "'=HYPERLINK(1)"}  # a formula is shown as text
    assert names["Сайт"][2] == "6"


def test_the_csv_headers_follow_the_language(week, admin_user):
    response = api_as(admin_user).get(
        "/api/v1/reports/summary/",
        {"since": scenario.SINCE, "until": scenario.UNTIL, "format": "csv"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    header, row = _csv_rows(response)
    assert "Разговоры" in header
    assert row[header.index("Разговоры")] == "8"


def test_the_summary_downloads_as_xlsx_in_business_hours(week, admin_user):
    response = _get(admin_user, format="xlsx", business_hours="true")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, values = (list(r) for r in sheet.iter_rows(values_only=True))
    figures = dict(zip(header, values, strict=True))
    assert figures["Average first response, s"] == 36.0
    assert figures["Business hours"] == "1"


def test_xlsx_keeps_a_formula_as_text(week, admin_user):
    response = _get(admin_user, "breakdown", by="channel", format="xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    labels = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in labels


@pytest.mark.parametrize("fmt", ["pdf", "json2"])
def test_an_unknown_format_is_a_400(week, admin_user, fmt):
    assert _get(admin_user, format=fmt).status_code == 400


def test_supervisors_see_their_groups_and_operators_their_own(week):
    supervisor = factories.OperatorFactory()
    week.sales.supervisors.add(supervisor)

    assert _get(supervisor.user).json()["sessions"] == 2
    assert _get(week.anna.user).json()["sessions"] == 3
    assert _get(week.carl.user, "breakdown", by="group").json()["rows"][0]["sessions"] == 1


def test_a_filter_on_what_the_caller_may_not_see_is_a_404(week):
    supervisor = factories.OperatorFactory()
    week.sales.supervisors.add(supervisor)

    assert _get(supervisor.user, group=week.support.pk).status_code == 404
    assert _get(supervisor.user, operator=week.anna.pk).status_code == 404
    assert _get(week.anna.user, operator=week.boris.pk).status_code == 404
    assert _get(supervisor.user, group=week.sales.pk).json()["sessions"] == 2
    assert _get(supervisor.user, channel=999_999).status_code == 404


def test_people_without_an_operator_record_get_403():
    assert _get(factories.CrmManagerFactory(), "breakdown", by="day").status_code == 403
    assert api_as(factories.UserFactory()).get("/api/v1/reports/live/").status_code == 403
