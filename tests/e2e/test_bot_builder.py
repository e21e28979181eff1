"""An admin builds a bot in the admin, in headless Chromium against the real server:
two steps (a question with a button, and an end), sees them drawn as a diagram with a
labelled arrow, chats with the flow in the simulator, saves a simulation, and publishes;
all under the strict Content-Security-Policy, with no error in the console."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Pages, Product
from tests.e2e.test_admin_ux import admin_page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def card(page: Any, node: str) -> Any:
    return page.locator(f"#cc-node-{node}")


def add_step(page: Any, kind: str) -> None:
    page.locator(".cc-fe-new-type").select_option(kind)
    page.locator(".cc-fe-add").click()


def test_an_admin_builds_simulates_and_publishes_a_button_bot(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    page = admin_page(pages, product)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{product.url}/admin/bots/bot/add/")
    page.locator("#id_name").fill("Front desk")

    # two steps: a question with buttons (the first step), then an end
    add_step(page, "buttons")
    add_step(page, "end")
    expect(page.locator("#cc-fe-start")).to_have_value("buttons")
    card(page, "buttons").locator("textarea").fill("What about?")
    card(page, "buttons").locator(".cc-fe-add-button").click()
    card(page, "buttons").locator(".cc-fe-button-title").fill("Delivery")
    card(page, "buttons").locator(".cc-fe-button-next").select_option("end")
    card(page, "end").locator("textarea").fill("Delivery takes two days.")

    # the diagram follows: two boxes, an arrow labelled with the button's title
    diagram = page.locator(".cc-fe-diagram svg")
    expect(diagram.locator(".cc-fd-box")).to_have_count(2)
    arrow = diagram.locator(".cc-fd-arrow[data-from=buttons][data-to=end]")
    expect(arrow).to_have_count(1)
    expect(arrow.locator("text")).to_have_text("Delivery")
    diagram.locator(".cc-fd-box[data-node=end]").click()
    expect(card(page, "end").locator("input.cc-fe-id")).to_be_focused()

    # the simulator: the bot asks with its button; pressing it ends the chat
    sim = page.locator(".cc-simulator")
    sim.locator(".cc-sim-restart").click()
    expect(sim.locator(".cc-sim-bot").first).to_contain_text("What about?")
    sim.locator(".cc-sim-press", has_text="Delivery").click()
    expect(sim.locator(".cc-sim-contact")).to_have_text("Delivery")
    expect(sim.locator(".cc-sim-bot").last).to_have_text("Delivery takes two days.")
    expect(sim.locator(".cc-sim-outcome")).to_contain_text("closed as resolved")
    shoot(page, "bot-builder-simulated")

    # publish: the flow in the hidden field is what the admin built
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    rows = product.query("SELECT id, flow, version FROM bots_bot WHERE name = 'Front desk'")
    assert len(rows) == 1
    bot_id, flow, version = rows[0][0], json.loads(rows[0][1]), rows[0][2]
    assert version == 1
    assert flow["start"] == "buttons"
    assert flow["nodes"]["buttons"]["buttons"] == [{"id": "b1", "title": "Delivery", "next": "end"}]
    assert flow["nodes"]["end"] == {"type": "end", "text": "Delivery takes two days."}

    # on the bot's page: the versions, and a simulation kept for later
    expect(page.locator(".cc-versions")).to_contain_text("admin")
    sim = page.locator(".cc-simulator")
    sim.locator(".cc-sim-press", has_text="Delivery").click()
    expect(sim.locator(".cc-sim-outcome")).to_contain_text("closed as resolved")
    sim.locator(".cc-sim-title").fill("Delivery question")
    sim.locator(".cc-sim-save").click()
    expect(sim.locator(".cc-sim-saved")).to_contain_text("Saved")
    saved = product.query("SELECT name FROM bots_botsimulation WHERE bot_id = ?", (bot_id,))
    assert saved == [("Delivery question",)]
    shoot(page, "bot-builder-published")
    assert not errors, errors
