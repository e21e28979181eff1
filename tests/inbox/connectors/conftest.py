"""Real local SMTP servers for the e-mail connector's tests: the product's own receiver
(``inbox.connectors.email.receiver``) and a capturing server standing for the company's
outgoing mail server. Both listen on 127.0.0.1 only."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crm.models import ChannelType
from inbox.connectors.email.receiver import controller
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _queue_notices_only_where_asked(request: pytest.FixtureRequest, settings: Any) -> None:
    """A customer who waits is told their place in line (routing's queue notices, tested
    in tests/routing/ and by the tests marked ``queue_notices`` here); the other tests
    of a channel's protocol count only the messages they send themselves."""
    if request.node.get_closest_marker("queue_notices") is None:
        settings.QUEUE_NOTICES = False


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Outbox:
    """What the capturing server accepted; ``refuse`` answers the next DATA commands
    with these replies first (e.g. a temporary 451)."""

    envelopes: list[Any] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.content, policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    box = Outbox(port=free_port())
    server = Controller(box, hostname="127.0.0.1", port=box.port)
    server.start()
    try:
        yield box
    finally:
        server.stop()


@pytest.fixture
def receiver() -> Iterator[int]:
    """The product's SMTP receiver on a free port; yields the port."""
    port = free_port()
    server = controller(host="127.0.0.1", port=port, max_bytes=200_000)
    server.start()
    try:
        yield port
    finally:
        server.stop()


@pytest.fixture
def email_channel(db, outbox):  # type: ignore[no-untyped-def]
    return factories.ChannelFactory(
        type=ChannelType.EMAIL,
        name="Support",
        config={
            "address": "support@shop.example",
            "smtp_host": "127.0.0.1",
            "smtp_port": outbox.port,
            "smtp_password": "not-used-without-a-user",
        },
    )


# The WhatsApp channel's fixtures (a local Graph API and a channel pointed at it).
from tests.inbox.connectors.whatsapp_support import graph_api, whatsapp_channel  # noqa: E402, F401
