"""routing.services: groups, operators and channels at the service level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from contactcenter import events
from routing import services
from routing.models import Group, Operator, OperatorStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def freed():  # type: ignore[no-untyped-def]
    seen: list[events.CapacityFreed] = []
    events.subscribe(events.CapacityFreed, seen.append)
    yield seen
    events.unsubscribe(events.CapacityFreed, seen.append)


def test_a_higher_group_limit_announces_capacity(freed, django_capture_on_commit_callbacks):
    group = factories.GroupFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.group_update(group=group, data={"default_max_sessions": 9})
    assert freed == [events.CapacityFreed(group_ids=(group.pk,))]


def test_a_new_offline_message_announces_nothing(freed, django_capture_on_commit_callbacks):
    group = factories.GroupFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.group_update(group=group, data={"offline_message": "Closed"})
    assert freed == []


def test_a_failed_group_update_changes_nothing():
    group = factories.GroupFactory(name="Keep", default_max_sessions=3)
    bad_hours = [{"weekday": 0, "start": dt.time(18), "end": dt.time(9)}]
    with pytest.raises(ValidationError):
        services.group_update(
            group=group, data={"default_max_sessions": 8, "working_hours": bad_hours}
        )
    group.refresh_from_db()
    assert group.default_max_sessions == 3
    assert group.always_open is True


def test_a_member_listed_twice_is_refused():
    operator = factories.OperatorFactory()
    with pytest.raises(ValidationError):
        services.group_create(name="Twice", members=[operator, operator])
    assert not Group.objects.filter(name="Twice").exists()


def test_holidays_are_replaced_keeping_existing_names():
    group = factories.GroupFactory()
    group.holidays.create(date=dt.date(2025, 1, 1), name="New year")
    services.group_update(
        group=group, data={"holidays": [dt.date(2025, 1, 1), dt.date(2025, 5, 9)]}
    )
    assert list(group.holidays.values_list("date", "name")) == [
        (dt.date(2025, 1, 1), "New year"),
        (dt.date(2025, 5, 9), ""),
    ]


def test_an_operator_created_online_is_announced(django_capture_on_commit_callbacks):
    seen: list[events.Event] = []
    events.subscribe(events.OperatorStatusChanged, seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            operator = services.operator_create(
                username="eva", password="a-long-enough-passphrase", status="online"
            )
    finally:
        events.unsubscribe(events.OperatorStatusChanged, seen.append)
    assert operator.status == OperatorStatus.ONLINE
    assert seen == [events.OperatorStatusChanged(operator_id=operator.pk, status="online")]


def test_a_weak_password_creates_no_user():
    with pytest.raises(ValidationError) as error:
        services.operator_create(username="eva", password="eva")
    assert "password" in error.value.message_dict
    assert not Operator.objects.exists()


def test_a_changed_username_must_be_free():
    factories.UserFactory(username="taken")
    operator = factories.OperatorFactory()
    with pytest.raises(ValidationError) as error:
        services.operator_update(operator=operator, data={"username": "taken"})
    assert "username" in error.value.message_dict


def test_a_channel_keeps_its_origins_when_config_leaves_them_out():
    channel = services.channel_create(
        type="widget", name="Site", allowed_origins=["https://a.example"]
    )
    services.channel_update(channel=channel, data={"config": {"color": "red"}})
    channel.refresh_from_db()
    assert channel.allowed_origins == ["https://a.example"]
    assert channel.config == {"color": "red"}
