"""A Russian-writing visitor and an English-reading operator, each reading the other in
their own language, against a LibreTranslate-shaped server on loopback started by the
test (``tests/translation/libre_server.py``); then the provider fails (500): the
operator sees the message marked untranslated and retries once it has recovered."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import conftest as e2e
from tests.e2e.actors import Operator, Visitor
from tests.e2e.conftest import HostSite, Pages, Product
from tests.translation.libre_server import LibreServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


@pytest.fixture
def libre() -> Iterator[LibreServer]:
    server = LibreServer()
    yield server
    server.close()


@pytest.fixture
def translating_product(
    request: pytest.FixtureRequest,
    e2e_dir: Path,
    seeded_db: Path,
    redis_base_url: str,
    libre: LibreServer,
) -> Iterator[Product]:
    """The product (as the ``product`` fixture) translating through ``libre``."""
    workdir = e2e_dir / request.node.name.replace("/", "_")[:80]
    workdir.mkdir()
    db_path = workdir / "e2e.sqlite3"
    shutil.copyfile(seeded_db, db_path)
    redis_url = e2e._with_db_number(redis_base_url, next(e2e._redis_db))
    server = Product(workdir, db_path, redis_url)
    server.env.update(
        {
            "TRANSLATION_PROVIDER": "libretranslate",
            "TRANSLATION_URL": libre.url,
            "TRANSLATION_API_KEY": "e2e-key",
            "TRANSLATION_TIMEOUT_S": "2",
            "TRANSLATION_REPLY_WAIT_S": "2",
            "TRANSLATION_BREAKER_PAUSE_S": "0.5",
        }
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if e2e._failed(request):
            print(f"\n--- daphne log ({server.log_path}) ---\n{server.log()}")


def test_a_russian_visitor_and_an_english_operator_read_each_other(
    translating_product: Product,
    libre: LibreServer,
    host_site: HostSite,
    pages: Pages,
    shoot: Shoot,
) -> None:
    product = translating_product
    operator = Operator.log_in(pages, product)
    operator.go_online()

    page = pages.new(locale="ru-RU")  # a Russian browser: the widget speaks Russian
    page.goto(host_site.url(product))
    visitor = Visitor(page)
    visitor.identify(name="Мария Иванова", email="maria@example.ru")
    visitor.open()
    visitor.send("Привет, где мой заказ?")
    expect(visitor.mine("Привет, где мой заказ?")).to_have_count(1)

    # The operator reads it in English under the original.
    operator.open_chat("Мария")
    asked = operator.timeline.locator(".msg.from-contact").filter(has_text="Привет, где мой заказ?")
    try:
        expect(asked.locator(".translation-text")).to_have_text("hello where my order")
    except AssertionError as failure:
        # what the server stored, to tell a lost push from a translation never made
        stored = product.query(
            "SELECT m.id, m.language, m.translation_status, m.translations, s.status, "
            "s.operator_id FROM inbox_message m JOIN inbox_session s ON s.id = m.session_id "
            "WHERE m.sender_type = 'contact'"
        )
        raise AssertionError(f"{failure}\nstored: {stored}") from failure
    expect(operator.page.locator("#slot-translation select")).to_be_visible()

    # The visitor reads the reply in Russian, and the original on demand.
    operator.reply("Hello, your order is on the way")
    reply = visitor.theirs("здравствуйте ваш заказ в пути")
    expect(reply).to_have_count(1)
    sent = operator.timeline.locator(".msg.from-operator").filter(has_text="Hello, your order")
    expect(sent.locator(".translation-text")).to_have_text("здравствуйте ваш заказ в пути")
    expect(reply.locator("button.lk")).to_have_text("Показать оригинал")
    reply.locator("button.lk").click()
    expect(visitor.theirs("Hello, your order is on the way")).to_have_count(1)
    expect(visitor.theirs("Hello, your order").locator("button.lk")).to_have_text(
        "Показать перевод"
    )
    shoot(visitor.page, "translation-widget")
    shoot(operator.page, "translation-inbox")

    # The provider fails: the message is shown untranslated, and a retry after it has
    # recovered brings the translation.
    libre.mode = "error"
    visitor.send("Спасибо")
    thanks = operator.timeline.locator(".msg.from-contact").filter(has_text="Спасибо")
    expect(thanks.locator(".translation-untranslated")).to_be_visible(timeout=15_000)
    shoot(operator.page, "translation-untranslated")
    libre.mode = "ok"
    thanks.locator("button.retry").click()
    expect(thanks.locator(".translation-text")).to_have_text("thank you", timeout=15_000)
    expect(thanks.locator(".translation-untranslated")).to_have_count(0)
