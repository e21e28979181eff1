"""The prompter in the inbox: an operator sees suggested answers for a customer's
question, puts the first into the reply box with Alt+1, sends it, and the customer
receives it; the server counts the sent suggestion as accepted."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.actors import Operator, Visitor
from tests.e2e.conftest import HostSite, Pages, Product

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]

# the demo knowledge base's article (kb/fixtures/demo_kb.json)
ANSWER = "Courier delivery in cities with Elektron stores costs 290 ₽"


def _outcomes(product: Product) -> list[tuple[Any, ...]]:
    return product.query(
        "SELECT rank, outcome FROM kb_suggestion WHERE outcome IS NOT NULL ORDER BY id"
    )


def test_the_operator_inserts_a_suggestion_with_the_keyboard_and_sends_it(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    # the prompter's work is a Celery task: with no worker in this test, the product runs
    # its tasks in place
    product.stop()
    product.env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    product.start()
    operator = Operator.log_in(pages, product)
    operator.go_online()
    visitor = Visitor.visit(pages, host_site, product)
    visitor.open()

    visitor.send("how much does the delivery cost?")
    operator.open_chat()
    expect(operator.contact_messages("how much does the delivery cost?")).to_have_count(1)

    # up to three cards, best first, with the article's title and answer
    panel = operator.page.locator("#slot-suggestions")
    expect(panel).to_be_visible()
    cards = panel.locator("li.suggestion")
    expect(cards.first).to_be_visible()
    assert 1 <= cards.count() <= 3
    expect(cards.first.locator(".suggestion-title")).to_have_text("Delivery cost")
    expect(cards.first.locator(".suggestion-text")).to_contain_text(ANSWER)
    expect(cards.first.locator(".suggestion-key")).to_have_text("Alt+1")
    shoot(operator.page, "inbox-suggestions")

    # Alt+1 puts it into the reply box, where it may be edited; Enter sends it
    operator.composer.click()
    operator.page.keyboard.press("Alt+1")
    expect(operator.composer).not_to_have_value("")
    assert operator.composer.input_value().startswith(ANSWER)
    operator.composer.press("Enter")
    expect(operator.composer).to_have_value("")

    # the customer receives it, and the panel is done with this question
    expect(visitor.theirs(ANSWER)).to_have_count(1)
    expect(panel).to_be_hidden()
    deadline = time.monotonic() + 10
    while not _outcomes(product) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _outcomes(product) == [(1, "accepted")]
