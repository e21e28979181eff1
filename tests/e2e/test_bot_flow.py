"""A bot in front of the operators, in headless Chromium against the real server: a
visitor on the demo bot's channel presses the bot's menu button, types a wrong and then
a right e-mail, and is handed to sales, where Anna sees the bot's part of the chat in the
timeline and what it collected in the bot panel above it."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from contactcenter.management.demo_bots import DEMO_BOT_CHANNEL_NAME
from tests.e2e.actors import Operator, Visitor
from tests.e2e.conftest import HostSite, Pages, Product, demo_password
from tests.e2e.test_email import api

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def _bot_site_url(site: HostSite, product: Product) -> str:
    rows = product.query(
        "SELECT key FROM inbox_channel WHERE type = 'widget' AND name = ?",
        (DEMO_BOT_CHANNEL_NAME,),
    )
    assert rows, "the demo bot's channel is missing"
    query = urllib.parse.urlencode({"product": product.url, "channel": rows[0][0]})
    return f"{site.base}/?{query}"


def _sales_always_open(product: Product) -> None:
    """The demo's sales team works 9:00-18:00 Moscow time; this test runs at any hour."""
    login = {"username": "admin", "password": demo_password()}
    token = api(product, "POST", "auth/token/", login)["token"]
    groups = api(product, "GET", "groups/", token=token)["results"]
    sales = next(g for g in groups if g["name"] == "Sales")
    api(product, "PATCH", f"groups/{sales['id']}/", {"working_hours": None}, token=token)


def test_a_visitor_walks_the_bot_and_the_operator_sees_what_it_collected(
    product: Product, pages: Pages, host_site: HostSite, shoot: Shoot
) -> None:
    _sales_always_open(product)
    anna = Operator.log_in(pages, product, "anna")
    anna.go_online()
    page = pages.new()
    page.goto(_bot_site_url(host_site, product))
    visitor = Visitor(page)
    expect(visitor.launcher).to_be_visible()
    visitor.open()

    visitor.send("Hello")
    expect(visitor.theirs("What can I help you with?")).to_have_count(1)
    menu = visitor.widget.locator(".ch button")
    expect(menu).to_have_text(
        ["My order", "Buying lamps", "Invoices and payments", "Nothing, thanks"]
    )
    menu.filter(has_text="Buying lamps").click()
    expect(visitor.theirs("Your e-mail, so that our sales team")).to_have_count(1)
    visitor.send("ann at example")
    expect(visitor.theirs("That does not look like an e-mail address.")).to_have_count(1)
    visitor.send("ann@example.com")
    expect(visitor.theirs("Connecting you to our sales team.")).to_have_count(1)
    shoot(visitor.page, "bot-visitor-handed-off")

    anna.open_chat()
    bot_messages = anna.timeline.locator(".msg.from-bot")
    expect(bot_messages.filter(has_text="What can I help you with?")).to_have_count(1)
    expect(bot_messages.filter(has_text="Connecting you to our sales team.")).to_have_count(1)
    expect(anna.contact_messages("ann@example.com")).to_have_count(1)
    panel = anna.page.locator("#slot-bot-transcript")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Bot Website helper")
    expect(panel).to_contain_text("handed the chat to people")
    expect(panel.locator("dd")).to_have_text(["ann@example.com"])
    expect(panel).to_contain_text("Chose: Buying lamps")
    shoot(anna.page, "bot-operator-panel")

    anna.reply("Hello Ann, I have your e-mail. Which lamps do you like?")
    expect(visitor.theirs("Which lamps do you like?")).to_have_count(1)
