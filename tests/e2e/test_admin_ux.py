"""The admin as a newcomer meets it, in headless Chromium against the real server: the
widget's settings with a live preview, working hours without the server-time note, and
the index in a contact center's order."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT, Pages, Product, demo_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def admin_page(pages: Pages, product: Product, **context: Any) -> Any:
    """A browser logged in to the admin as the demo admin."""
    if context:
        ctx = pages.browser.new_context(viewport=VIEWPORT, locale="en-US", **context)
        ctx.set_default_timeout(15_000)
        pages.contexts.append(ctx)
        page = ctx.new_page()
        pages.pages.append(page)
    else:
        page = pages.new()
    page.goto(f"{product.url}/admin/login/?next=/admin/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(demo_password())
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    return page


def test_the_widget_preview_follows_what_the_admin_types(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    key = product.channel_key()
    channel_id = product.query("SELECT id FROM inbox_channel WHERE key = ?", (key,))[0][0]
    page = admin_page(pages, product)
    page.goto(f"{product.url}/admin/inbox/channel/{channel_id}/change/")
    header = page.locator(".cc-preview .cc-pv-hd")
    launcher = page.locator(".cc-preview .cc-pv-ln")
    expect(header).to_be_visible()

    # a colour typed in the text box recolours the preview's header and button at once
    color = page.locator("#id_widget_color")
    color.fill("")
    color.press_sequentially("#aa0000", delay=30)
    expect(header).to_have_css("background-color", "rgb(170, 0, 0)")
    expect(launcher).to_have_css("background-color", "rgb(170, 0, 0)")
    expect(header).to_have_css("color", "rgb(255, 255, 255)")
    # a light colour gets dark text, as in the widget
    color.fill("#ffcc00")
    expect(header).to_have_css("color", "rgb(17, 17, 17)")
    # the picker and the text box are one value
    page.locator(".cc-color-picker").fill("#2f6b3a")
    expect(color).to_have_value("#2f6b3a")
    expect(header).to_have_css("background-color", "rgb(47, 107, 58)")

    # title, greeting, corner and the pre-chat form show as they will on the website
    page.locator("#id_widget_title").fill("Ask the gardener")
    page.locator("#id_widget_greeting").fill("Hi! What are you growing this year?")
    page.locator("#id_widget_position").select_option("left")
    page.locator("#id_prechat_enabled").check()
    page.locator("#id_prechat_name").select_option("required")
    page.locator("#id_prechat_email").select_option("optional")
    preview = page.locator(".cc-preview")
    expect(preview.locator(".cc-pv-ti")).to_have_text("Ask the gardener")
    expect(preview.locator(".cc-pv-bb")).to_have_text("Hi! What are you growing this year?")
    expect(preview.locator(".cc-pv-w")).to_have_class("cc-pv-w cc-pv-left")
    expect(preview.locator(".cc-pv-pf label")).to_have_text(["Name *", "Email"])
    # and in the widget's language, when one is chosen
    page.locator("#id_widget_language").select_option("ru")
    expect(preview.locator(".cc-pv-pf label")).to_have_text(["Имя *", "Эл. почта"])
    page.locator("#id_widget_language").select_option("en")
    preview.scroll_into_view_if_needed()
    shoot(page, "admin-widget-preview")

    # a colour the widget cannot use is refused on saving, with the reason
    color.fill("green")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-widget_color .errorlist")).to_contain_text("six hexadecimal digits")

    # a good one is saved, and the widget's config answers with it
    page.locator("#id_widget_color").fill("#2f6b3a")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    with urllib.request.urlopen(f"{product.url}/widget/api/{key}/config/", timeout=10) as r:
        config = json.load(r)
    assert (config["color"], config["name"], config["position"]) == (
        "#2f6b3a",
        "Ask the gardener",
        "left",
    )
    assert config["prechat"]["fields"] == [
        {"name": "name", "required": True},
        {"name": "email", "required": False},
    ]


def test_working_hours_have_no_server_time_note(product: Product, pages: Pages) -> None:
    # an admin in Tokyo (UTC+9) on a server in UTC, editing a group kept in Moscow time
    group_id = product.query("SELECT id FROM routing_group WHERE name = 'Sales'")[0][0]
    page = admin_page(pages, product, timezone_id="Asia/Tokyo")
    assert page.evaluate("new Date().getTimezoneOffset()") == -540
    page.goto(f"{product.url}/admin/routing/group/{group_id}/change/")
    assert page.locator("body").get_attribute("data-admin-utc-offset") == "0"
    hours = page.locator("#working_hours-group")
    expect(hours.locator("h2")).to_contain_text("Working hours (Europe/Moscow time)")
    expect(hours.locator("input[type=time]").first).to_have_value("09:00")
    # the admin's scripts have run (the inline rows are drawn) and left no note
    expect(hours.locator(".add-row a")).to_be_visible()
    expect(page.locator(".timezonewarning")).to_have_count(0)
    expect(page.get_by_text("server time")).to_have_count(0)
    # a row added in the browser gets no note either
    hours.locator(".add-row a").click()
    expect(hours.locator("input[type=time]")).not_to_have_count(0)
    expect(page.locator(".timezonewarning")).to_have_count(0)
    # another zone picked in the form is named at once, before saving
    page.locator("#id_time_zone").select_option("Asia/Tokyo")
    expect(hours.locator("h2")).to_have_text("Working hours (Asia/Tokyo time)")
    expect(hours.locator("thead .help-tooltip").first).to_have_attribute(
        "title", "In the group's time zone, Asia/Tokyo."
    )


def test_the_index_reads_as_a_contact_center(product: Product, pages: Pages, shoot: Shoot) -> None:
    page = admin_page(pages, product)
    captions = page.locator("#content-main .module caption")
    expect(captions).to_have_text(
        [
            "Channels and conversations",
            "Routing",
            "Bots and automation",
            "Knowledge base",
            "CRM",
            "Users and roles",
            "System: scheduled jobs",
        ]
    )
    expect(page.locator("#content-main")).to_contain_text("Operator groups")
    expect(page.locator("#content-main")).to_contain_text("Roles (user groups)")
    # tall enough to show every section, down to the system one
    page.set_viewport_size({"width": 1280, "height": 1440})
    shoot(page, "admin-index")


def test_a_new_channel_shows_the_settings_of_the_type_picked(
    product: Product, pages: Pages
) -> None:
    page = admin_page(pages, product)
    page.goto(f"{product.url}/admin/inbox/channel/add/")
    widget_section = page.locator("fieldset.widget-settings")
    json_section = page.locator("fieldset.channel-settings")
    # a widget channel gets the widget's fields and preview
    page.locator("#id_type").select_option("widget")
    expect(widget_section).to_be_visible()
    expect(json_section).to_be_hidden()
    expect(page.locator(".cc-preview .cc-pv-ln")).to_be_visible()
    # the preview's title follows the channel's name while no title is set
    page.locator("#id_name").fill("Shop chat")
    expect(page.locator(".cc-preview .cc-pv-ti")).to_have_text("Shop chat")
    # a Telegram channel gets its JSON settings instead
    page.locator("#id_type").select_option("telegram")
    expect(widget_section).to_be_hidden()
    expect(json_section).to_be_visible()
