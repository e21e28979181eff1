"""Canned responses with placeholders, and the website visitor as a person with their
context, in headless Chromium against the real server: the admin writes a response with
placeholders (and is told about an unknown one), the operator inserts it and the visitor
receives it filled in; what cannot be filled blocks sending; the contact card names the
visitor "Customer #N" and shows their page, browser and local time."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.actors import Operator, Visitor
from tests.e2e.conftest import HostSite, Pages, Product, demo_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def add_canned_response(pages: Pages, product: Product, shortcut: str, text: str) -> Any:
    """The admin adds a canned response in the admin site; returns the admin's page."""
    page = pages.new()
    page.goto(f"{product.url}/admin/login/?next=/admin/inbox/cannedresponse/add/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(demo_password())
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/inbox/cannedresponse/add/")
    page.locator("#id_shortcut").fill(shortcut)
    page.locator("#id_title").fill(shortcut.capitalize())
    page.locator("#id_text").fill(text)
    page.locator("input[name=_save]").click()
    return page


def insert_canned(operator: Operator, shortcut: str) -> None:
    operator.composer.click()
    operator.composer.fill(f"/{shortcut}")
    option = operator.page.locator("#canned li").filter(has_text=f"/{shortcut}")
    expect(option).to_have_count(1)
    operator.composer.press("Enter")


def test_placeholders_are_filled_and_an_unknown_one_is_refused_by_the_admin(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    admin = add_canned_response(pages, product, "order", "Your order {order_id} is on its way")
    error = admin.locator(".errorlist")
    expect(error).to_contain_text("Unknown placeholder {order_id}")
    expect(error).to_contain_text("{operator}")
    expect(admin.locator(".help").filter(has_text="{contact}")).not_to_have_count(0)
    shoot(admin, "admin-canned-unknown-placeholder")
    admin.locator("#id_text").fill("Hello {contact}! My name is {operator}, {group} team.")
    admin.locator("input[name=_save]").click()
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")

    operator = Operator.log_in(pages, product)
    operator.go_online()
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Maria Schmidt")
    visitor.open()
    visitor.send("Hi, I have a question")
    operator.open_chat("Maria Schmidt")

    # The demo's greeting, which once reached customers as "My name is {operator}".
    insert_canned(operator, "hello")
    expect(operator.composer).to_have_value("Hello! My name is Anna. How can I help you?")
    operator.composer.press("Enter")
    expect(visitor.theirs("Hello! My name is Anna. How can I help you?")).to_have_count(1)

    insert_canned(operator, "order")
    filled = "Hello Maria Schmidt! My name is Anna, Support team."
    expect(operator.composer).to_have_value(filled)
    expect(operator.page.locator("#composer-unfilled")).to_have_count(0)
    operator.composer.press("Enter")
    expect(visitor.theirs(filled)).to_have_count(1)
    assert not any("{" in text for text in visitor.texts()), visitor.texts()


def test_an_unfillable_placeholder_blocks_sending_and_the_card_shows_the_visitor(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    add_canned_response(pages, product, "greet", "Hello {contact}! My name is {operator}.")
    operator = Operator.log_in(pages, product)
    operator.go_online()

    # A visitor who never says who they are.
    visitor = Visitor.visit(pages, host_site, product)
    visitor.open()
    visitor.send("Do you sell tomato seeds?")
    customer = re.compile(r"^Customer #\d+$")
    expect(operator.my_chats).to_have_count(1)
    expect(operator.my_chats.first.locator(".ci-name")).to_have_text(customer)
    operator.open_chat()
    expect(operator.page.locator("#chat-name")).to_have_text(customer)

    # The card: a human name, the page, the browser, the visitor's local time.
    card = operator.page.locator("#contact-body")
    expect(card.locator(".card-title")).to_have_text(customer)
    expect(card).not_to_contain_text(re.compile(r"\d+:[0-9a-f]{32}"))  # no raw identity
    context = card.locator(".visitor-ctx")
    expect(context.locator(".v-page a")).to_contain_text("Greenleaf Garden Supplies")
    expect(context.locator(".v-referrer")).to_have_text("Direct visit")
    expect(context.locator(".v-browser")).to_have_text(re.compile(r"^Chrome \d+ on Linux$"))
    expect(context.locator(".v-language")).to_have_text("en-US")
    expect(context.locator(".v-time")).to_have_text(re.compile(r"^\d{1,2}:\d{2}( [AP]M)? \(.+\)$"))

    # The visitor moves on (a single-page site): the card follows.
    visitor.page.evaluate(
        "() => { history.pushState({}, '', '/pricing'); document.title = 'Pricing plans'; }"
    )
    expect(context.locator(".v-page a")).to_contain_text("Pricing plans", timeout=10_000)
    expect(context.locator(".v-page a")).to_have_attribute("href", re.compile(r"/pricing$"))
    shoot(operator.page, "inbox-visitor-card")

    # Nobody knows the customer's name: {contact} stays, is shown, and blocks sending.
    insert_canned(operator, "greet")
    expect(operator.composer).to_have_value("Hello {contact}! My name is Anna.")
    note = operator.page.locator("#composer-unfilled")
    expect(note).to_be_visible()
    expect(note).to_contain_text("{contact}")
    expect(note).to_contain_text("the customer's name is not known")
    shoot(operator.page, "inbox-canned-unfilled")
    operator.composer.press("End")
    operator.composer.press("Enter")
    expect(operator.page.locator(".toast").filter(has_text="Not sent: {contact}")).to_be_visible()
    expect(operator.composer).to_have_value("Hello {contact}! My name is Anna.")
    expect(operator.timeline.locator(".msg.from-operator")).to_have_count(0)

    # The placeholder is selected again: typing replaces it, and then it goes.
    operator.composer.press_sequentially("there")
    expect(operator.composer).to_have_value("Hello there! My name is Anna.")
    expect(note).to_be_hidden()
    operator.composer.press("Enter")
    expect(visitor.theirs("Hello there! My name is Anna.")).to_have_count(1)
    rows = product.query("SELECT text FROM inbox_message WHERE sender_type = 'operator'")
    assert rows == [("Hello there! My name is Anna.",)], rows
