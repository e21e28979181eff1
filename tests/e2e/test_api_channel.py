"""The API channel as an admin and a company's developer meet it, against the real
server: the admin adds the channel and copies its secrets from the one message that
shows them; the company's backend sends a user's message with the secret; an operator
answers it in the inbox; the backend reads the answer by polling."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.actors import Operator
from tests.e2e.conftest import Pages, Product
from tests.e2e.test_admin_ux import admin_page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def call(url: str, secret: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """What the company's backend does: JSON over HTTP with the bearer secret."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_an_admin_connects_an_app_whose_user_chats_with_an_operator(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    # the admin adds an API channel answered by Support
    page = admin_page(pages, product)
    page.goto(f"{product.url}/admin/inbox/channel/add/")
    page.locator("#id_type").select_option("api")
    page.locator("#id_name").fill("Shop app")
    page.locator(".field-default_group .select2-selection").click()
    page.locator(".select2-search__field").fill("Support")
    page.locator(".select2-results__option", has_text="Support").click()
    page.locator("input[name=_continue]").click()

    # the secrets are shown once, with the addresses to give the developers
    shown = page.locator(".messagelist .warning")
    expect(shown).to_contain_text("inbound_secret")
    codes = shown.locator("code").all_inner_texts()
    secrets = dict(zip(codes[0::2], codes[1::2], strict=True))
    assert set(secrets) == {"inbound_secret", "webhook_secret"}
    addresses = page.locator(".field-api_endpoints")
    expect(addresses).to_contain_text("/api/v1/inbound/")
    shoot(page, "api-channel-secrets-shown-once")
    page.reload()
    expect(page.locator(".messagelist")).to_have_count(0)
    assert secrets["inbound_secret"] not in page.content()
    key = product.query("SELECT key FROM inbox_channel WHERE type = 'api'")[0][0]
    base = f"{product.url}/api/v1/inbound/{key}"

    # the company's backend sends its user's message; a wrong secret gets nothing in
    anna = Operator.log_in(pages, product)
    anna.go_online()
    message = {
        "external_id": "user-1842",
        "text": "Where is my order #5521?",
        "client_id": "msg-1",
        "name": "Ada Lovelace",
    }
    assert call(f"{base}/messages/", "wrong-secret-wrong-secret", message)[0] == 401
    status, stored = call(f"{base}/messages/", secrets["inbound_secret"], message)
    assert status == 201
    assert call(f"{base}/messages/", secrets["inbound_secret"], message) == (200, stored)

    # the operator gets it like any chat and answers
    anna.open_chat("Ada Lovelace")
    expect(anna.contact_messages("Where is my order #5521?")).to_have_count(1)
    anna.reply("It ships today, Ada.")
    shoot(anna.page, "api-channel-operator-answers")

    # the backend reads the answer by polling after its own message
    status, page_of = call(
        f"{base}/contacts/user-1842/messages/?after={stored['id']}", secrets["inbound_secret"]
    )
    assert status == 200
    assert [(m["sender_type"], m["text"]) for m in page_of["results"]] == [
        ("operator", "It ships today, Ada.")
    ]
