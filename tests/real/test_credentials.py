"""On Daphne, PostgreSQL and Redis: sign-in guesses sent all at once are counted in Redis
before any password is checked, and a revoked token closes its socket in another process
within 5 s."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import pytest
import websockets
from rest_framework.authtoken.models import Token

from tests import factories
from tests.real.test_two_daphnes import _start

pytestmark = [pytest.mark.real, pytest.mark.django_db(transaction=True)]

CLOSED_WITHIN_S = 5


@pytest.fixture
def daphne(product_env: dict[str, str]) -> Iterator[int]:
    from django.conf import settings

    # the test process's own prefix: what it sends must reach Daphne's sockets
    prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "asgi")
    env = {**product_env, "CHANNEL_LAYER_PREFIX": prefix}
    server, port = _start(env)
    try:
        yield port
    finally:
        server.stop()


# The counters' own Redis database: the other tests of the run (in the other xdist
# worker too) sign in from this same address and clear the cache (FLUSHDB) whenever
# they like, which would move the count in the middle of this test.
COUNTERS_DB = 14


@pytest.fixture
def daphne_own_counters(product_env: dict[str, str]) -> Iterator[int]:
    import redis

    url = urlunsplit(urlsplit(product_env["REDIS_URL"])._replace(path=f"/{COUNTERS_DB}"))
    redis.Redis.from_url(url).flushdb()
    server, port = _start({**product_env, "REDIS_URL": url})
    try:
        yield port
    finally:
        server.stop()


def _sign_in(port: int, username: str, password: str) -> int:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token/", data=body, method="POST"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_fifty_concurrent_wrong_passwords_then_the_right_one_are_throttled(daphne_own_counters):
    daphne = daphne_own_counters
    # given a user, and the address rate (10/min by default)
    username = factories.UserFactory(username=f"olga-{secrets.token_hex(3)}").username
    # when 50 wrong passwords arrive at once from one client, then the right one
    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(lambda _: _sign_in(daphne, username, "guess"), range(50)))
    last = _sign_in(daphne, username, factories.PASSWORD)
    # then only the allowed number reached the password check, and the right one waits too
    assert codes.count(400) == 10, codes
    assert codes.count(429) == 40, codes
    assert last == 429


async def _socket_closed_after_revocation(port: int, key: str, revoke) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Token {key}", "Origin": "http://127.0.0.1"}
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/operator/", additional_headers=headers
    ) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        revoked_at = time.monotonic()
        await asyncio.to_thread(revoke)
        try:
            async with asyncio.timeout(CLOSED_WITHIN_S):
                async for _ in ws:
                    pass
        except websockets.ConnectionClosed:
            pass  # closed with a code other than 1000
        except TimeoutError:
            return 0, CLOSED_WITHIN_S
        return ws.close_code or 0, time.monotonic() - revoked_at


def test_a_token_deleted_in_one_process_closes_its_socket_in_another(daphne):
    # given an operator with a socket open on Daphne, on a token
    operator = factories.OperatorFactory(status="online")
    key = Token.objects.create(user=operator.user).key
    # when the token is deleted here (another process: the admin, a script)
    code, took = asyncio.run(
        _socket_closed_after_revocation(daphne, key, lambda: Token.objects.filter(key=key).delete())
    )
    # then the socket closes with 4401 within 5 s
    assert code == 4401, (code, took)
    assert took < CLOSED_WITHIN_S


def test_a_password_change_closes_the_socket_in_another_process(daphne):
    operator = factories.OperatorFactory(status="online")
    key = Token.objects.create(user=operator.user).key

    def change_password() -> None:
        user = type(operator.user).objects.get(pk=operator.user_id)
        user.set_password("another-long-passphrase-7")
        user.save()

    code, took = asyncio.run(_socket_closed_after_revocation(daphne, key, change_password))
    assert code == 4401, (code, took)
