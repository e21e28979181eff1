"""A socket's inbox (``contactcenter.mailbox.Mailbox``) behaves as the asyncio.Queue it
replaces: in order, one item per reader, nothing lost to a cancelled reader."""

from __future__ import annotations

import asyncio
import sys

import pytest

from contactcenter.mailbox import Mailbox

pytestmark = pytest.mark.asyncio


async def test_items_come_out_in_the_order_they_went_in() -> None:
    box = Mailbox()
    for item in ("a", "b", "c"):
        box.put_nowait(item)
    assert box.qsize() == 3
    assert [await box.get() for _ in range(3)] == ["a", "b", "c"]
    assert box.empty()


async def test_a_waiting_reader_gets_the_item_put_later() -> None:
    box = Mailbox()
    reader = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)
    assert not reader.done()
    box.put_nowait({"type": "websocket.connect"})
    assert await asyncio.wait_for(reader, 1) == {"type": "websocket.connect"}


async def test_two_readers_each_get_one_item() -> None:
    box = Mailbox()
    readers = [asyncio.ensure_future(box.get()) for _ in range(2)]
    await asyncio.sleep(0)
    box.put_nowait(1)
    box.put_nowait(2)
    assert sorted(await asyncio.wait_for(asyncio.gather(*readers), 1)) == [1, 2]


async def test_a_reader_cancelled_after_it_was_woken_leaves_the_item_to_the_next() -> None:
    box = Mailbox()
    first = asyncio.ensure_future(box.get())
    second = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)
    # when an item wakes the first reader and that reader is cancelled before it runs
    box.put_nowait("frame")
    first.cancel()
    # then the second reader gets the item
    assert await asyncio.wait_for(second, 1) == "frame"
    assert first.cancelled()


async def test_a_cancelled_reader_with_nothing_put_leaves_nothing_behind() -> None:
    box = Mailbox()
    reader = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    box.put_nowait("later")
    assert await asyncio.wait_for(box.get(), 1) == "later"


async def test_an_idle_mailbox_is_a_small_fraction_of_an_asyncio_queue() -> None:
    # given a mailbox that had an item and gave it out, and an empty asyncio.Queue
    box = Mailbox()
    box.put_nowait("x")
    await box.get()
    queue: asyncio.Queue[str] = asyncio.Queue()
    # then the mailbox keeps no deque, the queue keeps four
    queue_bytes = sys.getsizeof(queue.__dict__) + 4 * sys.getsizeof(queue._queue)  # type: ignore[attr-defined]
    assert sys.getsizeof(box) * 5 < queue_bytes
