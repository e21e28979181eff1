"""The pub/sub layer tells every socket of the process to resync after a reconnect."""

from __future__ import annotations

import asyncio

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer

from contactcenter import layer


def test_a_reconnect_puts_a_resync_in_every_local_sockets_queue() -> None:
    # given a process with three sockets, one of which already has a message waiting
    channel_layer = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])

    class LoopLayer:
        def __init__(self) -> None:
            self.channel_layer = channel_layer
            self.channels = {name: asyncio.Queue() for name in ("a", "b", "c")}

    loop_layer = LoopLayer()
    loop_layer.channels["a"].put_nowait(channel_layer.serialize({"type": "rt.event"}))
    before = layer.epoch
    # when the layer's connection comes back
    told = layer.resync_local_sockets(loop_layer)
    # then each socket finds a resync after what it had, and the epoch moved on
    assert told == 3
    assert layer.epoch == before + 1
    last = {
        name: channel_layer.deserialize(queue.get_nowait())
        for name, queue in loop_layer.channels.items()
        for _ in range(queue.qsize())
    }
    assert last == {name: {"type": "rt.resync"} for name in "abc"}


@pytest.mark.asyncio
async def test_the_subscriber_reports_every_new_connection_after_subscribing_again() -> None:
    # given the layer's subscriber, subscribed to nothing yet
    from redis.asyncio import Redis

    pubsub = Redis.from_url("redis://127.0.0.1:1/0").pubsub()
    pubsub.__class__ = layer._ReconnectAwarePubSub
    calls: list[str] = []
    pubsub.on_reconnected = lambda: calls.append("reconnected")
    # when redis-py calls it back on a (new) connection
    await pubsub.on_connect(None)
    # then the layer hears of it
    assert calls == ["reconnected"]
