"""Every figure of reports/summary/ and reports/breakdown/ against the hand-computed
truth of tests/reports/scenario.py, in calendar and business hours."""

from __future__ import annotations

import pytest

from tests.conftest import api_as
from tests.reports import scenario

pytestmark = pytest.mark.django_db

CALENDAR = {
    "sessions": 8,
    "answered": 5,
    "abandoned": 2,
    "avg_queue_wait_s": 12.5,  # (10 + 20 + 5 + 10 + 30 + 0) / 6 waits
    "avg_first_response_s": 11574.0,  # (30 + 57690 + 20 + 40 + 90) / 5
    "median_first_response_s": 40.0,  # 3rd of [20, 30, 40, 90, 57690]
    "p90_first_response_s": 61200.0,  # 5th: 57,690 s, in the bucket up to 17 h
    "avg_handle_s": 11990.0,  # (300 + 58270 + 420 + 600 + 360) / 5 handled
    "sla_pct": 60.0,  # C1, C3, C4 of 5 answered
    "service_level_pct": 50.0,  # 3 / (5 answered + C7); C6 (4 s) left out
    "abandon_rate_pct": 25.0,
    "csat_avg": 4.0,
    "csat_count": 3,
    "csat_pct": 66.7,
    "bot_sessions": 2,
    "bot_resolved": 1,
    "bot_handoffs": 1,
    "transfers": 1,
}
BUSINESS = CALENDAR | {
    "avg_first_response_s": 36.0,  # (30 + 90 + 20 + 40 + 0) / 5
    "median_first_response_s": 30.0,
    "p90_first_response_s": 90.0,
    "avg_handle_s": 398.0,  # (300 + 670 + 420 + 600 + 0) / 5
    "sla_pct": 80.0,  # C1, C3, C4, C9
    "service_level_pct": 66.7,  # 4 / 6
}
ADDITIVE = ["sessions", "answered", "abandoned", "csat_count", "bot_sessions", "transfers"]


@pytest.fixture
def week():
    return scenario.build()


def _get(user, path="summary", **params):
    query = {"since": scenario.SINCE, "until": scenario.UNTIL, **params}
    return api_as(user).get(f"/api/v1/reports/{path}/", query)


def test_every_figure_equals_the_hand_computed_one(week, admin_user):
    body = _get(admin_user).json()

    assert {k: body[k] for k in CALENDAR} == CALENDAR
    assert body["business_hours"] is False


def test_in_business_hours_durations_count_only_working_time(week, admin_user):
    body = _get(admin_user, business_hours="true").json()

    assert {k: body[k] for k in BUSINESS} == BUSINESS
    assert body["business_hours"] is True


def test_a_conversation_counts_in_the_range_where_it_started(week, admin_user):
    # C9 started at 23:59 on Sunday; its reply, at 00:00:30 Monday, does not move it
    monday = _get(admin_user, since="2026-11-09T00:00:00Z", until="2026-11-10T00:00:00Z")
    sunday = _get(admin_user, since="2026-11-08T00:00:00Z", until="2026-11-09T00:00:00Z")

    assert monday.json()["sessions"] == 0
    assert (sunday.json()["sessions"], sunday.json()["avg_first_response_s"]) == (1, 90.0)


def test_breakdown_by_group_operator_and_channel(week, admin_user):
    by_group = {r["label"]: r for r in _get(admin_user, "breakdown", by="group").json()["rows"]}
    by_operator = {
        r["label"]: r["sessions"]
        for r in _get(admin_user, "breakdown", by="operator").json()["rows"]
    }
    by_channel = {
        r["label"]: r["sessions"]
        for r in _get(admin_user, "breakdown", by="channel").json()["rows"]
    }

    assert {name: row["sessions"] for name, row in by_group.items()} == {
        "Support": 6,
        "Отдел продаж": 2,
    }
    # the transferred C3 is Anna's, who replied first; nobody replied in C5, C6, C7
    assert by_operator == {"Анна": 3, "Boris": 1, "Carl": 1, "": 3}
    assert by_channel == {"Сайт": 6, "=HYPERLINK(1)": 2}
    assert by_group["Отдел продаж"]["sla_pct"] == 100.0  # C4 in 40 s of 120


@pytest.mark.parametrize("by", ["group", "operator", "channel", "day", "hour"])
@pytest.mark.parametrize("business_hours", ["false", "true"])
def test_the_rows_of_a_breakdown_add_up_to_the_summary(week, admin_user, by, business_hours):
    summary = _get(admin_user, business_hours=business_hours).json()
    rows = _get(admin_user, "breakdown", by=by, business_hours=business_hours).json()["rows"]

    for figure in ADDITIVE:
        assert sum(row[figure] for row in rows) == summary[figure], figure


def test_breakdown_by_day_keys_the_days(week, admin_user):
    body = _get(admin_user, "breakdown", by="day").json()

    assert body["by"] == "day"
    assert [(r["key"], r["sessions"]) for r in body["rows"]] == [
        ("2026-11-02", 7),
        ("2026-11-08", 1),
    ]


def test_an_unknown_breakdown_is_a_400_naming_it(admin_user):
    response = _get(admin_user, "breakdown", by="weekday")

    assert response.status_code == 400
    assert "by" in response.json()


@pytest.mark.parametrize("by", ["day", "hour", "operator"])
def test_each_row_has_its_own_median_and_p90(week, admin_user, by):
    rows = _get(admin_user, "breakdown", by=by).json()["rows"]

    answered = [row for row in rows if row["answered"]]
    assert answered
    for row in answered:
        assert row["median_first_response_s"] is not None
        assert row["p90_first_response_s"] >= row["median_first_response_s"]
    if by == "day":
        monday = rows[0]
        # Monday's answered: 30, 57690, 20, 40 -> 2nd is 30, 4th is 57,690 (17 h bucket)
        assert (monday["median_first_response_s"], monday["p90_first_response_s"]) == (
            30.0,
            61200.0,
        )
