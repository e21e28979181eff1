"""Each demo user logs in and lands on their own work, with a header that offers the
places their role may go; a CRM manager in the inbox gets a notice, not a broken page;
the inbox's "Create lead" form makes exactly one lead on a double click, and the lead's
page shows it with notes and tasks. Screenshots: the start page, a lead, the reports."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.actors import Operator, Visitor
from tests.e2e.conftest import ROOT, HostSite, Pages, Product, demo_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

Shoot = Callable[[Any, str], Path]
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def log_in(pages: Pages, product: Product, username: str) -> Page:
    """Logs in from the login page without a ``next``: where the product sends them."""
    page = pages.new()
    page.goto(f"{product.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def nav_labels(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("nav.mainnav a").all_text_contents()]


def current_nav(page: Page) -> Any:
    return page.locator('nav.mainnav a[aria-current="page"]')


def to_docs(shot: Path, name: str) -> None:
    """The README's pictures are refreshed from a run with ``UPDATE_SCREENSHOTS=1``; a
    plain run leaves the tracked files alone (its pictures are in artifacts/e2e/)."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, DOCS_SCREENSHOTS / name)


def test_each_role_lands_on_its_work_with_its_navigation(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    # an operator: straight into the inbox, which connects; their own figures beside it
    anna = log_in(pages, product, "anna")
    expect(anna).to_have_url(f"{product.url}/inbox/")
    assert nav_labels(anna) == ["Inbox", "My figures"]
    expect(current_nav(anna)).to_have_text("Inbox")
    expect(anna.locator("#conn")).to_be_hidden(timeout=45_000)

    # a supervisor: a start page with their works, in the header too (the wallboard, for
    # a big screen, only as a tile)
    sofia = log_in(pages, product, "sofia")
    expect(sofia).to_have_url(f"{product.url}/")
    expected = ["Inbox", "Live view", "Routing board", "Reports", "My figures"]
    tiles = [t.strip() for t in sofia.locator("#works h3").all_text_contents()]
    assert tiles == [*expected[:4], "Wallboard", "My figures"]
    assert nav_labels(sofia) == expected
    sofia.locator("nav.mainnav a", has_text="Live view").click()
    expect(sofia).to_have_url(f"{product.url}/inbox/?view=team")
    expect(current_nav(sofia)).to_have_text("Live view")

    # a CRM manager: the leads, and the CRM in the header; no inbox offered
    marta = log_in(pages, product, "marta")
    expect(marta).to_have_url(f"{product.url}/crm/leads/")
    assert nav_labels(marta) == ["Leads", "Lead board", "My tasks"]
    expect(current_nav(marta)).to_have_text("Leads")
    # ...and the inbox, opened by hand, says what it is instead of failing
    marta.goto(f"{product.url}/inbox/")
    notice = marta.locator("#inbox-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("The inbox is for operators")
    expect(notice.locator("a[data-work=leads]")).to_be_visible()
    marta.wait_for_timeout(2_000)  # time enough for a socket to fail and retry
    expect(marta.locator("#inbox-banner")).to_have_count(0)
    expect(marta.get_by_text("Reconnecting")).to_have_count(0)
    expect(marta.locator("#conn")).to_have_count(0)

    # the admin (no operator record): a dashboard with the administration and reports
    admin = log_in(pages, product, "admin")
    expect(admin).to_have_url(f"{product.url}/")
    tiles = [t.strip() for t in admin.locator("#works h3").all_text_contents()]
    assert "Administration" in tiles and "Reports" in tiles and "Inbox" not in tiles
    assert "Inbox" not in nav_labels(admin)
    to_docs(shoot(admin, "start-page"), "start-page.png")

    admin.locator("nav.mainnav a", has_text="Reports").click()
    expect(admin).to_have_url(f"{product.url}/reports/")
    expect(admin.locator("#figures [data-figure=sessions] dd")).to_have_text("0")
    admin.locator("#id_period").select_option("30d")  # read again, without a reload
    expect(admin.locator("#id_period")).to_have_value("30d")
    expect(admin.locator("#figures")).to_be_visible()
    # bad custom dates are explained next to the field, not a crash
    admin.locator("#id_period").select_option("custom")
    admin.locator("#id_since").fill("2026-03-10")
    admin.locator("#id_until").fill("2026-03-01")
    admin.locator("#id_until").dispatch_event("change")
    expect(admin.locator(".f-until .errors")).to_contain_text("cannot be before")
    admin.locator("#id_until").fill("2026-03-31")
    admin.locator("#id_until").dispatch_event("change")
    expect(admin.locator(".f-until .errors")).to_be_hidden()
    expect(admin.locator("#figures")).to_be_visible()
    admin.locator("#id_period").select_option("7d")
    expect(admin.locator("#id_since")).to_be_hidden()  # dates only for custom periods


def test_the_lead_form_makes_one_lead_on_a_double_click_and_opens_its_page(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    operator = Operator.log_in(pages, product)
    operator.go_online()
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Maria Schmidt", email="maria@example.com")
    visitor.open()
    visitor.send("I would like 40 bags of compost for my allotment")
    operator.open_chat("Maria Schmidt")
    operator.reply("Certainly! Where should we deliver them?")
    page = operator.page
    expect(page.locator("#contact-leads li.empty")).to_have_text("No leads yet.")

    # the form asks for the title, the pipeline and the owner, with defaults
    page.locator("#btn-lead").click()
    form = page.locator("#lead-form")
    expect(form).to_be_visible()
    expect(page.locator("#lead-title")).to_have_value("Maria Schmidt — Website")
    expect(page.locator("#lead-pipeline option:checked")).to_have_text("Sales")
    expect(page.locator("#lead-owner option:checked")).to_contain_text("Me")
    page.locator("#lead-title").fill("Maria — 40 bags of compost")

    # a double click makes one lead
    page.locator("#lead-submit").dblclick()
    leads = page.locator("#contact-leads li.lead")
    expect(leads).to_have_count(1)
    expect(form).to_be_hidden()
    page.wait_for_timeout(1_000)  # a second request, had there been one, has landed
    assert product.query("SELECT count(*) FROM crm_lead") == [(1,)]
    # status and stage once each, translated: not "new · New"
    expect(leads.first.locator(".pill")).to_have_text("New")
    expect(leads.first).not_to_contain_text("new · New")

    # asking again names the lead that exists
    page.locator("#btn-lead").click()
    page.locator("#lead-submit").click()
    expect(page.locator("#lead-error")).to_contain_text("already has an open lead")
    expect(page.locator("#lead-error a")).to_have_attribute("href", "/crm/leads/1/")
    assert product.query("SELECT count(*) FROM crm_lead") == [(1,)]

    # the lead's page, from the card
    with page.context.expect_page() as opened:
        leads.first.locator("a.l-title").click()
    lead_page = opened.value
    lead_page.wait_for_load_state()
    expect(lead_page.locator("#lead-title")).to_have_text("Maria — 40 bags of compost")
    expect(lead_page.locator("#lead-status")).to_have_text("New")
    expect(lead_page.locator("#lead-owner")).to_have_text("Anna")
    expect(lead_page.locator("#lead-contact")).to_contain_text("Maria Schmidt")
    conversation = lead_page.locator("#lead-conversations a")
    expect(conversation).to_have_count(1)
    assert "/inbox/?session=" in (conversation.get_attribute("href") or "")
    lead_page.get_by_role("textbox", name="Note").fill("Needs delivery before Saturday.")
    lead_page.get_by_role("button", name="Add note").click()
    expect(lead_page.locator("#note-list")).to_contain_text("Needs delivery before Saturday.")
    expect(lead_page.locator("#note-list")).to_contain_text("Anna")

    # the CRM manager takes it on: a task, then the lead moves to the next stage
    marta = log_in(pages, product, "marta")
    marta.goto(f"{product.url}/crm/leads/1/")
    marta.get_by_role("textbox", name="Task").fill("Call Maria about the delivery date")
    marta.get_by_role("button", name="Add task").click()
    expect(marta.locator("#lead-tasks")).to_contain_text("Call Maria about the delivery date")
    marta.locator("#lead-change select[name=stage]").select_option(label="Contacted")
    marta.locator("#lead-change select[name=status]").select_option("in_progress")
    marta.locator("#lead-change").get_by_role("button", name="Save").click()
    expect(marta.locator("#lead-status")).to_have_text("In progress")
    expect(marta.locator("#lead-stage")).to_have_text("Contacted in Sales")
    marta.goto(f"{product.url}/crm/leads/1/")  # from the top of the page
    to_docs(shoot(marta, "lead-detail"), "lead-detail.png")

    # the chat counts in today's reports, for the admin and for the supervisor
    for username in ("admin", "sofia"):
        reports = log_in(pages, product, username)
        reports.goto(f"{product.url}/reports/?period=today")
        expect(reports.locator("[data-figure=sessions] dd")).to_have_text("1")
        expect(reports.locator("[data-figure=answered] dd")).to_have_text("1")
        expect(reports.locator("[data-figure=sla_pct] dd")).to_have_text("100 %")
    to_docs(shoot(reports, "reports"), "reports.png")
