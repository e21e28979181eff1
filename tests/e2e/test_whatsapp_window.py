"""WhatsApp's 24-hour window in the inbox, in headless Chromium against the real server
and a local Graph API: a customer writes on WhatsApp, the operator answers freely; a day
later the composer says the window has closed and the operator sends an approved
template with its parameters instead, which leaves as a template."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.actors import Operator
from tests.e2e.conftest import Pages, Product
from tests.inbox.connectors.fake_graph_api import FakeGraphApi, FakeGraphServer
from tests.inbox.connectors.whatsapp_support import (
    APP_SECRET,
    NUMBER,
    TEMPLATES,
    TOKEN,
    VERIFY_TOKEN,
    text_value,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]
KEY = "e2e-whatsapp-channel-key"


def _write(product: Product, sql: str, params: tuple[Any, ...]) -> None:
    with sqlite3.connect(product.db_path, timeout=10) as db:
        db.execute(sql, params)


def _whatsapp_channel(product: Product, api: FakeGraphApi) -> None:
    """A WhatsApp channel pointed at the local Graph API, in the demo widget's group, and
    the product restarted running its tasks in the request (no worker in this test)."""
    [(group_id,)] = product.query(
        "SELECT default_group_id FROM inbox_channel WHERE type = 'widget' LIMIT 1"
    )
    config = {
        "phone_number_id": api.phone_number_id,
        "access_token": TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base_url": api.url,
        "templates": TEMPLATES,
    }
    product.stop()
    _write(
        product,
        "INSERT INTO inbox_channel (type, name, key, config, allowed_origins, "
        "default_group_id, is_active, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        ("whatsapp", "WhatsApp", KEY, json.dumps(config), "[]", group_id, _at(0)),
    )
    product.env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    product.start()


def _at(hours_ago: float) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _customer_writes(product: Product, api: FakeGraphApi, text: str) -> None:
    body, signature = api.signed(api.webhook(text_value(text, name="Ada Lovelace")))
    answer = httpx.post(
        f"{product.url}/hooks/whatsapp/{KEY}/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text


def _texts(api: FakeGraphApi) -> list[str]:
    return [b["text"]["body"] for b in api.sent if b["type"] == "text"]


def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the Graph API did not get it in time"
        time.sleep(0.1)


def test_after_24_hours_the_operator_sends_a_template(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    with FakeGraphServer(FakeGraphApi(token=TOKEN, app_secret=APP_SECRET)) as api:
        _whatsapp_channel(product, api)
        anna = Operator.log_in(pages, product)
        anna.go_online()

        # a customer writes on WhatsApp; Anna answers freely within the window
        _customer_writes(product, api, "Has my order shipped?")
        anna.open_chat("Ada Lovelace")
        expect(anna.contact_messages("Has my order shipped?")).to_have_count(1)
        anna.reply("Let me check with the warehouse.")
        _until(lambda: "Let me check with the warehouse." in _texts(api))
        assert all(b["to"] == NUMBER for b in api.sent)

        # a day later: the customer's last message is 25 hours old
        _write(
            product,
            "UPDATE inbox_message SET created_at = ? WHERE sender_type = 'contact' AND "
            "dialog_id IN (SELECT d.id FROM inbox_dialog d JOIN inbox_channel c ON "
            "c.id = d.channel_id WHERE c.key = ?)",
            (_at(25), KEY),
        )
        _write(
            product,
            "UPDATE inbox_session SET last_contact_message_at = ? WHERE dialog_id IN "
            "(SELECT d.id FROM inbox_dialog d JOIN inbox_channel c ON c.id = d.channel_id "
            "WHERE c.key = ?)",
            (_at(25), KEY),
        )
        anna.page.reload()
        anna.wait_connected()
        anna.my_chats.filter(has_text="Ada Lovelace").first.locator("button.chat-btn").click()

        notice = anna.page.locator("#reply-window")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("More than 24 hours have passed")
        expect(anna.composer).to_be_disabled()
        anna.page.get_by_role("button", name="Send a template…").click()
        anna.page.locator("#template-select").select_option(label="order_update (en_US)")
        params = anna.page.locator(".rw-param")
        expect(params).to_have_count(2)
        params.nth(0).fill("Ada")
        params.nth(1).fill("42")
        expect(anna.page.locator("#template-preview")).to_have_text(
            "Hi Ada, your order 42 shipped."
        )
        shoot(anna.page, "whatsapp-template-picker")
        anna.page.locator("#btn-template-send").click()

        sent = anna.timeline.locator(".msg.from-operator").filter(
            has_text="Template “order_update” sent: Hi Ada, your order 42 shipped."
        )
        expect(sent).to_have_count(1)
        _until(lambda: any(b["type"] == "template" for b in api.sent))
        template = next(b for b in api.sent if b["type"] == "template")
        assert template["template"]["name"] == "order_update"
        assert template["template"]["components"][0]["parameters"] == [
            {"type": "text", "text": "Ada"},
            {"type": "text", "text": "42"},
        ]
        shoot(anna.page, "whatsapp-template-sent")
