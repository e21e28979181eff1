"""The reports pages as a supervisor meets them, in headless Chromium against the real
server: the dashboard draws its cards and charts and follows the filters without a
reload, its CSV download opens; the wallboard's queue moves live when a visitor writes;
an SLA alert reaches the wallboard and the inbox."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.actors import Visitor
from tests.e2e.conftest import ROOT, HostSite, Pages, Product, demo_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

Shoot = Callable[[Any, str], Path]

# how many pixels of a canvas are painted (Chart.js draws axes and bars into it)
PAINTED = """(id) => {
  const c = document.getElementById(id);
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
  return n;
}"""


def _log_in(pages: Pages, product: Product, username: str, path: str) -> Page:
    page = pages.new()
    page.goto(f"{product.url}/login/?next={urllib.request.quote(path)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{path}")
    return page


def _api(product: Product, method: str, path: str, body: Any = None) -> Any:
    """The REST API as the demo admin (token auth)."""
    login = urllib.request.Request(
        f"{product.url}/api/v1/auth/token/",
        data=json.dumps({"username": "admin", "password": demo_password()}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(login, timeout=10) as response:
        token = json.loads(response.read())["token"]
    request = urllib.request.Request(
        f"{product.url}/api/v1/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _scan_sla(product: Product) -> str:
    """One run of the periodic SLA scan (beat runs it every 2 s in production)."""
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from reports import tasks; print(tasks.sla_alerts_scan())",
        ],
        cwd=ROOT,
        env=product.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_supervisor_reads_the_dashboard_changes_the_range_and_downloads_a_csv(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    sofia = _log_in(pages, product, "sofia", "/reports/")

    # the cards and both charts, drawn by the vendored Chart.js
    expect(sofia.locator("#figures [data-figure=sessions] dd")).to_be_visible()
    expect(sofia.locator("#figures [data-figure=service_level_pct]")).to_be_visible()
    sofia.wait_for_function("() => window.Chart && Chart.getChart('chart-volume') !== undefined")
    assert sofia.evaluate(PAINTED, "chart-volume") > 100
    assert sofia.evaluate(PAINTED, "chart-response") > 100
    expect(sofia.locator("#breakdown-table thead th").first).to_have_text("Group")
    # only her groups are offered (she supervises all three demo groups)
    groups = sofia.locator("#id_group option").all_text_contents()
    assert groups == ["All groups", "Billing", "Sales", "Support"]
    shoot(sofia, "reports-dashboard")

    # another range and a group: the figures are read again, the page is not reloaded
    sofia.evaluate("window.__stayed = true")
    loaded = int(sofia.locator("body").get_attribute("data-loaded") or "0")
    sofia.locator("#id_period").select_option("30d")
    sofia.wait_for_function(f"() => Number(document.body.dataset.loaded) > {loaded}")
    sofia.locator("#id_group").select_option(label="Support")
    sofia.wait_for_function(f"() => Number(document.body.dataset.loaded) > {loaded + 1}")
    assert sofia.evaluate("window.__stayed") is True
    href = sofia.locator("#dl-summary-csv").get_attribute("href") or ""
    assert "format=csv" in href and "group=" in href

    # bad custom dates are explained next to the field, nothing is asked of the server
    sofia.locator("#id_period").select_option("custom")
    sofia.locator("#id_since").fill("2026-03-10")
    sofia.locator("#id_until").fill("2026-03-01")
    sofia.locator("#id_until").dispatch_event("change")
    expect(sofia.locator("#until-error")).to_have_text("The last day cannot be before the first.")
    expect(sofia.locator("#report-error")).to_be_hidden()

    # the breakdown by operator, and the summary's CSV with the page's filters
    sofia.locator("#id_period").select_option("7d")
    sofia.get_by_role("tab", name="By operator").click()
    expect(sofia.locator("#breakdown-table thead th").first).to_have_text("Operator")
    with sofia.expect_download() as download:
        sofia.locator("#dl-summary-csv").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf"), content[:40]  # UTF-8 with BOM, for Excel
    assert b"Conversations" in content.splitlines()[0]


def test_the_wallboard_follows_the_queue_live_and_shows_an_sla_alert_also_in_the_inbox(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    # Support answers within 2 s, and nobody is on shift: a chat waits in its queue
    support = product.query("SELECT id FROM routing_group WHERE name = 'Support'")[0][0]
    _api(product, "PATCH", f"groups/{support}/", {"sla_target_s": 2})
    board = _log_in(pages, product, "sofia", "/reports/wallboard/")
    card = board.locator("section.wb-group", has=board.locator("h2", has_text="Support"))
    expect(card.locator("[data-tile=queue] .v")).to_have_text("0")
    expect(board.locator("#wb-conn")).to_have_text("Live")
    inbox = pages.new()
    inbox.context.add_cookies(board.context.cookies())
    inbox.goto(f"{product.url}/inbox/")
    expect(inbox.locator("#conn")).to_be_hidden(timeout=30_000)

    visitor = Visitor.visit(pages, host_site, product)
    visitor.open()
    visitor.send("Is anybody there? My order did not arrive")

    # the queue grows on the wallboard without a reload, and the wait ticks
    expect(card.locator("[data-tile=queue] .v")).to_have_text("1")
    expect(card.locator("[data-tile=wait] .v")).not_to_have_text("—")
    board.wait_for_timeout(2_500)  # past the 2 s target

    assert _scan_sla(product).strip() == "2"  # the warning, then the breach
    alert = board.locator(".wb-alert").first
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Support")
    expect(alert).to_contain_text("past the 2 s target")
    expect(inbox.locator("#toasts")).to_contain_text("for a first answer (Support)")
    expect(inbox.locator("#sla-sound")).to_be_visible()
    shoot(board, "reports-wallboard")
    # a second scan sends nothing again
    assert _scan_sla(product).strip() == "0"


def test_an_operator_sees_their_own_figures_and_no_managers_reports(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    anna = _log_in(pages, product, "anna", "/inbox/")
    anna.locator("nav.mainnav a", has_text="My figures").click()
    expect(anna).to_have_url(f"{product.url}/reports/mine/")

    for period in ("today", "week"):
        card = anna.locator(f"#mine-{period}")
        expect(card.locator("[data-figure=answered] dd")).to_have_text("0")
        expect(card.locator("[data-figure=avg_first_response_s] dd")).to_have_text("—")
        expect(card.locator("[data-figure=csat_avg] dd")).to_be_visible()
    expect(anna.locator("#report-error")).to_be_hidden()
    shoot(anna, "reports-mine")

    anna.goto(f"{product.url}/reports/")
    expect(anna.locator("#reports-forbidden")).to_be_visible()
