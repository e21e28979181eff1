"""The admin index as a newcomer meets it: sections in the order of a contact center's
work, no two sections or models with the same name, the machinery last."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group as Role
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from contactcenter.adminsite import app_list_arrange
from routing.models import Group
from tests.test_admin import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def index(client: Client, language: str) -> list[dict[str, Any]]:
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return [
        {"name": str(app["name"]), "models": [str(m["name"]) for m in app["models"]]}
        for app in response.context["app_list"]
    ]


def test_the_index_goes_from_channels_to_the_system(admin_client: Client) -> None:
    # when an admin opens the index
    sections = index(admin_client, "en")
    # then the sections follow a contact center's work, the scheduled jobs last
    assert [s["name"] for s in sections] == [
        "Channels and conversations",
        "Routing",
        "Bots and automation",
        "Knowledge base",
        "CRM",
        "Users and roles",
        "System: scheduled jobs",
    ]
    assert sections[0]["models"][0] == "Channels"
    assert sections[1]["models"][:2] == ["Operator groups", "Operators"]
    assert sections[5]["models"] == ["Users", "Roles (user groups)", "API tokens"]
    assert sections[-1]["models"][0] == "Periodic tasks"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_two_sections_or_models_share_a_name(admin_client: Client, language: str) -> None:
    # when the index is opened in either language
    sections = index(admin_client, language)
    # then every section and every model has a name of its own
    section_names = [s["name"] for s in sections]
    model_names = [name for s in sections for name in s["models"]]
    assert len(set(section_names)) == len(section_names)
    assert len(set(model_names)) == len(model_names), sorted(model_names)


def test_every_registered_model_is_in_the_index(admin_client: Client) -> None:
    # when the index is opened
    shown = [name for s in index(admin_client, "en") for name in s["models"]]
    # then every model of the admin is there, once
    assert len(shown) == len(admin.site._registry)


def test_the_russian_index_names_roles_and_operator_groups_apart(admin_client: Client) -> None:
    # when a Russian-speaking admin opens the index
    sections = {s["name"]: s["models"] for s in index(admin_client, "ru")}
    # then the two kinds of group have names that say what they are
    assert "Группы операторов" in sections["Маршрутизация"]
    assert "Роли (группы пользователей)" in sections["Пользователи и роли"]
    assert "Периодические задачи" in sections["Система: задания по расписанию"]
    assert next(iter(sections)) == "Каналы и диалоги"


def test_the_breadcrumbs_and_section_pages_use_the_same_names(admin_client: Client) -> None:
    # when the roles list and the users-and-roles section page are opened
    listing = admin_client.get(url(Role, "changelist")).content.decode()
    section = admin_client.get(reverse("admin:app_list", args=["auth"]))
    # then they name the section and the model as the index does
    assert "Users and roles" in listing
    assert "Select role (user group) to change" in listing
    assert [str(m["name"]) for m in section.context["app_list"][0]["models"]] == [
        "Users",
        "Roles (user groups)",
    ]


def test_the_schedule_stays_editable_in_the_admin(admin_client: Client) -> None:
    # given the periodic jobs the migrations scheduled
    task = PeriodicTask.objects.first()
    assert task is not None
    # when an admin opens one
    page = admin_client.get(url(PeriodicTask, "change", task.pk))
    # then it can be changed there
    assert page.status_code == 200
    assert page.context["has_change_permission"]


def test_a_user_s_permission_groups_are_called_roles(admin_client: Client, admin_user: Any) -> None:
    # when a user's page is opened
    page = admin_client.get(url(type(admin_user), "change", admin_user.pk))
    # then the field that holds their permission groups is called roles
    form = page.context["adminform"].form
    assert str(form.fields["groups"].label) == "Roles"
    assert "operator groups" in str(form.fields["groups"].help_text)


def test_an_unknown_section_lands_before_the_system_one() -> None:
    # given the sections of an app added later, unknown to the order
    def app(label: str, name: str, *models: str) -> dict[str, Any]:
        return {
            "app_label": label,
            "name": name,
            "models": [{"object_name": m, "name": m} for m in models],
        }

    arranged = app_list_arrange(
        {
            "django_celery_beat": app("django_celery_beat", "System", "PeriodicTask"),
            "zoo": app("zoo", "Zoo", "Zebra", "Ant"),
            "inbox": app("inbox", "Channels", "Message", "Channel"),
        },
        merge=True,
    )
    # then it comes after the known ones and before the system, its models by name
    assert [a["app_label"] for a in arranged] == ["inbox", "zoo", "django_celery_beat"]
    assert [m["name"] for m in arranged[0]["models"]] == ["Channel", "Message"]
    assert [m["name"] for m in arranged[1]["models"]] == ["Ant", "Zebra"]


def test_the_operator_group_keeps_its_api_name() -> None:
    # the admin says "operator group"; the API and the table stay "group"
    assert Group._meta.model_name == "group"
    assert str(Group._meta.verbose_name) == "operator group"
