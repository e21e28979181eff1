"""How many sockets one client address may hold open at once, across every web process:
``settings.SOCKETS_PER_ADDRESS`` (0: no cap). A socket over the cap is accepted and
closed at once with ``CLOSE_TOO_MANY_SOCKETS`` (4429, reason ``too many sockets from this
address``), so that the client sees why; ``contactcenter.sockets.EventSocket`` takes a seat
when a socket opens and gives it back when it closes.

The sockets of a signed-in user (the operator socket, once its cookie or token was
checked) count per user instead, with the same cap: a whole office of operators behind
one address is not capped as one client, and a stolen credential opens no more than
any one user's. Everything else (widget visitors, whose tokens anyone can get, and
sockets without valid credentials) counts per address.

With Redis, the seats of an address are one sorted set, ``<prefix>:sockets:<address>``:
each member a socket, its score the end of a lease that the process holding the socket
renews every third of ``SOCKET_SEAT_LEASE_S`` (60 s). Taking a seat is one script
(drop expired leases, count, add) run once per connection, never per frame. A process
that dies without closing its sockets stops renewing, and its seats are free again
within the lease.
When Redis does not answer, sockets are let in (the cap guards against abuse; it must
not take the product down with Redis).

Without Redis (``REDIS_URL=memory://``, one process) the seats are counted in memory.
The address is ``contactcenter.client_address.scope_client_address`` (trusting
``TRUSTED_PROXY_COUNT`` proxies).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from contactcenter.client_address import scope_client_address

logger = logging.getLogger(__name__)

CLOSE_TOO_MANY_SOCKETS = 4429
CLOSE_REASON = "too many sockets from this address"
REDIS_TIMEOUT_S = 2.0

# KEYS[1]: the address's set; ARGV: now, lease end, member, cap, key TTL.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True, slots=True)
class Seat:
    address: str  # or "user:<id>", see _holder
    member: str


class _Local:
    """Seats counted in this process (one per event loop: one server, or one test)."""

    def __init__(self) -> None:
        self.taken: Counter[str] = Counter()

    async def take(self, owner: Any, seat: Seat, cap: int) -> bool:
        if self.taken[seat.address] >= cap:
            return False
        self.taken[seat.address] += 1
        return True

    async def give_back(self, owner: Any, seat: Seat) -> None:
        self.taken[seat.address] -= 1
        if self.taken[seat.address] <= 0:
            del self.taken[seat.address]


class _Redis:
    """Seats in Redis, shared by every process (see the module doc)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self.script = self.client.register_script(_TAKE)
        self.prefix = prefix
        # by the socket holding it: a socket that died without closing is no longer
        # renewed once it is collected
        self.held: weakref.WeakKeyDictionary[Any, Seat] = weakref.WeakKeyDictionary()
        self.renewer: asyncio.Task[None] | None = None

    def key(self, address: str) -> str:
        return f"{self.prefix}:sockets:{address}"

    async def take(self, owner: Any, seat: Seat, cap: int) -> bool:
        now, lease = time.time(), settings.SOCKET_SEAT_LEASE_S
        taken = await self.script(
            keys=[self.key(seat.address)], args=[now, now + lease, seat.member, cap, lease * 2]
        )
        if taken:
            self.held[owner] = seat
            if self.renewer is None or self.renewer.done():
                self.renewer = asyncio.get_running_loop().create_task(self.renew_forever())
        return bool(taken)

    async def give_back(self, owner: Any, seat: Seat) -> None:
        self.held.pop(owner, None)
        await self.client.zrem(self.key(seat.address), seat.member)

    async def renew_forever(self) -> None:
        while self.held:
            await asyncio.sleep(settings.SOCKET_SEAT_LEASE_S / 3)
            try:
                await self.renew()
            except Exception as error:  # Redis away: the leases run on, renewed next time
                logger.warning("socket seats not renewed: %s", type(error).__name__)

    async def renew(self) -> None:
        lease = settings.SOCKET_SEAT_LEASE_S
        pipe = self.client.pipeline(transaction=False)
        for seat in list(self.held.values()):
            pipe.zadd(self.key(seat.address), {seat.member: time.time() + lease}, xx=True)
            pipe.expire(self.key(seat.address), lease * 2)
        await pipe.execute()


_backends: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def _backend() -> Any:
    loop = asyncio.get_running_loop()
    backend = _backends.get(loop)
    if backend is None:
        if settings.IN_PROCESS:
            backend = _Local()
        else:
            layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
            backend = _Redis(settings.REDIS_URL, layer.get("prefix", "asgi"))
        _backends[loop] = backend
    return backend


async def seat_take(socket: Any) -> Seat | bool | None:
    """A seat for ``socket`` (a consumer, with its ``scope``): the ``Seat`` to give back
    when it closes, True when no seat is needed (no cap, or Redis did not answer), or None
    when its address already holds ``SOCKETS_PER_ADDRESS`` sockets."""
    cap = settings.SOCKETS_PER_ADDRESS
    if cap <= 0:
        return True
    seat = Seat(_holder(socket.scope), uuid.uuid4().hex)
    try:
        taken = await _backend().take(socket, seat, cap)
    except Exception as error:
        logger.warning("socket cap not checked (%s); letting the socket in", type(error).__name__)
        return True
    return seat if taken else None


def _holder(scope: dict[str, Any]) -> str:
    """Whom a socket's seat counts against: its signed-in user, else its address."""
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return scope_client_address(scope)


async def seat_give_back(socket: Any, seat: Seat | bool | None) -> None:
    if not isinstance(seat, Seat):
        return
    try:
        await _backend().give_back(socket, seat)
    except Exception as error:  # its lease ends it
        logger.warning("socket seat not given back (%s)", type(error).__name__)
