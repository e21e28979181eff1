"""``Mailbox``: the part of ``asyncio.Queue`` that a socket's two inboxes use (``get`` and
``put_nowait``, unbounded), in about a tenth of its memory.

Every open socket has two queues: the one Daphne hands the application its client's
frames through, and the one channels_redis' pub/sub layer keeps for the socket's
channel. An ``asyncio.Queue`` makes four deques when it is created (its items, its
getters, its putters, and an ``Event``'s waiters), 760 bytes each however empty: about
3.4 KB per queue, 6.8 KB per idle socket, a fifth of what an idle socket cost. A
mailbox makes its deque only while something waits in it, and one future while its
reader waits (``contactcenter.asgi`` installs it in both places: see
``contactcenter.daphne_internals`` and ``contactcenter.redis_internals``).

The semantics are the queue's: items come out in order; several readers may wait, and
each item wakes one of them; a reader cancelled after it was woken leaves the item for
the next reader (the item stays in the mailbox until a reader takes it).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class Mailbox:
    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: deque[Any] | None = None
        self._waiters: list[asyncio.Future[None]] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._wake_one()

    async def get(self) -> Any:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                self._forget(waiter)
                if waiter.done() and not waiter.cancelled() and self._items:
                    self._wake_one()  # woken for an item it will not take: pass it on
                raise
            self._forget(waiter)
        item = self._items.popleft()
        if not self._items:
            self._items = None  # an idle socket keeps no deque
        elif self._waiters:
            self._wake_one()
        return item

    def _wake_one(self) -> None:
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)
                return

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        if self._waiters is not None:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            if not self._waiters:
                self._waiters = None
