"""The per-address socket cap across two Daphne processes on one Redis: the seats one
address holds on either process count together, and the seats of a process that dies
without closing its sockets are free again once their lease ends."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator

import pytest
import websockets

from inbox import services as inbox_services
from tests import factories
from tests.real.support import Process, real
from tests.real.test_two_daphnes import _start

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

CAP = 4
LEASE_S = 3


@pytest.fixture
def two_capped_daphnes(product_env: dict[str, str]) -> Iterator[tuple[Process, int, int]]:
    env = {
        **product_env,
        "CHANNEL_LAYER_PREFIX": f"t{secrets.token_hex(4)}",
        "SOCKETS_PER_ADDRESS": str(CAP),
        "SOCKET_SEAT_LEASE_S": str(LEASE_S),
    }
    first, first_port = _start(env)
    try:
        second, second_port = _start(env)
        try:
            yield first, first_port, second_port
        finally:
            second.stop()
    finally:
        first.stop()


async def _open(url: str):
    """A socket and its first frame's type, or the close code it got instead."""
    ws = await websockets.connect(url)
    try:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return ws, frame["type"]
    except websockets.ConnectionClosed as closed:
        return ws, closed.rcvd.code if closed.rcvd else None


async def _scenario(first_url: str, second_url: str, first: Process) -> dict[str, object]:
    seen: dict[str, object] = {}
    on_first = [await _open(first_url) for _ in range(2)]
    on_second = [await _open(second_url) for _ in range(2)]
    seen["four"] = [kind for _, kind in on_first + on_second]
    over, seen["fifth"] = await _open(second_url)
    await on_second[0][0].close()
    await asyncio.sleep(0.3)
    replaced, seen["after_a_close"] = await _open(second_url)
    # the first process dies with two sockets open: no close, no goodbye
    first.popen.kill()
    first.popen.wait(timeout=10)
    refused_meanwhile, seen["right_after_the_crash"] = await _open(second_url)
    deadline = time.monotonic() + LEASE_S * 3
    while True:
        again, kind = await _open(second_url)
        if kind == "welcome" or time.monotonic() > deadline:
            seen["after_the_lease"] = kind
            break
        await asyncio.sleep(0.5)
    for ws in (over, on_second[1][0], replaced, refused_meanwhile, again):
        await ws.close()
    return seen


def test_the_cap_holds_across_processes_and_a_dead_process_frees_its_seats(
    two_capped_daphnes,
):
    first, first_port, second_port = two_capped_daphnes
    channel = factories.ChannelFactory()
    _, token = inbox_services.widget_visitor_create(channel=channel)
    path = f"/ws/widget/{channel.key}/?token={token}"

    seen = asyncio.run(
        _scenario(
            f"ws://127.0.0.1:{first_port}{path}", f"ws://127.0.0.1:{second_port}{path}", first
        )
    )

    assert seen["four"] == ["welcome"] * 4
    assert seen["fifth"] == 4429
    assert seen["after_a_close"] == "welcome"
    assert seen["right_after_the_crash"] == 4429
    assert seen["after_the_lease"] == "welcome"
