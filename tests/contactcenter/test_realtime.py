"""Real-time delivery: frames reach channel-layer groups only after commit.

The tests are async so that the channel layer lives on the test's own event loop; the
writes run in a worker thread (``sync_to_async``), as a view or consumer would call a
service, and ``broadcast``'s ``async_to_sync`` hops back onto that loop. On the real tier
the layer is ``RedisPubSubChannelLayer`` on a real Redis, so the same tests cover it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.contrib.auth.models import Group as AuthGroup
from django.db import transaction

from contactcenter import realtime
from tests.conftest import event_frame, event_frames

# Long enough for a frame sent now to arrive, short enough to keep the suite quick.
QUIET_S = 0.3
ARRIVE_S = 5.0


class Boom(RuntimeError):
    pass


class Member:
    """One channel joined to some groups, like one open socket.

    It keeps one ``receive`` pending, as a consumer does: a cancelled ``receive`` on the
    pub/sub layer unsubscribes the channel, so a timed-out wait would deafen it."""

    def __init__(self, layer: Any, channel: str) -> None:
        self.layer = layer
        self.channel = channel
        self.groups: list[str] = []
        self.pending: asyncio.Task[dict[str, Any]] | None = None

    @classmethod
    async def new(cls) -> Member:
        layer = get_channel_layer()
        assert layer is not None
        return cls(layer, await layer.new_channel())

    async def join(self, group: str) -> None:
        await self.layer.group_add(group, self.channel)
        self.groups.append(group)

    def _listen(self) -> asyncio.Task[dict[str, Any]]:
        if self.pending is None:
            self.pending = asyncio.ensure_future(self.layer.receive(self.channel))
        return self.pending

    async def next(self) -> dict[str, Any]:
        message = await asyncio.wait_for(asyncio.shield(self._listen()), ARRIVE_S)
        self.pending = None
        return message

    async def assert_quiet(self) -> None:
        pending = self._listen()
        await asyncio.sleep(QUIET_S)
        assert not pending.done(), f"unexpected {pending.result()}"

    async def leave(self) -> None:
        for group in self.groups:
            await self.layer.group_discard(group, self.channel)
        if self.pending is not None:
            self.pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pending


@pytest.fixture
async def member() -> AsyncIterator[Member]:
    m = await Member.new()
    yield m
    await m.leave()


def unique(group: Callable[[int], str]) -> str:
    """A group name no other test (or xdist worker) uses."""
    return f"{group(0)}-{uuid.uuid4().hex}"


@pytest.mark.django_db(transaction=True)
async def test_a_broadcast_inside_a_transaction_arrives_only_after_commit(member: Member) -> None:
    group = unique(realtime.dialog_group)
    await member.join(group)
    frame = {"type": "message", "text": "hello"}

    def write_and_broadcast() -> None:
        with transaction.atomic():
            AuthGroup.objects.create(name=group)
            realtime.broadcast(group, frame)
            # the group member is asked, from inside the open transaction
            async_to_sync(member.assert_quiet)()

    await sync_to_async(write_and_broadcast)()

    message = await member.next()
    assert message["type"] == realtime.EVENT_TYPE and event_frame(message) == frame
    # the row a client would fetch on this frame is there
    assert await AuthGroup.objects.filter(name=group).aexists()


@pytest.mark.django_db(transaction=True)
async def test_nothing_arrives_when_the_transaction_rolls_back(member: Member) -> None:
    group = unique(realtime.operator_group)
    await member.join(group)

    def write_broadcast_and_fail() -> None:
        with pytest.raises(Boom), transaction.atomic():
            AuthGroup.objects.create(name=group)
            realtime.broadcast(group, {"type": "ghost"})
            raise Boom

    await sync_to_async(write_broadcast_and_fail)()

    await member.assert_quiet()
    assert not await AuthGroup.objects.filter(name=group).aexists()


@pytest.mark.django_db(transaction=True)
async def test_a_broadcast_outside_a_transaction_is_sent_at_once(member: Member) -> None:
    group = unique(realtime.queue_group)
    await member.join(group)

    await sync_to_async(realtime.broadcast)(group, {"type": "queue", "size": 3})

    assert event_frame(await member.next()) == {"type": "queue", "size": 3}


@pytest.mark.django_db(transaction=True)
async def test_broadcast_many_sends_once_per_distinct_group_after_commit(member: Member) -> None:
    first, second = unique(realtime.dialog_group), unique(realtime.queue_group)
    other = await Member.new()
    await member.join(first)
    await other.join(second)

    def broadcast_to_both() -> None:
        with transaction.atomic():
            realtime.broadcast_many([first, second, first], {"type": "closed"})
            async_to_sync(member.assert_quiet)()

    try:
        await sync_to_async(broadcast_to_both)()

        assert event_frame(await member.next()) == {"type": "closed"}
        assert event_frame(await other.next()) == {"type": "closed"}
        await member.assert_quiet()  # the repeated group got it once
    finally:
        await other.leave()


@pytest.mark.django_db(transaction=True)
def test_a_broken_channel_layer_is_logged_and_does_not_break_the_write(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    layer = get_channel_layer()

    async def broken_group_send(group: str, message: dict[str, Any]) -> None:
        raise ConnectionError("layer down")

    monkeypatch.setattr(layer, "group_send", broken_group_send)

    with caplog.at_level(logging.ERROR, logger="contactcenter.realtime"), transaction.atomic():
        AuthGroup.objects.create(name="kept")
        realtime.broadcast("dialog.1", {"type": "message"})

    assert AuthGroup.objects.filter(name="kept").exists()
    assert any("dialog.1" in r.getMessage() for r in caplog.records)


def test_group_names() -> None:
    assert realtime.dialog_group(7) == "dialog.7"
    assert realtime.operator_group(7) == "operator.7"
    assert realtime.queue_group(7) == "group.7"
    assert realtime.EVENT_TYPE == "rt.event"


def test_group_names_are_valid_channel_layer_names() -> None:
    # channels' own rules (the pub/sub layer does not check them itself)
    rules = BaseChannelLayer()
    for name in (
        realtime.dialog_group(2**62),
        realtime.operator_group(1),
        realtime.queue_group(1),
    ):
        assert rules.require_valid_group_name(name)
        assert len(name) < 100


@pytest.mark.django_db(transaction=True)
async def test_a_batch_reaches_each_group_once_with_its_frames_in_order(member: Member) -> None:
    # given: an operator's group and the supervisors' group
    first, second = unique(realtime.operator_group), unique(realtime.supervisor_group)
    other = await Member.new()
    await member.join(first)
    await other.join(second)
    frames = [{"type": "suggestions", "n": n} for n in range(4)]

    # when: one batch sends frames to either or both
    sends = [([first], frames[0]), ([first, second], frames[1])]
    sends += [([second], frames[2]), ([first, first], frames[3])]
    try:
        await sync_to_async(realtime.send_batch_now)(sends)

        # then: each group gets one message with its frames, in the batch's order
        assert event_frames(await member.next()) == [frames[0], frames[1], frames[3]]
        assert event_frames(await other.next()) == [frames[1], frames[2]]
        await member.assert_quiet()
        await other.assert_quiet()
    finally:
        await other.leave()


async def test_a_socket_sends_each_frame_of_a_group_message_as_it_is() -> None:
    from contactcenter.sockets import EventSocket

    sent: list[dict[str, Any]] = []

    async def base_send(message: dict[str, Any]) -> None:
        sent.append(message)

    socket = EventSocket()
    socket.base_send = base_send
    texts = ['{"type": "a"}', '{"type": "b", "x": "\u0436"}']

    await socket.rt_event(realtime.events(texts))
    await socket.rt_event(realtime.event({"type": "c"}))
    await socket.rt_event({"type": realtime.EVENT_TYPE, "frame": {"type": "d"}})

    assert [m["text"] for m in sent] == [*texts, '{"type": "c"}', '{"type": "d"}']


async def test_frames_pass_the_session_middleware_without_reading_the_session() -> None:
    from channels.sessions import InstanceSessionWrapper

    from contactcenter.sockets import EventSocket

    # given an operator's socket whose send passes Channels' session wrapper, with a
    # session that cannot be read (a database away, say)
    sent: list[dict[str, Any]] = []

    async def daphne_send(message: dict[str, Any]) -> None:
        sent.append(message)

    class Unreadable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the session was read: {name}")

    wrapper = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, daphne_send)
    wrapper.scope["session"] = Unreadable()
    socket = EventSocket()
    socket.base_send = wrapper.send

    # when frames reach it
    await socket.rt_event(realtime.events(['{"type": "a"}', '{"type": "b"}']))
    await socket.send_frame({"type": "c"})

    # then the client gets them, as they are, in order
    assert [m["text"] for m in sent] == ['{"type": "a"}', '{"type": "b"}', '{"type": "c"}']
    assert all(m["type"] == "websocket.send" for m in sent)
