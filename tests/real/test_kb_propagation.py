"""An article changed through one Daphne process is answered by another within a
second: two processes of the product on one PostgreSQL and one Redis, as in production
(the change travels as a version and a list of articles in Redis, and each process
patches its index)."""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from kb.models import Article
from kb.services import articles
from tests import factories
from tests.real.support import Process, free_port, real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

DEMO = Path(__file__).resolve().parents[2] / "kb" / "fixtures" / "demo_kb.json"


def _start(env: dict[str, str]) -> tuple[Process, int]:
    port = free_port()
    args = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    server = Process([*args, "contactcenter.asgi:application"], env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server, port
        except OSError:
            pass
        if server.popen.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"daphne did not come up:\n{server.output()}")
        time.sleep(0.2)


@pytest.fixture
def two_processes(product_env: dict[str, str]) -> Iterator[tuple[int, int]]:
    env = {**product_env, "CHANNEL_LAYER_PREFIX": f"t{secrets.token_hex(4)}"}
    first, first_port = _start(env)
    try:
        second, second_port = _start(env)
        try:
            yield first_port, second_port
        finally:
            second.stop()
    finally:
        first.stop()


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


def test_an_edit_through_one_process_is_answered_by_the_other_within_a_second(two_processes):
    # given the demo articles, and both processes answering a question from them
    first, second = two_processes
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
