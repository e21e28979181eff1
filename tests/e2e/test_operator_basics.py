"""Operator basics in the inbox, in headless Chromium against the real server: an admin
defines labels in the admin; an operator writes a private note (a supervisor watching
the chat sees it live, the visitor never does), finds the conversation by search, labels
it and filters the chats by label."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.actors import Operator, Visitor, type_slowly
from tests.e2e.conftest import HostSite, Pages, Product, demo_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]

NOTE = "Courier lost it; refund approved by Sofia"


def _admin_adds_labels(pages: Pages, product: Product, labels: dict[str, str]) -> None:
    page = pages.new()
    page.goto(f"{product.url}/login/?next=/admin/inbox/label/add/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Log in").click()
    for name, color in labels.items():
        page.wait_for_url("**/admin/inbox/label/add/")
        page.locator("#id_name").fill(name)
        page.locator("#id_color").fill(color)
        page.locator("input[name=_addanother]").click()
    page.goto(f"{product.url}/admin/inbox/label/")
    for name in labels:
        expect(page.locator("#result_list")).to_contain_text(name)
    page.close()


def _timeline_notes(page: Page) -> Any:
    return page.locator("#timeline .msg.internal")


def test_a_private_note_search_and_labels(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    _admin_adds_labels(pages, product, {"vip": "#d97706", "refund": "#dc2626"})
    anna = Operator.log_in(pages, product)
    anna.go_online()
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Lena Fischer", email="lena@example.com")
    visitor.open()
    visitor.send("My parcel never arrived")
    anna.open_chat("Lena Fischer")

    # Sofia supervises the group: she finds the chat by the customer's e-mail and opens it.
    sofia = Operator.log_in(pages, product, username="sofia")
    sofia.wait_connected()
    sofia.page.keyboard.press("Alt+s")
    expect(sofia.page.locator("#search-box")).to_be_focused()
    sofia.page.keyboard.type("lena@example")
    found = sofia.page.locator("#list-found li.chat-item")
    expect(found).to_have_count(1)
    expect(found.first.locator(".ci-name")).to_have_text("Lena Fischer")
    found.first.locator("button.chat-btn").click()
    expect(sofia.page.locator("#chat-name")).to_have_text("Lena Fischer")

    # Anna switches the composer to a note (Alt+N) and writes one.
    anna.composer.click()
    anna.page.keyboard.press("Alt+n")
    expect(anna.page.locator("#btn-note")).to_have_attribute("aria-pressed", "true")
    expect(anna.page.locator("#composer")).to_have_class("composer note-mode", timeout=2_000)
    type_slowly(anna.composer, NOTE, delay_ms=50)
    # typing a note is not "typing…" for the customer (shown 4 s after each signal)
    visitor.page.wait_for_timeout(300)
    assert visitor.typing.is_hidden()
    anna.composer.press("Enter")
    note = _timeline_notes(anna.page).filter(has_text=NOTE)
    expect(note).to_have_count(1)
    expect(note.locator(".sender")).to_have_text("Anna")
    expect(note.locator(".state")).to_have_count(0)  # stored
    # Sofia sees it live, as a note.
    expect(_timeline_notes(sofia.page).filter(has_text=NOTE)).to_have_count(1)

    # Back to replying: the visitor gets the reply and never the note.
    anna.page.keyboard.press("Alt+n")
    expect(anna.page.locator("#btn-note")).to_have_attribute("aria-pressed", "false")
    anna.reply("We are sending a new parcel today")
    expect(visitor.theirs("We are sending a new parcel today")).to_have_count(1)
    assert not [t for t in visitor.texts() if "Courier" in t]
    visitor.page.reload()
    visitor.open()
    expect(visitor.theirs("We are sending a new parcel today")).to_have_count(1)
    assert not [t for t in visitor.texts() if "Courier" in t]

    # Anna finds the conversation by the text of a message and labels it.
    anna.page.keyboard.press("Alt+s")
    anna.page.keyboard.type("parcel never")
    expect(anna.page.locator("#found-title")).to_have_text("Search results")
    results = anna.page.locator("#list-found li.chat-item")
    expect(results).to_have_count(1)
    results.first.locator("button.chat-btn").click()
    expect(anna.page.locator("#chat-name")).to_have_text("Lena Fischer")
    anna.page.locator("#label-add").select_option(label="+ Label")  # the menu is there
    anna.page.locator("#label-add").select_option(label="vip")
    chips = anna.page.locator("#chat-labels .label-chip")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("vip")
    expect(anna.my_chats.first.locator(".ci-labels")).to_contain_text("vip")
    # Sofia's open chat shows the label without a reload.
    expect(sofia.page.locator("#chat-labels .label-chip")).to_contain_text("vip")

    # Filters: by label (and mine), then a label nobody has.
    anna.page.locator("#search-box").fill("")
    anna.page.locator("#filter-label").select_option(label="vip")
    expect(anna.page.locator("#found-title")).to_have_text("Filtered chats")
    expect(anna.page.locator("#list-found li.chat-item")).to_have_count(1)
    anna.page.locator("#filter-assignee").select_option("me")
    expect(anna.page.locator("#list-found li.chat-item")).to_have_count(1)
    anna.page.locator("#filter-label").select_option(label="refund")
    expect(anna.page.locator("#list-found")).to_contain_text("Nothing found.")
    anna.page.locator("#filter-label").select_option(label="vip")
    expect(anna.page.locator("#list-found li.chat-item")).to_have_count(1)

    # A picture in note mode, then the label comes off with its remove button.
    anna.page.keyboard.press("Alt+n")
    anna.composer.fill("Check the tracking number tomorrow")
    shoot(anna.page, "inbox-notes-labels")
    anna.composer.fill("")
    anna.page.locator("#chat-labels .label-x").click()
    expect(chips).to_have_count(0)
    expect(anna.page.locator("#list-found")).to_contain_text("Nothing found.")
