"""Every page works on an installation without internet: no page, and no stylesheet or
script a page loads, refers to anything outside the product. And every page carries a
Content-Security-Policy that allows scripts from the product's own files only, which
the pages keep to (no inline script, no handler attribute).

The test walks the product as each demo user (admin, operator, supervisor, CRM
manager) and as an anonymous visitor: it starts at the pages a user opens first and
follows every link inside the product, reads each HTML page's resources (scripts,
stylesheets, images, frames, forms, links) and each static file those load, and fails
on any address with another host.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from contactcenter.management.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOCAL_HOSTS = {"", "testserver", "localhost", "127.0.0.1", "[::1]"}
# Names that look like addresses but are never fetched: XML namespaces, and the reserved
# `.invalid` name (a base for parsing relative URLs).
NOT_ADDRESSES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://invalid"}
COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*$", re.DOTALL | re.MULTILINE)
START_PAGES = ["/", "/inbox/", "/routing/board/", "/crm/leads/", "/admin/", "/api/v1/docs/"]
ANONYMOUS_PAGES = ["/login/", "/demo/", "/healthz"]
# Links that change state or end the session are not followed (the crawl only reads).
NOT_FOLLOWED = re.compile(
    r"/(logout|delete|password|i18n)/|/admin/.+/history/"
    r"|[?&](_popup|_to_field|_changelist_filters|o)="
)
MAX_PAGES = 400

# Attributes whose address the browser loads (or sends to) by itself.
LOADED = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "form": ("action",),
    "input": ("src", "formaction"),
    "button": ("formaction",),
}
ABSOLUTE = re.compile(r"""(?:(?:https?|wss?|ftp):)?//[^\s'"()<>]+""", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)
# In our own scripts any absolute address counts; in vendored bundles only what they load.
JS_LOAD = re.compile(
    r"""(?:fetch|import|importScripts|WebSocket|EventSource|open)\s*\(\s*['"`]([^'"`]+)""",
)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loaded: list[str] = []
        self.links: list[str] = []
        self.inline: list[str] = []
        # what a Content-Security-Policy without 'unsafe-inline' scripts would block
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in LOADED.get(tag, ()):
            if values.get(name):
                addresses = values[name].split(",") if name == "srcset" else [values[name]]
                self.loaded.extend(a.strip().split(" ")[0] for a in addresses)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if "style" in values:
            self.inline.append(values["style"])
        self.handlers += [f"{tag} {name}" for name in values if name.startswith("on")]
        if tag == "script" and not values.get("src"):
            kind = values.get("type", "").lower()
            self.inline_scripts += kind not in ("application/json", "application/ld+json")
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._in in ("script", "style"):
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def _external(address: str) -> bool:
    address = address.strip()
    if address.startswith(("data:", "blob:", "mailto:", "tel:", "javascript:", "#")):
        return False
    parts = urlsplit(address)
    return bool(parts.netloc) and parts.hostname not in LOCAL_HOSTS


def _static_path(address: str) -> Path | None:
    path = urlsplit(address).path
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not path.startswith(prefix):
        return None
    found = finders.find(path[len(prefix) :])
    return Path(found) if isinstance(found, str) else None


def _vendored(path: Path) -> bool:
    return "site-packages" in path.parts or "vendor" in path.parts


def _asset_problems(address: str, path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = [
        f"{address} loads {found}"
        for found in CSS_URL.findall(text) + JS_LOAD.findall(text)
        if _external(found)
    ]
    if path.suffix in (".js", ".css", ".html") and not _vendored(path):
        # our own files name no outside address outside comments, not even in a string
        problems += [
            f"{address} names {found}"
            for found in ABSOLUTE.findall(COMMENT.sub("", text))
            if _external(found) and not found.startswith("//") and found not in NOT_ADDRESSES
        ]
    return problems


FOLLOWED = ("/admin/", "/inbox/", "/crm/", "/routing/", "/reports/", "/api/v1/docs")


def _followed(target: str) -> bool:
    parts = urlsplit(target)
    if parts.path.startswith("/admin/") and parts.query:
        return False  # a changelist's filters and orderings: the same page again
    return (parts.path == "/" or parts.path.startswith(FOLLOWED)) and not NOT_FOLLOWED.search(
        target
    )


def _csp_problems(url: str, response: Any, page: _Page) -> list[str]:
    """Pages of the product carry a policy that allows scripts from its own files only,
    and need nothing more: no inline script, no handler attribute."""
    policy = response.get("Content-Security-Policy", "")
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    problems = []
    if "'self'" not in directives.get("script-src", "") or "unsafe" in directives["script-src"]:
        problems.append(f"{url} has no strict script-src: {policy!r}")
    if page.inline_scripts:
        problems.append(f"{url} has {page.inline_scripts} inline script(s)")
    problems += [f"{url} has a handler attribute: {h}" for h in page.handlers]
    return problems


def _crawl(client: Client, start: list[str]) -> tuple[set[str], list[str]]:
    seen: set[str] = set()
    assets: set[str] = set()
    problems: list[str] = []
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            location = urljoin(url, response["Location"])
            if _external(location):
                problems.append(f"{url} redirects to {location}")
            elif not NOT_FOLLOWED.search(location):
                queue.append(location)
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode(errors="replace"))
        problems += _csp_problems(url, response, page)
        for address in page.loaded:
            if _external(address):
                problems.append(f"{url} loads {address}")
            else:
                assets.add(urljoin(url, address))
        for text in page.inline:
            problems += [
                f"{url} (inline) loads {found}"
                for found in CSS_URL.findall(text) + JS_LOAD.findall(text)
                if _external(found)
            ]
            problems += [
                f"{url} (inline) names {found}"
                for found in ABSOLUTE.findall(COMMENT.sub("", text))
                if _external(found) and not found.startswith("//") and found not in NOT_ADDRESSES
            ]
        for link in page.links:
            if _external(link):
                problems.append(f"{url} links to {link}")
                continue
            target = urljoin(url, link).split("#")[0]
            if _followed(target):
                queue.append(target)
    for address in sorted(assets):
        path = _static_path(address)
        if path is not None:
            problems += _asset_problems(address, path)
    return seen, problems


@pytest.fixture
def demo(db: None) -> None:
    call_command("demo_data", verbosity=0)


@pytest.mark.parametrize("username", ["admin", "anna", "sofia", "marta"])
def test_no_page_a_user_can_reach_refers_outside_the_product(demo: None, username: str) -> None:
    # given a demo user signed in
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    # when they walk every page they can reach from the start pages
    seen, problems = _crawl(client, START_PAGES)
    # then no page, script or stylesheet names another host
    assert len(START_PAGES) < len(seen) < MAX_PAGES  # and the walk was complete
    assert problems == []


def test_the_public_pages_refer_to_nothing_outside_the_product(demo: None) -> None:
    seen, problems = _crawl(Client(), ANONYMOUS_PAGES)
    assert "/login/" in seen
    assert problems == []


def test_the_api_docs_are_served_by_the_product(demo: None) -> None:
    # given an admin on the API documentation page
    client = Client()
    assert client.login(username="admin", password=DEMO_PASSWORD)
    page = _Page()
    page.feed(client.get("/api/v1/docs/").content.decode())
    # then Swagger UI's script and stylesheet come from our static files, and exist
    scripts = [a for a in page.loaded if a.endswith(".js")]
    assert any("swagger-ui" in a for a in scripts)
    for address in page.loaded:
        assert not _external(address)
        if address.endswith((".js", ".css")):
            assert _static_path(address) is not None, address


def test_the_crawler_notices_an_outside_address() -> None:
    # the check itself: an outside script, stylesheet or CSS url is found
    page = _Page()
    page.feed(
        '<script src="https://cdn.example.net/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/a.css"><img src="/static/a.png">'
    )
    assert [a for a in page.loaded if _external(a)] == [
        "https://cdn.example.net/x.js",
        "//fonts.example.org/a.css",
    ]
    assert CSS_URL.findall("a{background:url('https://x.example/y.png')}") == [
        "https://x.example/y.png"
    ]
