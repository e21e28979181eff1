"""The two people of the e2e tests, as page objects: a visitor on a customer's website
with the chat widget, and an operator in the inbox. Both act through the page only
(clicks and keys) and read what is on the screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import HostSite, Pages, Product, demo_password


class Visitor:
    def __init__(self, page: Page) -> None:
        self.page = page
        # The widget's own element; its shadow root is opened by the test init script.
        self.widget = page.locator("cc-chat-widget")

    @classmethod
    def visit(cls, pages: Pages, site: HostSite, product: Product) -> Visitor:
        page = pages.new()
        page.goto(site.url(product))
        visitor = cls(page)
        expect(visitor.launcher).to_be_visible()
        return visitor

    @property
    def launcher(self) -> Locator:
        return self.widget.locator("button.ln")

    @property
    def panel(self) -> Locator:
        return self.widget.locator("div.p[role=dialog]")

    @property
    def input(self) -> Locator:
        return self.widget.locator("form.cp textarea")

    @property
    def status(self) -> Locator:
        return self.widget.locator(".hd .st")

    @property
    def typing(self) -> Locator:
        return self.widget.locator(".ty")

    @property
    def queue(self) -> Locator:
        return self.widget.locator(".q")

    def identify(self, **fields: str) -> None:
        """What the host site does through the documented JavaScript API."""
        self.page.wait_for_function("() => !!window.ContactCenterWidget")
        self.page.evaluate("(fields) => window.ContactCenterWidget.identify(fields)", fields)

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()

    def send(self, text: str) -> None:
        self.input.click()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.input).to_have_value("")

    def mine(self, text: str) -> Locator:
        """The visitor's own message bubbles with exactly this text (sent or pending)."""
        return self.widget.locator(".m.me .bb").filter(has_text=text)

    def theirs(self, text: str) -> Locator:
        """Bubbles of operators, bots and the system with this text."""
        return self.widget.locator(".m.them").filter(has_text=text)

    def texts(self) -> list[str]:
        return [t.strip() for t in self.widget.locator(".m .bb").all_text_contents()]


class Operator:
    def __init__(self, page: Page) -> None:
        self.page = page

    @classmethod
    def log_in(cls, pages: Pages, product: Product, username: str = "anna") -> Operator:
        page = pages.new()
        page.goto(f"{product.url}/login/?next=/inbox/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo_password())
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/inbox/")
        operator = cls(page)
        expect(operator.status_select).to_be_enabled()
        return operator

    @property
    def status_select(self) -> Locator:
        return self.page.locator("#my-status")

    def go_online(self) -> None:
        self.status_select.select_option("online")
        expect(self.page.locator(".status-switch")).to_have_attribute("data-status", "online")
        self.wait_connected()

    def wait_connected(self) -> None:
        expect(self.page.locator("#conn")).to_be_hidden(timeout=45_000)

    @property
    def my_chats(self) -> Locator:
        return self.page.locator("#list-mine li.chat-item")

    def open_chat(self, name: str | None = None) -> None:
        chats = self.my_chats if name is None else self.my_chats.filter(has_text=name)
        expect(chats).to_have_count(1)
        chats.first.locator("button.chat-btn").click()
        expect(self.page.locator("#chat")).to_be_visible()
        expect(self.composer).to_be_enabled()

    @property
    def composer(self) -> Locator:
        return self.page.locator("#composer-text")

    @property
    def timeline(self) -> Locator:
        return self.page.locator("#timeline")

    def contact_messages(self, text: str) -> Locator:
        return self.timeline.locator(".msg.from-contact .text").filter(has_text=text)

    def reply(self, text: str) -> None:
        self.composer.click()
        self.composer.fill(text)
        self.composer.press("Enter")
        expect(self.composer).to_have_value("")
        sent = self.timeline.locator(".msg.from-operator").filter(has_text=text)
        expect(sent).to_have_count(1)
        expect(sent.locator(".state")).to_have_count(0)  # acked: no "Sending…"


def type_slowly(locator: Locator, text: str, delay_ms: int = 150) -> None:
    """Key by key, as a person types (fires input events and so the typing signal).
    Both clients send the typing signal at most every 2 s, so the default pace keeps a
    typical sentence going for longer than that: at least one signal always leaves,
    however soon after an earlier one the typing starts."""
    locator.click()
    locator.press_sequentially(text, delay=delay_ms)


def exactly_text(locator: Locator) -> Any:
    return [t.strip() for t in locator.all_text_contents()]
