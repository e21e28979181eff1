"""Routing as people notice it, in headless Chromium against the real server: a chat
that nobody else can take stays with the one operator on shift instead of waiting,
the supervisor watches every chat of their groups live and reaches any of them from the
board, and the widget tells the visitor whether anyone can answer now."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.actors import Operator, Visitor
from tests.e2e.conftest import ROOT, HostSite, Pages, Product, demo_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

Shoot = Callable[[Any, str], Path]
SUPPORT_OFFLINE = "Support is open around the clock; an operator will answer shortly."
SWEEP = "from routing import tasks; print(tasks.sweep())"


# --- helpers: what an admin and the periodic sweep do --------------------------------


def _api(product: Product, method: str, path: str, body: Any = None) -> Any:
    """The REST API as the demo admin (token auth)."""
    token = _post(
        product, "/api/v1/auth/token/", {"username": "admin", "password": demo_password()}
    )
    request = urllib.request.Request(
        f"{product.url}/api/v1/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token['token']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _post(product: Product, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"{product.url}{path}",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _group_id(product: Product, name: str) -> int:
    rows = product.query("SELECT id FROM routing_group WHERE name = ?", (name,))
    return int(rows[0][0])


def _sweep(product: Product) -> str:
    """One run of the periodic routing sweep (the task Celery beat runs every second in
    production), against the product's database and Redis."""
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from routing import tasks; print(tasks.sweep())",
        ],
        cwd=ROOT,
        env=product.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _log_in(pages: Pages, product: Product, username: str, path: str) -> Page:
    page = pages.new()
    page.goto(f"{product.url}/login/?next={urllib.request.quote(path)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{path}")
    return page


def _open_session(product: Product, contact_text: str) -> tuple[int, str, int | None]:
    rows = product.query(
        "SELECT s.id, s.status, s.operator_id FROM inbox_session s "
        "JOIN inbox_message m ON m.session_id = s.id WHERE m.text = ? AND s.status != 'closed'",
        (contact_text,),
    )
    assert len(rows) == 1, rows
    return rows[0]


def _operator_id(product: Product, username: str) -> int:
    rows = product.query(
        "SELECT o.id FROM routing_operator o JOIN auth_user u ON u.id = o.user_id "
        "WHERE u.username = ?",
        (username,),
    )
    return int(rows[0][0])


# --- the tests ------------------------------------------------------------------------


def test_one_operator_on_shift_keeps_an_unanswered_chat_and_the_supervisor_sees_it_live(
    product: Product, host_site: HostSite, pages: Pages, shoot: Shoot
) -> None:
    # given Support with a 2 s no-answer timeout and Anna alone on shift
    _api(product, "PATCH", f"groups/{_group_id(product, 'Support')}/", {"no_answer_timeout_s": 2})
    anna = Operator.log_in(pages, product)
    anna.go_online()
    # and Sofia, who supervises every group, on her live view
    sofia = _log_in(pages, product, "sofia", "/inbox/?view=team")
    team = sofia.locator("#sec-team")
    expect(team).to_be_visible()
    expect(team).to_have_class("ib-sec focused")
    expect(sofia.locator("#conn")).to_be_hidden(timeout=45_000)

    # when a customer writes
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Olga Petrova")
    visitor.open()
    visitor.send("My order is late")

    # then Anna has the chat, and Sofia sees it live in her team view, with whom
    expect(anna.my_chats).to_have_count(1)
    row = team.locator("li.chat-item").filter(has_text="Olga Petrova")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Anna")
    # she opens it to read: the conversation, read only
    row.locator("button.chat-btn").click()
    expect(sofia.locator("#chat-readonly")).to_be_visible()
    expect(sofia.locator("#timeline .msg.from-contact .text")).to_have_text(["My order is late"])
    # docs/screenshots/inbox-team-live.png is a copy of this one
    shoot(sofia, "inbox-team-live")

    # when Anna does not answer in time and the routing sweep runs
    time.sleep(2.5)
    _sweep(product)

    # then the chat stays with her (nobody else is on shift) instead of waiting, and
    # Sofia is told so
    expect(sofia.locator(".toast")).to_contain_text(
        [
            "Nobody else is available: the chat with Olga Petrova stays with Anna, "
            "who has not answered yet."
        ]
    )
    _, status, operator_id = _open_session(product, "My order is late")
    assert (status, operator_id) == ("active", _operator_id(product, "anna"))
    assert product.query("SELECT COUNT(*) FROM inbox_session WHERE status = 'queued'") == [(0,)]
    expect(anna.my_chats).to_have_count(1)
    expect(row).to_contain_text("Anna")
    # the customer saw nothing happen: no queue notice, Anna joined once
    expect(visitor.queue).to_be_hidden()
    expect(visitor.widget.locator(".nt").filter(has_text="Anna joined the chat")).to_have_count(1)

    # when Boris comes on shift and Anna still does not answer, the next round of the
    # ladder gives the chat to him
    boris = Operator.log_in(pages, product, "boris")
    boris.go_online()
    time.sleep(2.5)
    _sweep(product)
    expect(boris.my_chats).to_have_count(1)
    expect(anna.my_chats).to_have_count(0)
    expect(row).to_contain_text("Boris")


def test_the_supervisor_reaches_a_chat_from_the_board_and_an_admin_board_is_live(
    product: Product, host_site: HostSite, pages: Pages
) -> None:
    # given an admin (no operator record) and Sofia on the routing board
    admin = _log_in(pages, product, "admin", "/routing/board/")
    expect(admin.locator("#board-conn")).to_have_text("Live")
    sofia = _log_in(pages, product, "sofia", "/routing/board/")
    expect(sofia.locator("#board-conn")).to_have_text("Live")

    # when a customer writes while nobody is online
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Ivan Sokolov")
    visitor.open()
    visitor.send("Is anyone there?")

    # then both boards show the waiting chat at once (live, not at the next poll)
    for page in (admin, sofia):
        link = page.locator("a.chat-link").filter(has_text="Ivan Sokolov")
        expect(link).to_have_count(1, timeout=5_000)
    session_id = _open_session(product, "Is anyone there?")[0]
    link = sofia.locator("a.chat-link").filter(has_text="Ivan Sokolov")
    expect(link).to_have_attribute("href", f"/inbox/?session={session_id}")

    # and the supervisor's click opens it in the inbox
    link.click()
    sofia.wait_for_url(f"**/inbox/?session={session_id}")
    expect(sofia.locator("#chat")).to_be_visible()
    expect(sofia.locator("#chat-name")).to_have_text("Ivan Sokolov")
    expect(sofia.locator("#timeline .msg.from-contact .text")).to_have_text(["Is anyone there?"])


def test_the_widget_says_who_can_answer_now(
    product: Product, host_site: HostSite, pages: Pages
) -> None:
    # given nobody online: the visitor reads the group's offline message, not "Online"
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Nina Orlova")
    visitor.open()
    expect(visitor.status).to_have_text(SUPPORT_OFFLINE)

    # when Anna comes online, the widget says so the next time it is opened
    anna = Operator.log_in(pages, product)
    anna.go_online()
    visitor.launcher.click()
    expect(visitor.panel).to_be_hidden()
    visitor.open()
    expect(visitor.status).to_have_text("Online")

    # with Anna in the chat, her name
    visitor.send("Hello")
    expect(anna.my_chats).to_have_count(1)
    expect(visitor.status).to_have_text("Anna · Online")

    # when Anna steps away and ends the chat, the widget does not claim "Online"
    anna.status_select.select_option("away")
    expect(anna.page.locator(".status-switch")).to_have_attribute("data-status", "away")
    anna.open_chat()
    anna.page.locator("#btn-close").click()
    expect(visitor.widget.locator(".nt").filter(has_text="The chat has ended")).to_have_count(1)
    expect(visitor.status).to_have_text(SUPPORT_OFFLINE)


def test_a_transfer_goes_to_a_colleague_and_never_bounces_back(
    product: Product, host_site: HostSite, pages: Pages
) -> None:
    # given Anna alone on shift in Support with a customer's chat
    anna = Operator.log_in(pages, product)
    anna.go_online()
    visitor = Visitor.visit(pages, host_site, product)
    visitor.identify(name="Pavel Smirnov")
    visitor.open()
    visitor.send("I need help with my router")
    anna.open_chat("Pavel Smirnov")
    card = anna.page.locator("#contact-timeline li.timeline-entry")
    expect(card).to_have_count(1)
    dialog = anna.page.locator("#transfer-modal")

    # when she transfers it to her own group: refused, with the reason, and it stays hers
    anna.page.locator("#btn-transfer").click()
    expect(dialog).to_be_visible()
    anna.page.locator("#tr-group").select_option(label="Support")
    dialog.get_by_role("button", name="Transfer").click()
    expect(anna.page.locator("#tr-error")).to_contain_text("Nobody else in Support is available")
    dialog.get_by_role("button", name="Cancel").click()
    expect(anna.my_chats).to_have_count(1)
    expect(anna.page.locator("#list-closed li.chat-item")).to_have_count(0)

    # and the operators offered are only colleagues online with the inbox open
    boris = Operator.log_in(pages, product, "boris")
    boris.go_online()
    anna.page.locator("#btn-transfer").click()
    anna.page.locator("#tr-mode-operator").check()
    anna.page.locator("#tr-group").select_option(label="Support")
    options = anna.page.locator("#tr-operator option")
    expect(options).to_have_count(2)  # the prompt and Boris: not Carla (offline), not Anna
    expect(options.nth(1)).to_contain_text("Boris")

    # when she transfers it to Support with Boris on shift: it goes to Boris, not back
    anna.page.locator("#tr-mode-group").check()
    dialog.get_by_role("button", name="Transfer").click()
    expect(dialog).to_be_hidden()
    expect(boris.my_chats).to_have_count(1)
    expect(anna.my_chats).to_have_count(0)
    expect(anna.page.locator("#list-closed li.chat-item")).to_contain_text(["Transferred"])
    # and her contact card's timeline shows the new session at once
    expect(card).to_have_count(2)
    expect(card.first).to_contain_text("Boris")
