"""The knowledge base in the admin: the list with "try a question" (ranking and why),
articles with inline phrasings saved through the services (and matched at once), the
JSON import of a file with its errors, and the export action."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kb.matcher import semantic
from kb.models import Article, Phrase
from kb.services import matching

pytestmark = pytest.mark.django_db

LIST = "/admin/kb/article/"


def test_try_a_question_shows_the_ranking_why_and_the_answer(admin_client, demo_kb):
    response = admin_client.get(LIST, {"try": "skolko stoit dostavka"})

    assert response.status_code == 200
    page = response.content.decode()
    rows = response.context["try_result"]["rows"]
    assert rows[0]["match"].key == "delivery_cost" and rows[0]["answers"] is True
    assert rows[0]["match"].phrase  # the phrasing that matched
    assert any(value > 0 for _name, value in rows[0]["parts"])
    assert "Доставка курьером" in page  # the answer, in the question's language


def test_try_an_out_of_scope_question_says_no_match(admin_client, demo_kb):
    response = admin_client.get(LIST, {"try": "как приготовить борщ"})

    assert response.context["try_result"]["answer"] == ""
    assert "No match" in response.content.decode()


def test_an_article_with_inline_phrasings_is_saved_and_matched_at_once(admin_client):
    response = admin_client.post(
        "/admin/kb/article/add/",
        {
            "key": "crypto",
            "enabled": "on",
            "title_ru": "Криптовалюта",
            "answer_ru": "Криптовалюту не принимаем.",
            "title_en": "Crypto",
            "answer_en": "We take no crypto.",
            "phrases-TOTAL_FORMS": "2",
            "phrases-INITIAL_FORMS": "0",
            "phrases-0-text": "можно платить биткоином",
            "phrases-1-text": "do you take bitcoin",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(key="crypto")
    assert sorted(article.phrases.values_list("language", "source")) == [
        ("en", "admin"),
        ("ru", "admin"),
    ]
    assert matching.match("do you take bitcoin").answer.key == "crypto"


def test_the_import_takes_a_file_and_names_bad_items(admin_client, demo_items):
    good = SimpleUploadedFile("kb.json", json.dumps(demo_items).encode(), "application/json")
    bad = SimpleUploadedFile("bad.json", b'[{"id": "x y"}]', "application/json")
    broken = SimpleUploadedFile("broken.json", b"not json", "application/json")

    imported = admin_client.post("/admin/kb/article/import/", {"file": good})
    refused = admin_client.post("/admin/kb/article/import/", {"file": bad})
    unreadable = admin_client.post("/admin/kb/article/import/", {"file": broken})

    assert imported.status_code == 302 and Article.objects.count() == 40
    assert refused.status_code == 200 and "Item 0 (x y)" in refused.content.decode()
    assert unreadable.status_code == 200 and "not JSON" in unreadable.content.decode()


def test_the_export_action_downloads_the_import_format(admin_client, demo_kb):
    chosen = list(
        Article.objects.filter(key__in=["delivery_cost", "trade_in"]).values_list("pk", flat=True)
    )

    response = admin_client.post(
        LIST, {"action": "export_json", "_selected_action": [str(pk) for pk in chosen]}
    )

    assert response["Content-Disposition"].startswith("attachment")
    items = json.loads(response.content)
    assert [item["id"] for item in items] == ["delivery_cost", "trade_in"]
    assert items[0]["phrases"][0] == demo_kb[0]["phrases"][0]
    assert set(items[0]) >= {"id", "title_ru", "title_en", "answer_ru", "answer_en", "phrases"}


def test_disabling_through_the_action_takes_the_article_out_of_matching(admin_client, demo_kb):
    article = Article.objects.get(key="delivery_cost")

    admin_client.post(LIST, {"action": "disable", "_selected_action": [str(article.pk)]})

    assert Article.objects.get(pk=article.pk).enabled is False
    assert "delivery_cost" not in [m.key for m in matching.match("сколько стоит доставка").matches]
    assert Phrase.objects.filter(article=article).count() == 8


@pytest.mark.skipif(not semantic.available(), reason="the semantic extra is not installed")
def test_try_a_question_names_the_semantic_parts(admin_client, demo_kb, settings):
    settings.KB_SEMANTIC = "auto"
    matching.index_reset()

    response = admin_client.get(LIST, {"try": "what's the fee to ship my parcel"})

    names = [str(name) for name, _value in response.context["try_result"]["rows"][0]["parts"]]
    assert "titles and phrasings, meaning" in names
