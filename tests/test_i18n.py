"""English and Russian: the admin speaks the browser's language, and the Russian catalogue
is complete."""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from routing.models import Operator

pytestmark = pytest.mark.django_db

RU_PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_the_admin_index_is_in_russian_for_a_russian_browser(
    client: Client, admin_user: Any
) -> None:
    # given an admin whose browser asks for Russian
    client.force_login(admin_user)
    # when the admin index is opened
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then the site, the apps and our models are named in Russian
    assert "Администрирование контакт-центра" in html
    assert "Маршрутизация" in html
    assert "Операторы" in html
    assert "Каналы" in html
    assert "Contact center administration" not in html


def test_the_admin_index_is_in_english_for_an_english_browser(
    client: Client, admin_user: Any
) -> None:
    # given an admin whose browser asks for English
    client.force_login(admin_user)
    # when the admin index is opened
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then it is in English
    assert "Contact center administration" in html
    assert "Operators" in html
    assert "Операторы" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "Администрирование контакт-центра"), ("en", "Contact center administration")],
)
def test_the_admin_login_page_speaks_the_browser_language(
    client: Client, language: str, expected: str
) -> None:
    # when a visitor opens the admin login page
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language)
    # then its header is in their language
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_the_group_form_labels_and_help_are_in_russian(client: Client, admin_user: Any) -> None:
    # given a Russian-speaking admin
    client.force_login(admin_user)
    # when the group form is opened
    html = client.get(
        reverse("admin:routing_group_add"), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    # then its sections, labels and help texts are in Russian
    assert "Тайм-ауты и целевые показатели" in html
    assert "Стратегия распределения" in html
    assert "Часы работы" in html


def test_plural_messages_take_the_three_russian_forms() -> None:
    # given the Russian catalogue
    text = "%(count)d operator is now %(status)s."
    plural = "%(count)d operators are now %(status)s."
    # when one, a few and many operators are counted
    with translation.override("ru"):
        forms = [
            translation.ngettext(text, plural, n) % {"count": n, "status": "x"}
            for n in (1, 3, 5, 21)
        ]
    # then each takes its own form
    assert [form.split(" ")[1] for form in forms] == [
        "оператор",
        "оператора",
        "операторов",
        "оператор",
    ]


def test_model_names_are_translated() -> None:
    with translation.override("ru"):
        assert str(Operator._meta.verbose_name_plural) == "операторы"
    with translation.override("en"):
        assert str(Operator._meta.verbose_name_plural) == "operators"


def test_the_russian_catalogue_has_no_empty_or_fuzzy_translation() -> None:
    # given the Russian catalogue as committed
    text = RU_PO.read_text(encoding="utf-8")
    # then no entry is fuzzy and every msgstr has text (the header aside)
    assert "#, fuzzy" not in text
    empty = re.findall(r'^(msgstr(?:\[\d\])? "")\n(?!")', text, flags=re.MULTILINE)
    assert empty == []
    assert "nplurals=3;" in text


def test_the_compiled_catalogue_holds_every_entry_of_the_source() -> None:
    # given the text catalogue and the compiled one
    entries = len(re.findall(r"^msgid ", RU_PO.read_text(encoding="utf-8"), re.MULTILINE)) - 1
    with RU_PO.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # then every entry was compiled (run compilemessages after editing the .po)
    msgids = {key if isinstance(key, str) else key[0] for key in compiled._catalog}  # type: ignore[attr-defined]
    assert len(msgids - {""}) == entries
