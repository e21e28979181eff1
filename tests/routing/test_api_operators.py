"""operators/ and operators/me/."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from contactcenter import events
from inbox.models import SessionStatus
from routing.models import GroupMembership, Operator
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/operators/"
ME = "/api/v1/operators/me/"


def detail(operator: Operator) -> str:
    return f"{URL}{operator.pk}/"


@pytest.fixture
def recorded():  # type: ignore[no-untyped-def]
    """Events emitted during the test, delivered as on commit."""
    seen: list[events.Event] = []
    for kind in (events.OperatorStatusChanged, events.CapacityFreed):
        events.subscribe(kind, seen.append)
    yield seen
    for kind in (events.OperatorStatusChanged, events.CapacityFreed):
        events.unsubscribe(kind, seen.append)


def test_admin_creates_an_operator_and_their_login(admin_api):
    # given
    sales, support = factories.GroupFactory(), factories.GroupFactory()
    # when
    response = admin_api.post(
        URL,
        {
            "username": "maria",
            "password": "a-long-enough-passphrase",
            "display_name": "Maria",
            "max_sessions": 4,
            "groups": [sales.pk, support.pk],
        },
    )
    # then
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["username"] == "maria"
    assert body["display_name"] == "Maria"
    assert body["max_sessions"] == 4
    assert body["groups"] == sorted([sales.pk, support.pk])
    assert body["status"] == "offline"
    assert body["active_sessions"] == 0
    assert "password" not in body
    user = get_user_model().objects.get(username="maria")
    assert user.check_password("a-long-enough-passphrase")
    assert Operator.objects.get(pk=body["id"]).user == user


def test_a_new_member_joins_the_end_of_the_round_robin_order(admin_api):
    group = factories.GroupFactory()
    first = factories.MembershipFactory(group=group, position=5).operator
    response = admin_api.post(
        URL, {"username": "late", "password": "a-long-enough-passphrase", "groups": [group.pk]}
    )
    assert response.status_code == 201
    order = GroupMembership.objects.filter(group=group).order_by("position")
    assert [m.operator_id for m in order] == [first.pk, response.json()["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"password": "ivanov-ivanov", "username": "ivanov-ivanov"}, "password"),
        ({"username": "bad name!"}, "username"),
        ({"groups": [424242]}, "groups"),
        ({"max_sessions": 1000}, "max_sessions"),
        ({"status": "sleeping"}, "status"),
    ],
)
def test_bad_operator_input_is_a_400(admin_api, payload, field):
    response = admin_api.post(
        URL, {"username": "newbie", "password": "a-long-enough-passphrase", **payload}
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Operator.objects.filter(user__username=payload.get("username", "newbie")).exists()


def test_a_taken_username_is_a_400(admin_api):
    factories.UserFactory(username="taken")
    response = admin_api.post(URL, {"username": "taken", "password": "a-long-enough-passphrase"})
    assert response.status_code == 400
    assert "username" in response.json()


def test_active_sessions_counts_only_active_ones(admin_api):
    operator = factories.OperatorFactory()
    factories.SessionFactory(operator=operator, status=SessionStatus.ACTIVE)
    factories.SessionFactory(operator=operator, status=SessionStatus.ACTIVE)
    factories.SessionFactory(
        operator=operator, status=SessionStatus.CLOSED, close_reason="resolved"
    )
    assert admin_api.get(detail(operator)).json()["active_sessions"] == 2


def test_admin_changes_groups_limit_and_password(admin_api):
    # given
    old, new = factories.GroupFactory(), factories.GroupFactory()
    operator = factories.MembershipFactory(group=old).operator
    # when
    response = admin_api.patch(
        detail(operator),
        {"groups": [new.pk], "max_sessions": None, "password": "another-fine-passphrase"},
    )
    # then
    assert response.status_code == 200, response.data
    assert response.json()["groups"] == [new.pk]
    assert response.json()["max_sessions"] is None
    operator.user.refresh_from_db()
    assert operator.user.check_password("another-fine-passphrase")


def test_supervisor_sees_and_limits_the_operators_of_their_groups(recorded):
    # given
    group = factories.GroupFactory()
    boss = factories.OperatorFactory()
    group.supervisors.add(boss)
    member = factories.MembershipFactory(group=group).operator
    stranger = factories.OperatorFactory()
    client = api_as(boss.user)
    # when
    ids = {o["id"] for o in client.get(URL).json()["results"]}
    response = client.patch(detail(member), {"max_sessions": 2, "status": "away"})
    # then
    assert ids == {boss.pk, member.pk}
    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.max_sessions, member.status) == (2, "away")
    assert client.get(detail(stranger)).status_code == 404


def test_supervisor_may_not_change_other_fields():
    group = factories.GroupFactory()
    boss = factories.OperatorFactory()
    group.supervisors.add(boss)
    member = factories.MembershipFactory(group=group).operator
    response = api_as(boss.user).patch(detail(member), {"display_name": "Renamed"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.display_name != "Renamed"


def test_operator_sees_themselves_and_colleagues_but_changes_nobody():
    # given
    group = factories.GroupFactory()
    me = factories.MembershipFactory(group=group).operator
    colleague = factories.MembershipFactory(group=group).operator
    outsider = factories.OperatorFactory()
    client = api_as(me.user)
    # when
    ids = {o["id"] for o in client.get(URL).json()["results"]}
    # then
    assert ids == {me.pk, colleague.pk}
    assert client.get(detail(outsider)).status_code == 404
    assert client.patch(detail(colleague), {"status": "offline"}).status_code == 403
    assert client.patch(detail(me), {"max_sessions": 99}).status_code == 403
    response = client.post(URL, {"username": "x", "password": "a-long-enough-passphrase"})
    assert response.status_code == 403


def test_operators_cannot_be_deleted_through_the_api(admin_api):
    operator = factories.OperatorFactory()
    assert admin_api.delete(detail(operator)).status_code == 405


def test_me_returns_the_callers_record():
    operator = factories.OperatorFactory(display_name="Olga")
    response = api_as(operator.user).get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == operator.pk
    assert response.json()["display_name"] == "Olga"


def test_me_sets_the_callers_status_and_announces_it(recorded, django_capture_on_commit_callbacks):
    # given
    operator = factories.MembershipFactory().operator
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(operator.user).patch(ME, {"status": "online"})
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "online"
    operator.refresh_from_db()
    assert operator.status == "online"
    assert events.OperatorStatusChanged(operator_id=operator.pk, status="online") in recorded
    freed = [e for e in recorded if isinstance(e, events.CapacityFreed)]
    assert freed and operator.memberships.get().group_id in freed[0].group_ids


def test_me_refuses_an_unknown_status():
    operator = factories.OperatorFactory()
    response = api_as(operator.user).patch(ME, {"status": "sleeping"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_me_is_404_for_a_user_without_an_operator_record():
    user = factories.UserFactory()
    assert api_as(user).get(ME).status_code == 404
    assert api_as(user).patch(ME, {"status": "online"}).status_code == 404


def test_me_needs_authentication(api_client):
    assert api_client.get(ME).status_code == 401


def test_setting_the_same_status_again_announces_nothing(django_capture_on_commit_callbacks):
    seen: list[events.Event] = []
    events.subscribe(events.OperatorStatusChanged, seen.append)
    try:
        operator = factories.OperatorFactory(status="away")
        with django_capture_on_commit_callbacks(execute=True):
            api_as(operator.user).patch(ME, {"status": "away"})
        assert seen == []
    finally:
        events.unsubscribe(events.OperatorStatusChanged, seen.append)


def test_me_lists_the_groups_i_supervise_so_my_inbox_shows_their_chats():
    # given Sveta, who supervises Support and Sales but answers in neither
    support, sales = factories.GroupFactory(name="Support"), factories.GroupFactory(name="Sales")
    sveta = factories.OperatorFactory(display_name="Sveta")
    support.supervisors.add(sveta)
    sales.supervisors.add(sveta)
    # when she reads her own record
    body = api_as(sveta.user).get(ME).json()
    # then the inbox knows which groups' chats to show her live
    assert body["supervised_groups"] == sorted([support.pk, sales.pk])
    assert body["groups"] == []
