"""A visitor on a customer's website and an operator in the inbox, in headless Chromium,
against the real server (Daphne, a real Redis channel layer, SQLite on disk)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.actors import Operator, Visitor, type_slowly
from tests.e2e.conftest import HostSite, Pages, Product

# pytest-timeout counts fixtures too: the first test also migrates and seeds the
# database that every test copies (tens of seconds on a busy machine).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def test_visitor_and_operator_chat_live(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    operator = Operator.log_in(pages, product)
    operator.go_online()
    expect(operator.my_chats).to_have_count(0)

    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Maria Schmidt", email="maria@example.com")
    visitor.open()
    visitor.send("Hello from the site")
    mine = visitor.mine("Hello from the site")
    expect(mine).to_have_count(1)
    expect(visitor.widget.locator(".pd .m.me")).to_have_count(0)  # acked, nothing pending

    # Routing gives the chat to the online operator; the inbox shows it without a reload.
    expect(operator.my_chats).to_have_count(1)
    expect(operator.my_chats.first).to_contain_text("Hello from the site")
    expect(operator.my_chats.first.locator(".ci-name")).to_have_text("Maria Schmidt")
    operator.open_chat()
    expect(operator.contact_messages("Hello from the site")).to_have_count(1)

    # The visitor types: the operator sees "typing…".
    type_slowly(visitor.input, "Do you deliver to Berlin?")
    expect(operator.page.locator("#typing")).to_be_visible()
    visitor.input.press("Enter")
    expect(operator.contact_messages("Do you deliver to Berlin?")).to_have_count(1)
    # The message ends the indicator at once, not when its 4 s run out.
    expect(operator.page.locator("#typing")).to_be_hidden(timeout=1_500)

    # The operator types: the visitor sees "Anna is typing…".
    type_slowly(operator.composer, "Yes, we deliver all over Germany")
    expect(visitor.typing).to_be_visible()
    expect(visitor.typing).to_contain_text("typing")
    operator.composer.press("Enter")

    reply = visitor.theirs("Yes, we deliver all over Germany")
    expect(reply).to_have_count(1)
    expect(reply.locator(".nm")).to_have_text("Anna")
    expect(visitor.status).to_contain_text("Anna")
    expect(visitor.widget.locator(".nt").filter(has_text="Anna joined the chat")).to_have_count(1)
    expect(visitor.typing).to_be_hidden()

    # The contact card shows who the operator is talking to.
    card = operator.page.locator("#contact-body")
    expect(card.locator(".field")).to_have_count(3)  # name, e-mail, phone
    expect(card).to_contain_text("Maria Schmidt")
    expect(card).to_contain_text("maria@example.com")
    expect(card).to_contain_text("Website")  # the widget identity
    expect(card).not_to_contain_text("null")

    shoot(visitor.page, "widget-conversation")
    shoot(operator.page, "inbox-conversation")


MARKUP_NAME = "<img src=x onerror=alert(1)>"
MARKUP_MESSAGE = "<b>bold</b><script>alert(1)</script>"
MARKUP_REPLY = '<i>italic</i><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'


def test_markup_is_shown_as_text(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    operator = Operator.log_in(pages, product)
    operator.go_online()

    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name=MARKUP_NAME)
    visitor.open()
    visitor.send(MARKUP_MESSAGE)
    expect(visitor.mine("bold")).to_have_count(1)
    assert visitor.mine("bold").first.text_content().strip() == MARKUP_MESSAGE

    # The inbox: the name and the message are text, and no element came out of them.
    expect(operator.my_chats).to_have_count(1)
    item_name = operator.my_chats.first.locator(".ci-name")
    expect(item_name).to_have_text(MARKUP_NAME)
    operator.open_chat()
    expect(operator.page.locator("#chat-name")).to_have_text(MARKUP_NAME)
    message = operator.contact_messages("bold")
    expect(message).to_have_count(1)
    assert message.first.text_content() == MARKUP_MESSAGE
    sender = operator.timeline.locator(".msg.from-contact .sender")
    expect(sender).to_have_text(MARKUP_NAME)
    expect(operator.page.locator("#contact-body")).to_contain_text(MARKUP_NAME)
    inbox = operator.page.locator("#inbox")
    expect(inbox.locator("b")).to_have_count(0)
    expect(inbox.locator("img[src='x']")).to_have_count(0)
    expect(inbox.locator("script")).to_have_count(0)
    expect(operator.page.locator("img[src='x']")).to_have_count(0)

    # The widget: an operator's markup is text too.
    operator.reply(MARKUP_REPLY)
    reply = visitor.theirs("italic")
    expect(reply).to_have_count(1)
    assert reply.first.locator(".bb").text_content() == MARKUP_REPLY
    for tag in ("i", "img", "script", "b"):
        expect(visitor.widget.locator(f".m {tag}")).to_have_count(0)
    expect(visitor.widget.locator("a[href^='javascript']")).to_have_count(0)
    assert pages.dialogs == []

    shoot(operator.page, "inbox-markup-as-text")


def _count_in_db(product: Product, text: str) -> int:
    return product.query("SELECT COUNT(*) FROM inbox_message WHERE text = ?", (text,))[0][0]


def test_server_restart_mid_chat_loses_nothing(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    operator = Operator.log_in(pages, product)
    operator.go_online()
    visitor = Visitor.visit(pages, host_site, product)
    visitor.open()
    visitor.send("Before the restart")
    operator.open_chat()
    expect(operator.contact_messages("Before the restart")).to_have_count(1)
    operator.reply("Reply before the restart")
    expect(visitor.theirs("Reply before the restart")).to_have_count(1)

    product.stop()
    assert not product.running

    # Sent while the server is down: it waits in the widget, marked as sending.
    visitor.send("Sent while the server was down")
    pending = visitor.widget.locator(".pd .m.me").filter(has_text="Sent while the server was down")
    expect(pending).to_have_count(1)
    expect(pending.locator(".mt")).to_have_text("Sending…")
    expect(visitor.status).to_have_text("Connecting…")
    time.sleep(1.0)  # the widget's reconnects keep failing meanwhile
    expect(pending).to_have_count(1)

    started = time.monotonic()
    product.start()
    # Both pages reconnect by themselves (backoff of at most 30 s, usually far less).
    expect(visitor.widget.locator(".pd .m.me")).to_have_count(0, timeout=45_000)
    expect(operator.contact_messages("Sent while the server was down")).to_have_count(
        1, timeout=45_000
    )
    operator.wait_connected()
    print(f"caught up {time.monotonic() - started:.1f} s after the restart")
    assert _count_in_db(product, "Sent while the server was down") == 1

    operator.reply("Reply after the restart")
    expect(visitor.theirs("Reply after the restart")).to_have_count(1)
    assert _count_in_db(product, "Reply after the restart") == 1

    # Nothing twice anywhere.
    for text in (
        "Before the restart",
        "Reply before the restart",
        "Sent while the server was down",
        "Reply after the restart",
    ):
        assert visitor.texts().count(text) == 1, (text, visitor.texts())
        assert _count_in_db(product, text) == 1, text
    expect(operator.contact_messages("Before the restart")).to_have_count(1)
    expect(operator.contact_messages("Sent while the server was down")).to_have_count(1)
    operator_texts = operator.timeline.locator(".msg .text").all_text_contents()
    assert operator_texts.count("Reply after the restart") == 1, operator_texts
    assert operator_texts.count("Reply before the restart") == 1, operator_texts
    shoot(visitor.page, "widget-after-restart")


def test_queue_notice_when_no_operator_is_online(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    visitor = Visitor.visit(pages, host_site, product)
    visitor.open()
    visitor.send("Is anybody there?")
    expect(visitor.mine("Is anybody there?")).to_have_count(1)
    expect(visitor.queue).to_be_visible()
    # In words: "You are next in line, about 5 minutes" (or "number N in line").
    expect(visitor.queue).to_have_text(
        re.compile(r"You are (next|number \d+) in line(, (about \d+ \w+|less than a minute))?")
    )
    # nobody could take it now: the group's offline message, not "We reply soon"
    expect(visitor.status).to_have_text(
        "Support is open around the clock; an operator will answer shortly."
    )
    shoot(visitor.page, "widget-queue")

    # An operator coming online takes the waiting chat; the notice goes away.
    operator = Operator.log_in(pages, product)
    operator.go_online()
    expect(operator.my_chats).to_have_count(1)
    expect(visitor.queue).to_be_hidden()
    expect(visitor.status).to_contain_text("Anna")
