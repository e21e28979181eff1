"""An e-mail with HTML, in headless Chromium against the real server: the admin's
e-mail channel receives it through the product's SMTP receiver (``manage.py
mail_receiver``); the operator sees its subject and plain text, and "Show formatted"
shows the sanitised HTML under the page's CSP: the inline logo from its stored copy, the
remote tracking image not loaded, links opening in a new tab, nothing run."""

from __future__ import annotations

import json
import re
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.actors import Operator
from tests.e2e.conftest import ROOT, Pages, Product, demo_password
from tests.inbox.connectors.conftest import fixture_bytes, free_port
from tests.inbox.connectors.imap_server import ImapServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

Shoot = Callable[[Any, str], Path]


def api(product: Product, method: str, path: str, body: Any = None, token: str = "") -> Any:
    request = urllib.request.Request(
        f"{product.url}/api/v1/{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Token {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def mail_receiver(product: Product) -> Iterator[int]:
    """The product's SMTP receiver, on the product's database; yields its port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "mail_receiver", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=product.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_an_html_email_is_shown_formatted_and_safe(
    product: Product, mail_receiver: int, pages: Pages, shoot: Shoot
) -> None:
    token = api(product, "POST", "auth/token/", {"username": "admin", "password": demo_password()})[
        "token"
    ]
    support = next(
        g for g in api(product, "GET", "groups/", token=token)["results"] if g["name"] == "Support"
    )
    api(
        product,
        "POST",
        "channels/",
        {
            "type": "email",
            "name": "Mail",
            "default_group": support["id"],
            "config": {"address": "support@shop.example"},
        },
        token=token,
    )
    with smtplib.SMTP("127.0.0.1", mail_receiver, timeout=10) as smtp:
        smtp.sendmail(
            "ada@example.org", ["support@shop.example"], fixture_bytes("html_inline_image.eml")
        )
    rows: list[Any] = []
    deadline = time.monotonic() + 10
    while not rows and time.monotonic() < deadline:
        rows = product.query(
            "SELECT session_id FROM inbox_message WHERE text LIKE 'Hello, my order 42%'"
        )
        time.sleep(0.1)
    assert rows, "the e-mail was not stored"

    operator = Operator.log_in(pages, product)
    page = operator.page
    console: list[str] = []
    page.on("console", lambda entry: console.append(entry.text))
    page.goto(f"{product.url}/inbox/?session={rows[0][0]}")
    message = page.locator(".msg.from-contact").filter(has_text="Subject: Order 42 missing")
    expect(message).to_have_count(1, timeout=15_000)
    expect(message.locator(".text")).to_contain_text("Hello, my order 42 has not arrived.")

    formatted = message.locator(".email-html")
    for _attempt in range(3):
        # the bubble is drawn anew when the message turns read just as the button is
        # pressed; a click whose press and release land on two drawings is lost, as it
        # would be for a person, who would click again
        message.get_by_role("button", name="Show formatted").click()
        try:
            expect(formatted).to_have_count(1, timeout=3_000)
            break
        except AssertionError:
            continue
    expect(formatted).to_contain_text("has not arrived.")
    expect(message.locator(".text")).to_have_count(0)
    logo = formatted.locator("img[alt='Shop logo']")
    expect(logo).to_have_attribute("src", re.compile(r"^/media/attachments/.+\.png$"))
    # the inline image is loaded from its stored copy (a real 1x1 PNG)
    page.wait_for_function(
        "() => { const i = document.querySelector('.email-html img[alt=\"Shop logo\"]');"
        " return !!i && i.complete && i.naturalWidth === 1; }"
    )
    pixel = formatted.locator("img[alt='pixel']")
    assert pixel.get_attribute("src") is None  # the remote image is not loaded
    link = formatted.get_by_role("link", name="order 42")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert formatted.locator("script, [onclick], [onerror], [style]").count() == 0
    assert not [text for text in console if "Content Security Policy" in text]
    shoot(page, "inbox-email-formatted")

    message.get_by_role("button", name="Show plain text").click()
    expect(message.locator(".email-html")).to_have_count(0)
    expect(message.locator(".text")).to_contain_text("Hello, my order 42")


def test_the_admin_sets_up_imap_and_tests_the_connection(
    product: Product, pages: Pages, shoot: Shoot
) -> None:
    mailbox = ImapServer()
    mailbox.start()
    try:
        token = api(
            product, "POST", "auth/token/", {"username": "admin", "password": demo_password()}
        )["token"]
        channel = api(
            product,
            "POST",
            "channels/",
            {"type": "email", "name": "Mail", "config": {"address": "support@shop.example"}},
            token=token,
        )
        page = pages.new()
        page.goto(f"{product.url}/admin/login/?next=/admin/inbox/channel/{channel['id']}/change/")
        page.locator("#id_username").fill("admin")
        page.locator("#id_password").fill(demo_password())
        page.locator("input[type=submit]").click()
        expect(page.get_by_text("E-mail: reading the mailbox (IMAP)")).to_be_visible()
        page.get_by_label("IMAP server").fill("127.0.0.1")
        page.get_by_label("IMAP port").fill(str(mailbox.port))
        page.get_by_label("IMAP over SSL").uncheck()
        page.get_by_label("IMAP password").fill(mailbox.password)
        shoot(page, "admin-email-channel")
        page.locator("input[name=_save]").click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

        page.locator(f"input[name=_selected_action][value='{channel['id']}']").check()
        page.locator("select[name=action]").select_option("email_connection_test")
        page.locator("button[name=index]").click()

        said = page.locator(".messagelist")
        expect(said.locator(".success")).to_contain_text(
            "Mail: Receiving (IMAP): logged in to 127.0.0.1; INBOX has 0 unread messages."
        )
        expect(said.locator(".error")).to_contain_text(
            "Sending: set the outgoing mail server (SMTP), or replies cannot leave."
        )
        shoot(page, "admin-email-test-connection")
        assert mailbox.logins == ["support@shop.example"]
        assert mailbox.password not in page.content()
    finally:
        mailbox.stop()
