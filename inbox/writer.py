"""The per-process write-behind batcher of incoming contact messages.

Widget sockets hand each message to ``submit`` and await its result. The writer collects
what arrives while it waits a few milliseconds (``linger_s``) or while its previous batch
is being written, up to ``max_batch``, and stores it with one call to
``inbox.services.batching.contact_messages_receive`` in the database thread: one thread
hop and one transaction per batch instead of per message (on PostgreSQL one statement).
The batch's frames are published from the writer's own event loop once the store
returned, then ``submit`` returns: a socket acknowledges a message only once it is
stored.

One writer per event loop (Daphne runs one): ``writer_for_loop()``.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection

from contactcenter import events, realtime
from contactcenter.lanes import ConnectionCheck
from inbox.services import batching
from inbox.services.conversations import Stored

logger = logging.getLogger(__name__)

MAX_BATCH = 200
LINGER_S = 0.002
# Events a writer may leave undelivered before it waits for the listeners: a minute of
# a thousand messages a second, a few MB.
MAX_PENDING_EVENTS = 60_000

Store = Callable[..., list[batching.Result]]


class EventPump:
    """Delivers the batches' ``MessageReceived`` events, after their commit, in order, in
    one thread of its own (with its own database connection), so that listeners (bots
    looking for triggers...) do not hold up the next batch or the acks. When listeners
    fall more than ``max_pending`` events behind, the writer waits for them
    (backpressure) instead of queueing without bound."""

    def __init__(self, max_pending: int = MAX_PENDING_EVENTS) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="message-events")
        self.max_pending = max_pending
        self.pending: collections.deque[tuple[Future[None], int]] = collections.deque()
        self.queued = 0  # events submitted and not known to be delivered
        self.connection_check = ConnectionCheck()

    def __call__(self, received: list[events.Event]) -> None:
        while self.pending and (self.pending[0][0].done() or self.queued >= self.max_pending):
            future, count = self.pending.popleft()
            future.result()
            self.queued -= count
        self.pending.append((self.executor.submit(self._deliver, received), len(received)))
        self.queued += len(received)

    def _deliver(self, received: list[events.Event]) -> None:
        self.connection_check()
        for event in received:
            before = connection.connection
            failed = events.dispatch(event)  # logged there
            if failed and self._connection_lost(before):
                # The connection had gone (a database restart, a killed backend) since
                # its last check: those listeners' transactions rolled back whole, so
                # they run once more on a fresh connection instead of missing the event.
                for listener in failed:
                    events.deliver_to(listener, event)

    @staticmethod
    def _connection_lost(before: Any) -> bool:
        """After a listener failed: True if the connection it ran on had gone (Django
        closed it, or it is replaced, or it no longer answers; the next query opens a
        new one), False if it works (the listener's own fault: it would fail again)."""
        now = connection.connection
        if now is None:  # closed when its transaction could not roll back (or never open)
            return before is not None
        if before is not None and now is not before:  # closed and opened again since
            return True
        if connection.is_usable():
            return False
        connection.close()
        return True


def _pump_wanted() -> bool:
    # SQLite has one writer at a time: a second writing thread would only wait on it.
    return connection.vendor == "postgresql"


class MessageWriter:
    def __init__(
        self,
        *,
        max_batch: int = MAX_BATCH,
        linger_s: float = LINGER_S,
        store: Store = batching.contact_messages_receive,
        on_events: Callable[[list[events.Event]], None] | None = None,
        after_sends: bool = False,
        own_thread: bool = False,
    ) -> None:
        self.max_batch = max_batch
        self.linger_s = linger_s
        # ``after_sends``: the batch's events are delivered (in the database thread)
        # only once its frames are out, so that what listeners push (a translation, a
        # bot's reply) never reaches an operator before the message it follows. Without a
        # pump (SQLite) the listeners would otherwise run inside the store's thread hop.
        self.held: list[events.Event] | None = [] if after_sends else None
        if self.held is not None:
            on_events = self.held.extend
        if on_events is not None:
            store = functools.partial(store, on_events=on_events)
        self._store = store
        # ``own_thread`` (PostgreSQL): batches are written in a thread of the writer's own,
        # with its own connection, handed over with ``run_in_executor``. Through asgiref's
        # thread-sensitive hop a batch queued behind every other database call of the
        # process's sockets (sign-ins, syncs) in their one shared thread, and the hop's
        # own bookkeeping cost the event loop CPU per batch.
        self.executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="message-writer")
            if own_thread
            else None
        )
        self.store = (
            self._store_in_own_thread
            if own_thread
            else sync_to_async(self._store_in_thread, thread_sensitive=True)
        )
        self.connection_check = ConnectionCheck()
        self.pending: list[tuple[batching.Incoming, asyncio.Future[Stored]]] = []
        self.task: asyncio.Task[None] | None = None
        self.batches = 0  # written so far (for tests and benchmarks)

    async def submit(self, item: batching.Incoming) -> Stored:
        """Stores ``item`` with the next batch; raises what storing it alone would."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self.pending:
            if self.linger_s and len(self.pending) < self.max_batch:
                await asyncio.sleep(self.linger_s)
            batch = self.pending[: self.max_batch]
            del self.pending[: self.max_batch]
            sends: batching.Sends = []
            try:
                results = await self.store([item for item, _ in batch], sends.extend)
            except Exception as failure:  # the store itself broke: every sender hears it
                logger.exception("storing a batch of %d messages failed", len(batch))
                results = [failure] * len(batch)
            self.batches += 1
            if sends:  # committed: to the operators, from this loop, in one round trip
                try:
                    await realtime.send_batch_async(get_channel_layer(), sends)
                except Exception:
                    logger.exception("broadcast of %d frames failed", len(sends))
            if self.held:  # before the senders hear back: a request's loop may end then
                held, self.held[:] = list(self.held), []
                await sync_to_async(_dispatch_all, thread_sensitive=True)(held)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the socket went away meanwhile
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def _store_in_own_thread(
        self, items: list[batching.Incoming], on_sends: Callable[[batching.Sends], None]
    ) -> list[batching.Result]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._store_in_thread, items, on_sends)

    def _store_in_thread(
        self, items: list[batching.Incoming], on_sends: Callable[[batching.Sends], None]
    ) -> list[batching.Result]:
        self.connection_check()
        try:
            results = self._store(items, on_sends=on_sends)
        except Exception:
            self.connection_check.failed()
            raise
        if any(isinstance(result, Exception) for result in results):
            self.connection_check.failed()
        return results


def _dispatch_all(received: list[events.Event]) -> None:
    for event in received:
        events.dispatch(event)  # a failing listener is logged there


_writers: dict[Any, MessageWriter] = {}


@functools.cache
def _pump() -> EventPump:
    return EventPump()


def writer_for_loop() -> MessageWriter:
    """The running event loop's writer (made on first use)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        for stale in [key for key in _writers if key.is_closed()]:
            del _writers[stale]
        writer = _writers[loop] = (
            MessageWriter(on_events=_pump(), own_thread=True)
            if _pump_wanted()
            else MessageWriter(after_sends=True)
        )
    return writer
