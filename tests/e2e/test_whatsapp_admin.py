"""An admin sets up a WhatsApp channel in the admin, in headless Chromium against the
real server and a local Graph API: adds the channel, fills in what Meta's console shows
(the secrets never come back on the page), copies the Callback URL, and tests the
connection, which names the number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Pages, Product
from tests.e2e.test_admin_ux import admin_page
from tests.inbox.connectors.fake_graph_api import FakeGraphApi, FakeGraphServer
from tests.inbox.connectors.whatsapp_support import APP_SECRET, TOKEN, VERIFY_TOKEN

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]
PUBLIC = "https://support.shop.example"


def test_an_admin_connects_a_whatsapp_number(product: Product, pages: Pages, shoot: Shoot) -> None:
    product.stop()
    product.env["PUBLIC_URL"] = PUBLIC
    product.start()
    with FakeGraphServer(FakeGraphApi(token=TOKEN, app_secret=APP_SECRET)) as api:
        page = admin_page(pages, product)
        page.goto(f"{product.url}/admin/inbox/channel/add/")
        page.locator("#id_type").select_option("whatsapp")
        page.locator("#id_name").fill("WhatsApp")
        page.locator("#id_config").fill("{}")
        page.locator("input[name=_continue]").click()

        # the channel's own form, with where to find each thing in Meta's console
        expect(page.locator("fieldset").filter(has_text="WhatsApp Cloud API")).to_be_visible()
        expect(page.get_by_text("API Setup", exact=False).first).to_be_visible()
        callback = page.locator("input[aria-label='webhook address']")
        assert callback.input_value().startswith(f"{PUBLIC}/hooks/whatsapp/")
        page.locator("#id_wa_phone_number_id").fill(api.phone_number_id)
        page.locator("#id_wa_access_token").fill(TOKEN)
        page.locator("#id_wa_app_secret").fill(APP_SECRET)
        page.locator("#id_wa_verify_token").fill(VERIFY_TOKEN)
        page.locator("#id_wa_api_base_url").fill(api.url)
        page.locator("#id_wa_templates").fill(
            '[{"name": "order_update", "language": "en_US", "body": "Hi {{1}}"}]'
        )
        page.locator("input[name=_continue]").click()
        expect(page.locator(".messagelist .success")).to_be_visible()

        # secrets are set, and never sent back to the page
        html = page.content()
        for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN):
            assert secret not in html
        expect(page.locator("#id_wa_access_token")).to_have_value("")
        expect(page.locator("#id_wa_phone_number_id")).to_have_value(api.phone_number_id)
        shoot(page, "whatsapp-admin-settings")

        # "Test connection (WhatsApp)" from the list names the number
        page.goto(f"{product.url}/admin/inbox/channel/?type__exact=whatsapp")
        page.locator("input.action-select").first.check()
        page.locator("select[name=action]").select_option(label="Test connection (WhatsApp)")
        page.locator("button[name=index]").click()
        said = page.locator(".messagelist .success")
        expect(said).to_contain_text("Connected: the number +1 555-000-1111 (Seed Shop)")
        assert api.of("number")[0].headers["authorization"] == f"Bearer {TOKEN}"
        shoot(page, "whatsapp-admin-test-connection")
