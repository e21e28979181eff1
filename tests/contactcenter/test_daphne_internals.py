"""Daphne's per-connection input queue is a mailbox in the product's server."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from daphne import server as daphne_server

from contactcenter import daphne_internals
from contactcenter.mailbox import Mailbox

RECHECK = (
    "contactcenter/daphne_internals.py makes daphne.server's asyncio.Queue a Mailbox. "
    "Re-read daphne/server.py of the new version (Server.create_application must still "
    "make one asyncio.Queue per connection, hand its get to the application and only "
    "put_nowait on it elsewhere), then add the version to WRITTEN_FOR."
)


def test_the_installed_daphne_is_a_version_the_adapter_was_written_for() -> None:
    installed = daphne_internals.installed_version()
    assert daphne_internals.is_written_for(installed), (
        f"daphne {installed} is installed, but the adapter was written for "
        f"{', '.join(daphne_internals.WRITTEN_FOR)}. {RECHECK}"
    )
    source = inspect.getsource(daphne_server.Server.create_application)
    assert "asyncio.Queue()" in source, RECHECK


@pytest.mark.asyncio
async def test_a_connection_of_the_product_server_gets_a_mailbox_its_application_reads() -> None:
    # given the adapter installed (as contactcenter.asgi does under Daphne)
    assert daphne_internals.mailbox_queues_install()
    # and a Daphne server whose application reads its first message
    received: list[Any] = []

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        received.append(await receive())

    server = daphne_server.Server.__new__(daphne_server.Server)
    server.application = application
    protocol = object()
    server.connections = {protocol: {}}
    # when Daphne makes the connection's application and puts its first message
    queue = server.create_application(protocol, {"type": "websocket"})
    queue.put_nowait({"type": "websocket.connect"})
    await asyncio.wait_for(server.connections[protocol]["application_instance"], 1)
    # then the queue was a mailbox and the application got the message
    assert isinstance(queue, Mailbox)
    assert received == [{"type": "websocket.connect"}]
    # and the rest of asyncio, for Daphne and for everyone else, is untouched
    assert daphne_server.asyncio.ensure_future is asyncio.ensure_future
    assert asyncio.Queue is not Mailbox
