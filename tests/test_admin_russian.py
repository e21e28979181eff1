"""The admin in Russian reads as Russian: Django builds its titles, buttons, messages and
confirmations by putting a model's name (in the nominative) into a phrase made for the
accusative ("Изменить группа", "Добавить еще один Часы работы"). Our catalogue words
those phrases so that the nominative fits; these tests walk every page of every model
and look for the broken forms Django's own catalogue would give."""

from __future__ import annotations

import gettext
import html
import json
import re
from pathlib import Path
from typing import Any

import django
import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import capfirst

from routing.models import Group, Operator, RoutingRule
from tests import factories
from tests.test_admin import REGISTERED, some_of_everything, url  # noqa: F401

pytestmark = pytest.mark.django_db

DJANGO_RU = Path(django.__file__).parent / "contrib/admin/locale/ru/LC_MESSAGES/django.mo"

# Django's phrases that take a model's name, with the name's part of the phrase.
SINGULAR_PHRASES = [
    ("Add %s", lambda name: name),
    ("Change %s", lambda name: name),
    ("View %s", lambda name: name),
    ("Select %s to change", lambda name: name),
    ("Select %s to view", lambda name: name),
    ("Add %(name)s", lambda name: {"name": name}),
    ("Add another %(verbose_name)s", lambda name: {"verbose_name": capfirst(name)}),
]
PLURAL_PHRASES = [
    ("Delete selected %(verbose_name_plural)s", lambda name: {"verbose_name_plural": name}),
    (
        "Select all %(total_count)s %(module_name)s",
        lambda name: {"total_count": 1, "module_name": name},
    ),
]


def django_russian(msgid: str) -> str:
    with DJANGO_RU.open("rb") as mo:
        return gettext.GNUTranslations(mo).gettext(msgid)


def broken_forms(model: Any) -> list[str]:
    """What Django's own Russian catalogue would print for this model."""
    with translation.override("ru"):
        name = str(model._meta.verbose_name)
        plural = str(model._meta.verbose_name_plural)
    forms = [django_russian(msgid) % value(name) for msgid, value in SINGULAR_PHRASES]
    forms += [django_russian(msgid) % value(plural) for msgid, value in PLURAL_PHRASES]
    # Without the leading verb: what is left must still not be "удалить группа".
    forms += [f"удалить {name} ", f"удалить {name}\xa0", f"Удалить выбранные {plural}"]
    return forms


def inline_add_texts(page: str) -> list[str]:
    """The "Add another …" links of the inlines, which the admin's script draws."""
    return [
        json.loads(html.unescape(data))["options"]["addText"]
        for data in re.findall(r'data-inline-formset="([^"]+)"', page)
    ]


@pytest.fixture
def russian_admin(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    return client


def pages_of(model: Any, obj: Any, model_admin: Any, request: Any) -> list[str]:
    urls = [url(model, "changelist")]
    if model_admin.has_add_permission(request):
        urls.append(url(model, "add"))
    if obj is not None:
        urls += [url(model, "change", quote(obj.pk)), url(model, "history", quote(obj.pk))]
        if model_admin.has_delete_permission(request, obj):
            urls.append(url(model, "delete", quote(obj.pk)))
    return urls


@pytest.mark.usefixtures("some_of_everything")
@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[model._meta.label for model, _ in REGISTERED]
)
def test_no_admin_page_puts_a_model_name_in_the_wrong_case(
    russian_admin: Client, model: Any, model_admin: Any
) -> None:
    # given a record of every kind, and the phrases Django's catalogue would make of it
    broken = broken_forms(model)
    obj = model._default_manager.first()
    listing = russian_admin.get(url(model, "changelist"))
    # when the list, add, change, history and delete pages are opened in Russian
    for address in pages_of(model, obj, model_admin, listing.wsgi_request):
        response = russian_admin.get(address)
        assert response.status_code == 200, address
        page = response.content.decode()
        texts = [page, *inline_add_texts(page)]
        # then none of the broken forms is there, in the page or in its inlines' links
        for text in texts:
            found = [form for form in broken if form in text]
            assert not found, f"{address}: {found}"


def test_the_russian_titles_name_the_model_after_the_action(russian_admin: Client) -> None:
    # given an operator group
    group = factories.GroupFactory(name="Support")
    # when its list, add and change pages are opened in Russian
    listing = russian_admin.get(url(Group, "changelist")).content.decode()
    adding = russian_admin.get(url(Group, "add")).content.decode()
    changing = russian_admin.get(url(Group, "change", group.pk)).content.decode()
    # then the titles read "action: what"
    assert "Выберите запись для изменения: группа операторов" in listing
    assert "Добавить: группа операторов" in listing
    assert "<h1>Добавление: группа операторов</h1>" in adding
    assert "<h1>Изменение: группа операторов</h1>" in changing
    assert "Добавить запись «Часы работы»" in inline_add_texts(adding)


def test_the_saved_and_deleted_messages_agree_in_gender(russian_admin: Client) -> None:
    # when an operator group is added, changed and deleted in Russian
    added = russian_admin.post(
        url(Group, "add"),
        {
            "name": "Продажи",
            "routing_strategy": "least_busy",
            "default_max_sessions": 3,
            "time_zone": "UTC",
            "sla_target_s": 60,
            "abandon_after_s": 120,
            **{
                f"{p}-{k}": v
                for p in ("memberships", "working_hours", "holidays")
                for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
            },
        },
        follow=True,
    )
    group = Group.objects.get(name="Продажи")
    deleted = russian_admin.post(url(Group, "delete", group.pk), {"post": "yes"}, follow=True)
    # then the messages speak of a record ("запись … добавлена"), never "группа … был"
    said = [strip_tags(str(m)) for r in (added, deleted) for m in r.context["messages"]]
    assert said == [
        "Запись «Продажи» (группа операторов) добавлена.",
        "Запись «Продажи» (группа операторов) удалена.",
    ]


def test_the_delete_confirmation_reads_naturally(russian_admin: Client) -> None:
    # given an operator group
    group = factories.GroupFactory(name="Support")
    # when its deletion is asked for in Russian
    page = russian_admin.get(url(Group, "delete", group.pk)).content.decode()
    # then the question names the record and its kind
    assert "Удалить запись «Support» (группа операторов)?" in page


def test_every_model_has_a_russian_name() -> None:
    # given every model the admin shows
    with translation.override("ru"):
        names = {
            model._meta.label: (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
            for model in admin.site._registry
        }
    # then each is named in Cyrillic (an English name would sit in a Russian sentence)
    cyrillic = re.compile("[\u0430-\u044f\u0451]")
    latin = {label: pair for label, pair in names.items() if not cyrillic.search(pair[1])}
    assert latin == {}


def test_the_bulk_delete_speaks_of_records(russian_admin: Client) -> None:
    # given two operators (an animate noun: "удалить операторы" would be wrong)
    operators = [factories.OperatorFactory(), factories.OperatorFactory()]
    ids = [op.pk for op in operators]
    # when their deletion is asked for, then confirmed
    asked = russian_admin.post(
        url(Operator, "changelist"),
        {"action": "delete_selected", admin.helpers.ACTION_CHECKBOX_NAME: ids},
    ).content.decode()
    done = russian_admin.post(
        url(Operator, "changelist"),
        {"action": "delete_selected", admin.helpers.ACTION_CHECKBOX_NAME: ids, "post": "yes"},
        follow=True,
    )
    # then the question and the message name the records and their kind
    assert "Удалить выбранные записи (операторы)?" in asked
    said = [strip_tags(str(m)) for m in done.context["messages"]]
    assert said == ["Удалено записей: 2 (операторы)."]


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "1 запись (правило маршрутизации) изменена."),
        (2, "2 записи (правила маршрутизации) изменены."),
        (5, "5 записей (правила маршрутизации) изменены."),
    ],
)
def test_changes_made_in_the_list_are_counted_in_russian(
    russian_admin: Client, count: int, message: str
) -> None:
    # given routing rules, edited right in their list
    rules = [RoutingRule.objects.create(name=f"R{n}", position=n, priority=1) for n in range(count)]
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": count,
        "form-INITIAL_FORMS": count,
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for n, rule in enumerate(rules):
        data |= {f"form-{n}-id": rule.pk, f"form-{n}-position": n + 10, f"form-{n}-is_active": "on"}
    # when the list is saved
    response = russian_admin.post(url(RoutingRule, "changelist"), data, follow=True)
    assert not response.context["cl"].formset.errors, response.context["cl"].formset.errors
    # then the message counts records with the right Russian plural
    assert [strip_tags(str(m)) for m in response.context["messages"]] == [message]
