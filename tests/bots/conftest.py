"""Fixtures of the bots tests: a webhook receiver on loopback, and triggers built in a
line."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bots.models import Action, Condition, Trigger


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def allow_private(settings):  # type: ignore[no-untyped-def]
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records what it gets and answers ``status``."""

    url: str
    status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(box.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def make_trigger(
    *,
    event: str,
    conditions: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    actions: list[tuple[str, dict[str, Any]]] = (),  # type: ignore[assignment]
    name: str = "",
    match: str = "all",
) -> Trigger:
    trigger = Trigger.objects.create(
        name=name or f"t-{Trigger.objects.count() + 1}-{event}", event=event, match=match
    )
    for i, (path, operator, value) in enumerate(conditions):
        Condition.objects.create(
            trigger=trigger, field=path, operator=operator, value=value, position=i
        )
    for i, (type_, params) in enumerate(actions):
        Action.objects.create(trigger=trigger, type=type_, params=params, position=i)
    return trigger


@pytest.fixture
def only_my_triggers(db):  # type: ignore[no-untyped-def]
    """Switches the shipped default trigger off, for tests about other triggers."""
    Trigger.objects.update(is_active=False)
