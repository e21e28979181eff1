"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import inspect
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import hypothesis
import pytest
from rest_framework.test import APIClient

from tests import factories

T = TypeVar("T")

# In CI, property-based tests draw the same examples every run, so that a landing never
# depends on luck; on developers' machines they keep exploring new ones.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return factories.AdminUserFactory(username="admin")


@pytest.fixture
def admin_api(admin_user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def api_as(user) -> APIClient:  # type: ignore[no-untyped-def]
    """An API client authenticated as ``user``."""
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(scope="session", autouse=True)
def _separate_xdist_workers_on_shared_redis() -> None:
    """Under pytest-xdist against a real Redis, each worker gets its own cache key prefix
    and channel-layer prefix: the workers' test databases reuse the same ids, so without
    it one worker's `dialog.1` broadcast or cached value would reach another's test.
    (Redis pub/sub ignores the database number, hence prefixes, not databases.) The cache
    also gets a Redis database of its own per worker (8 for gw0, 9 for gw1...): a test's
    ``cache.clear()`` is a FLUSHDB, which would empty the other worker's cache in the
    middle of its test."""
    from channels.layers import channel_layers
    from django.conf import settings
    from django.core.cache import caches

    worker_id = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker_id or settings.IN_PROCESS:
        return
    index = int(worker_id.removeprefix("gw") or 0)
    for alias, cache in settings.CACHES.items():
        cache["KEY_PREFIX"] = f"{cache.get('KEY_PREFIX', '')}-{worker_id}"
        location = cache.get("LOCATION")
        if isinstance(location, str) and location.startswith("redis") and index < 6:
            parts = urllib.parse.urlsplit(location)
            cache["LOCATION"] = urllib.parse.urlunsplit(parts._replace(path=f"/{8 + index}"))
        with contextlib.suppress(AttributeError):
            del caches[alias]  # made before: made again with these
    for layer in settings.CHANNEL_LAYERS.values():
        config = layer.setdefault("CONFIG", {})
        config["prefix"] = f"{config.get('prefix', 'asgi')}-{worker_id}"
    channel_layers.backends.clear()


def event_frames(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The frames of a channel-layer ``rt.event`` message (``realtime.event``: ``text``;
    ``realtime.events``: ``texts``)."""
    import json

    if "texts" in message:
        return [json.loads(text) for text in message["texts"]]
    return [json.loads(message["text"])]


def event_frame(message: dict[str, Any]) -> dict[str, Any]:
    """The one frame of an ``rt.event`` message."""
    (frame,) = event_frames(message)
    return frame


def eventually(read: Callable[[], T], until: Callable[[T], bool], timeout: float = 10.0) -> T:
    """``read()`` again until ``until`` holds of it (or the time is up: the last reading,
    for the test's assertion to show). For what the product does after answering, on
    other threads: a webhook's text is stored by the process's writer, and the events of
    a batch are delivered in a thread of their own, so a bot's reply follows the 200."""
    deadline = time.monotonic() + timeout
    value = read()
    while not until(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


@pytest.fixture(autouse=True)
def _lanes_inline(settings: Any) -> None:
    """In-process tests see the work of background lanes (bot steps, report figures) at
    once, in the emitting thread (``contactcenter.lanes``); a test of the lanes' own
    threads turns this off. Servers the tests start (Daphne) run them threaded."""
    settings.BACKGROUND_LANES_INLINE = True


@pytest.fixture(autouse=True)
def _hook_threads_let_go() -> Iterator[None]:
    """The webhook's threads keep their database connections (inbox.connectors.views);
    on PostgreSQL they are closed after each test that used them, so that the next
    test's flush and the end's drop of the test database are not blocked."""
    yield
    from django.db import connection

    from contactcenter import lanes
    from inbox.connectors import views

    lanes.lanes_let_go()

    if connection.vendor != "postgresql" or not views._pool._threads:
        return
    start = threading.Barrier(views.HOOK_THREADS)

    def close(_: int) -> None:
        start.wait(timeout=10)  # one task in each thread
        connection.close()

    list(views._pool.map(close, range(views.HOOK_THREADS)))


@pytest.fixture(autouse=True)
def _close_db_connections_of_async_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """An async test's ORM calls run in asgiref's one sync thread, whose connection
    pytest-django never closes; left open, it keeps PostgreSQL from dropping the test
    database at the end ("being accessed by other users")."""
    yield
    function = getattr(request.node, "function", None)
    if inspect.iscoroutinefunction(function) and request.node.get_closest_marker("django_db"):
        from asgiref.sync import SyncToAsync
        from django.db import connections

        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """The production hasher is slow on purpose (about a second per hash on a busy
    2-core machine); every user a test creates would pay it."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def sent_frames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    """Records every frame the product broadcasts (group, frame) instead of sending it,
    so tests can assert on real-time output the same way on either tier."""
    from contactcenter import realtime

    sent: list[tuple[str, dict]] = []

    def send_batch(sends: list[tuple[list[str], dict]]) -> None:
        for groups, frame in sends:
            sent.extend((group, frame) for group in dict.fromkeys(groups))

    monkeypatch.setattr(realtime, "send_now", lambda group, frame: sent.append((group, frame)))
    monkeypatch.setattr(realtime, "send_batch_now", send_batch)
    return sent


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the installation's language, whatever an earlier test (or a
    request it made with Accept-Language) left active in this thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_process_memory() -> None:
    """Each test starts with what a fresh process remembers: nothing. The bots remember
    for two seconds whether anyone listens to an event, and only saves through their
    services forget it; a test that writes triggers straight to the database is another
    process as far as that memory goes."""
    from bots import selectors
    from bots.services import runtime
    from kb.prompter import services as prompter_services
    from kb.services import matching

    selectors.event_wanted_forget()
    selectors.bot_sessions_live_forget()
    runtime.versions_forget()  # flows of versions whose ids a flushed database reuses
    matching.index_reset()  # the knowledge base's index of an earlier test's database
    prompter_services.feedback_none_forget()  # "no feedback" was of an earlier database
