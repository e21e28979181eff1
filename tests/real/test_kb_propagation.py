"""An article changed through one Daphne process is answered by another within a
second: two processes of the product on one PostgreSQL and one Redis, as in production
(the change travels as a version and a list of articles in Redis, and each process
patches its index)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from kb.models import Article
from kb.services import articles
from tests import factories
from tests.real.support import real
from tests.real.test_two_daphnes import two_daphnes

__all__ = ["two_daphnes"]  # fixtures

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

DEMO = Path(__file__).resolve().parents[2] / "kb" / "fixtures" / "demo_kb.json"


def _call(port: int, token: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def _answer(port: int, token: str, question: str) -> str | None:
    found = _call(port, token, "POST", "/api/v1/kb/match/", {"text": question, "language": "ru"})
    return found["answer"]["text"] if found["answer"] else None


def test_an_edit_through_one_process_is_answered_by_the_other_within_a_second(two_daphnes):
    # given the demo articles, and both processes answering a question from them
    first, second = two_daphnes
    articles.articles_import(items=json.loads(DEMO.read_text(encoding="utf-8")))
    token = Token.objects.create(user=factories.AdminUserFactory()).key
    question = "сколько стоит доставка курьером"
    before = _answer(second, token, question)
    assert before is not None and before.startswith("Доставка курьером")
    assert _answer(first, token, question) == before
    pk = Article.objects.get(key="delivery_cost").pk

    for attempt in range(3):
        # when an admin edits the article's answer through the first process
        text = f"Доставка курьером теперь стоит {199 + attempt} ₽."
        started = time.monotonic()
        _call(first, token, "PATCH", f"/api/v1/kb/articles/{pk}/", {"answers": {"ru": text}})

        # then the second process answers with the new text within a second
        while _answer(second, token, question) != text:
            assert time.monotonic() - started < 1.0, "the change took over a second"
            time.sleep(0.01)
        assert _answer(first, token, question) == text
