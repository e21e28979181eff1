"""groups/: what admins, supervisors and operators see and may change."""

from __future__ import annotations

import pytest

from routing.models import Group, GroupMembership, RoutingStrategy, WorkingHours
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"


def detail(group: Group) -> str:
    return f"{URL}{group.pk}/"


def test_admin_creates_a_group_with_hours_holidays_members_and_supervisors(admin_api):
    # given
    first, second = factories.OperatorFactory(), factories.OperatorFactory()
    boss = factories.OperatorFactory()
    # when
    response = admin_api.post(
        URL,
        {
            "name": "Sales",
            "routing_strategy": "round_robin",
            "default_max_sessions": 5,
            "no_answer_timeout_s": 45,
            "time_zone": "Europe/Moscow",
            "working_hours": [
                {"weekday": 0, "start": "09:00", "end": "18:00"},
                {"weekday": 4, "start": "10:00", "end": "16:30"},
            ],
            "holidays": ["2025-01-01", "2025-01-07"],
            "offline_message": "We are closed.",
            "members": [second.pk, first.pk],
            "supervisors": [boss.pk],
        },
    )
    # then
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["name"] == "Sales"
    assert body["routing_strategy"] == "round_robin"
    assert body["default_max_sessions"] == 5
    assert body["no_answer_timeout_s"] == 45
    assert body["time_zone"] == "Europe/Moscow"
    assert body["working_hours"] == [
        {"weekday": 0, "start": "09:00", "end": "18:00"},
        {"weekday": 4, "start": "10:00", "end": "16:30"},
    ]
    assert body["holidays"] == ["2025-01-01", "2025-01-07"]
    assert body["offline_message"] == "We are closed."
    assert body["members"] == [second.pk, first.pk]
    assert body["supervisors"] == [boss.pk]
    group = Group.objects.get(pk=body["id"])
    assert group.always_open is False
    assert group.working_hours.count() == 2
    assert list(
        GroupMembership.objects.filter(group=group).values_list("operator_id", flat=True)
    ) == [second.pk, first.pk]


def test_a_group_without_working_hours_is_always_open(admin_api):
    response = admin_api.post(URL, {"name": "Support", "working_hours": None})
    assert response.status_code == 201
    body = response.json()
    assert body["working_hours"] is None
    assert body["no_answer_timeout_s"] is None
    assert body["routing_strategy"] == "least_busy"
    assert Group.objects.get(pk=body["id"]).always_open is True


def test_setting_working_hours_to_null_makes_the_group_always_open(admin_api):
    # given
    group = factories.GroupFactory(always_open=False)
    WorkingHours.objects.create(group=group, weekday=0, start="09:00", end="17:00")
    # when
    response = admin_api.patch(detail(group), {"working_hours": None})
    # then
    assert response.status_code == 200
    assert response.json()["working_hours"] is None
    group.refresh_from_db()
    assert group.always_open is True
    assert not group.working_hours.exists()


def test_patch_changes_only_what_is_sent_and_replaces_member_order(admin_api):
    # given
    group = factories.GroupFactory(name="Support", offline_message="Bye")
    a, b, c = (factories.MembershipFactory(group=group).operator for _ in range(3))
    # when
    response = admin_api.patch(detail(group), {"members": [c.pk, a.pk], "default_max_sessions": 7})
    # then
    assert response.status_code == 200, response.data
    body = response.json()
    assert body["members"] == [c.pk, a.pk]
    assert body["default_max_sessions"] == 7
    assert body["name"] == "Support"
    assert body["offline_message"] == "Bye"
    assert not GroupMembership.objects.filter(group=group, operator=b).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"routing_strategy": "random"}, "routing_strategy"),
        ({"working_hours": [{"weekday": 1, "start": "18:00", "end": "09:00"}]}, "working_hours"),
        ({"working_hours": [{"weekday": 7, "start": "09:00", "end": "18:00"}]}, "working_hours"),
        ({"working_hours": [{"weekday": 1, "start": "9am", "end": "18:00"}]}, "working_hours"),
        ({"working_hours": "always"}, "working_hours"),
        ({"holidays": ["2025-13-01"]}, "holidays"),
        ({"members": [999999]}, "members"),
        ({"members": [10**30]}, "members"),
        ({"members": "1"}, "members"),
        ({"supervisors": [True]}, "supervisors"),
        ({"default_max_sessions": -1}, "default_max_sessions"),
        ({"default_max_sessions": "many"}, "default_max_sessions"),
        ({"no_answer_timeout_s": 0}, "no_answer_timeout_s"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_group_input_is_a_400_naming_the_field(admin_api, payload, field):
    response = admin_api.post(URL, {"name": "Valid", **payload})
    assert response.status_code == 400
    assert field in response.json()
    assert not Group.objects.filter(name="Valid").exists()


def test_overlapping_intervals_on_one_day_are_refused(admin_api):
    response = admin_api.post(
        URL,
        {
            "name": "Overlap",
            "working_hours": [
                {"weekday": 2, "start": "09:00", "end": "13:00"},
                {"weekday": 2, "start": "12:00", "end": "18:00"},
            ],
        },
    )
    assert response.status_code == 400
    assert "overlap" in str(response.json()["working_hours"])
    assert not Group.objects.filter(name="Overlap").exists()


def test_a_duplicate_group_name_is_refused(admin_api):
    factories.GroupFactory(name="Sales")
    response = admin_api.post(URL, {"name": "Sales"})
    assert response.status_code == 400
    assert "name" in response.json()


def test_renaming_a_group_to_its_own_name_is_fine(admin_api):
    group = factories.GroupFactory(name="Sales")
    response = admin_api.patch(detail(group), {"name": "Sales"})
    assert response.status_code == 200


def test_a_non_json_body_is_a_400(admin_api):
    response = admin_api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_operator_sees_only_their_own_groups(api_client):
    # given
    mine = factories.GroupFactory(name="A")
    factories.GroupFactory(name="B")
    operator = factories.MembershipFactory(group=mine).operator
    # when
    response = api_as(operator.user).get(URL)
    # then
    assert response.status_code == 200
    assert [g["name"] for g in response.json()["results"]] == ["A"]


def test_operator_of_group_a_gets_404_for_group_b():
    mine, other = factories.GroupFactory(), factories.GroupFactory()
    operator = factories.MembershipFactory(group=mine).operator
    client = api_as(operator.user)
    assert client.get(detail(other)).status_code == 404
    assert client.patch(detail(other), {"name": "X"}).status_code == 404
    assert client.delete(detail(other)).status_code == 404


def test_operator_may_not_change_or_delete_a_group_they_see():
    group = factories.GroupFactory(name="Mine")
    operator = factories.MembershipFactory(group=group).operator
    client = api_as(operator.user)
    assert client.patch(detail(group), {"name": "Hacked"}).status_code == 403
    assert client.delete(detail(group)).status_code == 403
    assert client.post(URL, {"name": "New"}).status_code == 403
    assert Group.objects.filter(name="Mine").exists()


def test_supervisor_sees_the_groups_they_supervise_read_only():
    group = factories.GroupFactory(name="Supervised")
    boss = factories.OperatorFactory()
    group.supervisors.add(boss)
    client = api_as(boss.user)
    assert client.get(detail(group)).json()["supervisors"] == [boss.pk]
    assert client.patch(detail(group), {"default_max_sessions": 9}).status_code == 403


def test_without_credentials_it_is_a_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_list_is_paginated(admin_api):
    for i in range(3):
        factories.GroupFactory(name=f"G{i}")
    body = admin_api.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
    assert body["previous"] is None


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "99999999999999999999"])
def test_a_bad_page_is_a_400(admin_api, page):
    response = admin_api.get(URL, {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()


def test_a_page_past_the_end_is_a_404(admin_api):
    assert admin_api.get(URL, {"page": 5}).status_code == 404


def test_a_huge_id_is_a_404_not_a_500(admin_api):
    assert admin_api.get(f"{URL}{10**30}/").status_code == 404


def test_admin_deletes_a_group_without_open_sessions(admin_api):
    group = factories.GroupFactory()
    assert admin_api.delete(detail(group)).status_code == 204
    assert not Group.objects.filter(pk=group.pk).exists()


def test_a_group_with_open_sessions_cannot_be_deleted(admin_api):
    session = factories.SessionFactory()
    response = admin_api.delete(detail(session.group))
    assert response.status_code == 409
    assert Group.objects.filter(pk=session.group_id).exists()


def test_put_is_not_offered(admin_api):
    group = factories.GroupFactory()
    assert admin_api.put(detail(group), {"name": "X"}).status_code == 405


def test_strategy_choices_are_the_contract_ones():
    assert set(RoutingStrategy.values) == {"least_busy", "round_robin", "longest_idle", "manual"}
