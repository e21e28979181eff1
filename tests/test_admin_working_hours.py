"""Working hours in the admin are the group's local hours, and the page says so, instead
of Django's "You are N hours ahead of server time" (browser against server), which is
beside the point for hours kept in the group's own time zone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from routing.models import Group, WorkingHours
from tests import factories
from tests.test_admin import inline_management, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def input_types(page: str, name: str) -> set[str]:
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tags, f"no input {name}"
    return {re.search(r'type="([^"]+)"', tag).group(1) for tag in tags}  # type: ignore[union-attr]


def test_the_hours_are_picked_with_the_browser_s_own_inputs(admin_client: Client) -> None:
    # given a group open on Mondays, with a holiday
    group = factories.GroupFactory(time_zone="Asia/Vladivostok")
    WorkingHours.objects.create(group=group, weekday=0, start="09:00", end="18:00")
    group.holidays.create(date="2030-01-01", name="New year")
    # when its page is opened
    page = admin_client.get(url(Group, "change", group.pk)).content.decode()
    # then hours and dates are plain time and date inputs, which the admin's clock
    # script (the one that writes the server-time note) leaves alone
    assert input_types(page, "working_hours-0-start") == {"time"}
    assert input_types(page, "working_hours-0-end") == {"time"}
    assert input_types(page, "holidays-0-date") == {"date"}
    assert 'value="09:00"' in page
    assert 'value="2030-01-01"' in page
    assert "vTimeField" not in page
    assert "vDateField" not in page


def test_the_hours_say_they_are_in_the_group_s_time_zone(admin_client: Client) -> None:
    # given a group in Vladivostok
    group = factories.GroupFactory(time_zone="Asia/Vladivostok")
    # when its page is opened in English and in Russian
    english = admin_client.get(url(Group, "change", group.pk)).content.decode()
    russian = admin_client.get(
        url(Group, "change", group.pk), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    # then the hours are said to be in that zone, by name
    assert "Working hours (Asia/Vladivostok time)" in english
    assert "In the group&#x27;s time zone, Asia/Vladivostok." in english
    assert "Часы работы (по времени Asia/Vladivostok)" in russian
    assert "часовом поясе группы: Asia/Vladivostok." in russian


def test_a_new_group_s_hours_point_to_the_zone_chosen_above(admin_client: Client) -> None:
    # when the add page is opened
    page = admin_client.get(url(Group, "add")).content.decode()
    # then the hours refer to the zone picked in the form
    assert "In the group&#x27;s time zone, chosen above." in page


def test_hours_from_the_time_inputs_are_stored_as_typed(admin_client: Client) -> None:
    # given a group in Moscow
    group = factories.GroupFactory(name="Sales", time_zone="Europe/Moscow")
    data = {
        "name": "Sales",
        "routing_strategy": "least_busy",
        "default_max_sessions": 3,
        "time_zone": "Europe/Moscow",
        "sla_target_s": 60,
        "abandon_after_s": 120,
        **inline_management("memberships"),
        **inline_management("working_hours", total=1),
        "working_hours-0-weekday": 4,
        "working_hours-0-start": "08:30",
        "working_hours-0-end": "17:15",
        **inline_management("holidays", total=1),
        "holidays-0-date": "2030-05-09",
        "holidays-0-name": "Victory day",
    }
    # when the browser's time and date inputs send their values
    response = admin_client.post(url(Group, "change", group.pk), data)
    # then they are the group's local hours, unchanged
    assert response.status_code == 302, response.content.decode()[:2000]
    hours = WorkingHours.objects.get(group=group)
    assert (f"{hours.start:%H:%M}", f"{hours.end:%H:%M}") == ("08:30", "17:15")
    assert str(group.holidays.get().date) == "2030-05-09"
