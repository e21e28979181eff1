"""REST API of the knowledge base: kb/articles/, kb/import/, kb/match/ (permissions,
bad input as 400, the import updating by key, answers in the question's language)."""

from __future__ import annotations

import pytest

from kb.models import Article, Phrase
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/kb/articles/"
IMPORT = "/api/v1/kb/import/"
MATCH = "/api/v1/kb/match/"

NEW = {
    "key": "crypto",
    "titles": {"ru": "Криптовалюта", "en": "Crypto"},
    "answers": {"ru": "Криптовалюту не принимаем.", "en": "We take no crypto."},
    "phrases": ["можно платить биткоином", "do you take bitcoin"],
}


@pytest.fixture
def operator_api():  # type: ignore[no-untyped-def]
    return api_as(factories.OperatorFactory().user)


def test_an_admin_creates_an_article_and_an_operator_reads_it(admin_api, operator_api):
    created = admin_api.post(ARTICLES, NEW, format="json")

    assert created.status_code == 201
    assert created.data["key"] == "crypto" and created.data["enabled"] is True
    assert created.data["phrases"] == ["можно платить биткоином", "do you take bitcoin"]
    listed = operator_api.get(ARTICLES)
    assert listed.status_code == 200 and listed.data["count"] == 1
    [article] = listed.data["results"]
    assert article["titles"] == {"ru": "Криптовалюта", "en": "Crypto"}
    assert Phrase.objects.get(text="do you take bitcoin").language == "en"


def test_an_operator_may_not_write(operator_api, admin_api):
    article_id = admin_api.post(ARTICLES, NEW, format="json").data["id"]

    assert operator_api.post(ARTICLES, {**NEW, "key": "x"}, format="json").status_code == 403
    patched = operator_api.patch(f"{ARTICLES}{article_id}/", {"enabled": False}, format="json")
    assert patched.status_code == 403
    assert operator_api.delete(f"{ARTICLES}{article_id}/").status_code == 403
    assert operator_api.post(IMPORT, [], format="json").status_code == 403
    assert Article.objects.get(pk=article_id).enabled is True


def test_a_user_without_a_role_and_an_anonymous_caller_are_refused(api_client):
    plain = api_as(factories.UserFactory())

    assert plain.get(ARTICLES).status_code == 403
    assert plain.post(MATCH, {"text": "hi"}, format="json").status_code == 403
    assert api_client.get(ARTICLES).status_code == 401
    assert api_client.post(MATCH, {"text": "hi"}, format="json").status_code == 401


def test_patch_changes_fields_and_replaces_phrases_and_delete_removes(admin_api):
    article_id = admin_api.post(ARTICLES, NEW, format="json").data["id"]

    patched = admin_api.patch(
        f"{ARTICLES}{article_id}/",
        {"answers": {"en": "Still no crypto."}, "phrases": ["bitcoin?"], "enabled": False},
        format="json",
    )

    assert patched.status_code == 200
    assert patched.data["answers"] == {"ru": "Криптовалюту не принимаем.", "en": "Still no crypto."}
    assert patched.data["phrases"] == ["bitcoin?"] and patched.data["enabled"] is False
    assert admin_api.delete(f"{ARTICLES}{article_id}/").status_code == 204
    assert not Article.objects.exists() and not Phrase.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "key": "has space"}, "key"),
        ({**NEW, "answers": {"ru": "", "en": ""}}, "answers"),
        ({**NEW, "answers": {"de": "Nein"}}, "answers"),
        ({**NEW, "phrases": "not a list"}, "phrases"),
        ({**NEW, "phrases": [1, 2]}, "phrases"),
        ({**NEW, "enabled": "yes"}, "enabled"),
        ({**NEW, "titles": {"ru": "x" * 301}}, "titles"),
    ],
)
def test_bad_articles_answer_400_naming_the_field(admin_api, body, field):
    response = admin_api.post(ARTICLES, body, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert not Article.objects.exists()


def test_a_repeated_key_is_a_400(admin_api):
    admin_api.post(ARTICLES, NEW, format="json")

    response = admin_api.post(ARTICLES, NEW, format="json")

    assert response.status_code == 400 and "key" in response.data


def test_import_creates_then_updates_by_key_keeping_phrasings(admin_api, demo_items):
    first = admin_api.post(IMPORT, demo_items, format="json")
    changed = [{**demo_items[0], "answer_en": "Delivery is free now.", "phrases": ["ship free?"]}]
    second = admin_api.post(IMPORT, changed, format="json")

    assert first.status_code == 200 and first.data == {"created": 40, "updated": 0}
    assert second.status_code == 200 and second.data == {"created": 0, "updated": 1}
    article = Article.objects.get(key="delivery_cost")
    assert article.answer_en == "Delivery is free now."
    assert article.phrases.count() == 9  # the 8 imported kept, the new one added
    assert set(article.phrases.values_list("source", flat=True)) == {"seed"}


def test_import_with_bad_items_names_them_and_writes_nothing(admin_api, demo_items):
    items = [demo_items[0], {"id": "bad id!", "answer_en": "x"}, "nope", {"title_en": "No id"}]

    response = admin_api.post(IMPORT, items, format="json")

    assert response.status_code == 400
    problems = response.data["items"]
    assert len(problems) == 3
    assert problems[0].startswith("Item 1 (bad id!)")
    assert problems[1].startswith("Item 2") and problems[2].startswith("Item 3")
    assert not Article.objects.exists()


@pytest.mark.parametrize("body", [{}, {"items": []}, [], "text"])
def test_import_of_something_that_is_no_list_is_a_400(admin_api, body):
    assert admin_api.post(IMPORT, body, format="json").status_code == 400


def test_match_answers_matches_and_the_answer_in_the_texts_language(operator_api, demo_kb):
    response = operator_api.post(MATCH, {"text": "skolko stoit dostavka?"}, format="json")

    assert response.status_code == 200
    assert len(response.data["matches"]) == 3
    top = response.data["matches"][0]
    assert top["key"] == "delivery_cost" and set(top) == {"article", "key", "score"}
    answer = response.data["answer"]
    assert answer["article"] == top["article"] and answer["key"] == "delivery_cost"
    assert answer["language"] == "ru" and answer["text"].startswith("Доставка курьером")


def test_match_in_a_given_language_and_out_of_scope(operator_api, demo_kb):
    english = operator_api.post(
        MATCH, {"text": "сколько стоит доставка", "language": "en"}, format="json"
    )
    nothing = operator_api.post(MATCH, {"text": "как приготовить борщ"}, format="json")

    assert english.data["answer"]["language"] == "en"
    assert english.data["answer"]["text"].startswith("Courier delivery")
    assert nothing.status_code == 200 and nothing.data["answer"] is None


@pytest.mark.parametrize(
    "body", [{}, {"text": 5}, {"text": "x" * 4001}, {"text": "hi", "language": "de"}, []]
)
def test_match_with_bad_input_is_a_400(operator_api, body):
    assert operator_api.post(MATCH, body, format="json").status_code == 400


def test_the_schema_lists_the_knowledge_base(admin_api):
    paths = admin_api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]

    assert {"/api/v1/kb/articles/", "/api/v1/kb/import/", "/api/v1/kb/match/"} <= set(paths)
