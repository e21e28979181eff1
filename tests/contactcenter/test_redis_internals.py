"""The adapter over channels_redis' private internals fails loudly on an upgrade."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from contactcenter import layer, redis_internals
from contactcenter.mailbox import Mailbox

RECHECK = (
    "contactcenter/redis_internals.py reaches into channels_redis' private internals "
    "(RedisPubSubChannelLayer._get_layer; RedisPubSubLoopLayer._shards, _get_shard, "
    "_get_group_channel_name, _subscribe_to_channel, channels, channel_layer; "
    "RedisSingleShardConnection._lock, "
    "_ensure_redis, _redis, _pubsub). Re-read channels_redis/pubsub.py of the new "
    "version, check that each one still means what the adapter assumes (and that the "
    "pipelined publish and the reconnect hook still work: tests/real/test_channel_layer.py), "
    "then add the version to WRITTEN_FOR."
)


def test_the_installed_channels_redis_is_a_version_the_adapter_was_written_for() -> None:
    # given the channels_redis this environment runs
    installed = redis_internals.installed_version()
    # then the adapter was read against its release line
    assert redis_internals.is_written_for(installed), (
        f"channels_redis {installed} is installed, but the adapter was written for "
        f"{', '.join(redis_internals.WRITTEN_FOR)}. {RECHECK}"
    )


def test_a_version_outside_the_release_line_is_refused() -> None:
    # given the latest release line the adapter was written for, e.g. 4.3
    line = redis_internals.WRITTEN_FOR[-1]
    major, minor = (int(part) for part in line.split("."))
    # then any patch release of it passes, and the next minor or major release does not
    assert redis_internals.is_written_for(f"{line}.0")
    assert redis_internals.is_written_for(f"{line}.7")
    assert not redis_internals.is_written_for(f"{major}.{minor + 1}.0")
    assert not redis_internals.is_written_for(f"{major + 1}.0.0")


@pytest.mark.asyncio
async def test_every_private_name_the_adapter_uses_exists() -> None:
    # given the product's layer, as settings build it (no Redis is needed to look)
    channel_layer = layer.ResyncingPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    # then nothing the adapter touches is missing
    missing = redis_internals.internals_missing(channel_layer)
    assert missing == [], f"channels_redis lacks {missing}. {RECHECK}"


@pytest.mark.asyncio
async def test_each_shard_of_a_new_loop_layer_reports_its_new_connections() -> None:
    # given the product's layer on this event loop
    channel_layer = layer.ResyncingPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    loop_layer = channel_layer._get_layer()
    (shard,) = redis_internals.shards_of(loop_layer)
    loop_layer.channels["specific.a"] = asyncio.Queue()
    # when the shard opens its Redis client (lazily, no connection is made yet)
    shard._ensure_redis()
    # then its subscriber is the one that reports reconnects, and a report resyncs sockets
    assert isinstance(shard._pubsub, layer._ReconnectAwarePubSub)
    shard._pubsub.on_reconnected()
    queue = loop_layer.channels["specific.a"]
    assert channel_layer.deserialize(queue.get_nowait()) == {"type": "rt.resync"}
    # and the hook is set once per loop layer, not on every use
    assert channel_layer._get_layer() is loop_layer
    await shard.flush()


@pytest.mark.asyncio
async def test_a_socket_channel_of_the_product_layer_queues_in_a_mailbox() -> None:
    # given the product's layer on this event loop, its shard's subscribe stubbed out
    # (it would need Redis; only what the layer keeps in this process is looked at)
    channel_layer = layer.ResyncingPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    loop_layer = channel_layer._get_layer()
    (shard,) = redis_internals.shards_of(loop_layer)
    subscribed: list[str] = []

    async def subscribe(channel: str) -> None:
        subscribed.append(channel)

    shard.subscribe = subscribe
    # when a socket gets its channel
    name = await channel_layer.new_channel()
    # then the channel is subscribed to and its queue is a mailbox, which delivers
    assert subscribed == [name]
    assert isinstance(loop_layer.channels[name], Mailbox)
    loop_layer.channels[name].put_nowait(channel_layer.serialize({"type": "rt.event"}))
    assert (await asyncio.wait_for(channel_layer.receive(name), 1)) == {"type": "rt.event"}


def test_another_layer_gets_no_pipelined_publisher() -> None:
    assert redis_internals.pipelined_publisher(InMemoryChannelLayer()) is None


@pytest.mark.asyncio
async def test_a_channel_into_a_mailbox_delivers_there_until_it_is_dropped() -> None:
    # given the product's layer, its shard's Redis calls stubbed out (only what the layer
    # keeps in this process is looked at), and a socket's mailbox
    channel_layer = layer.ResyncingPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    loop_layer = channel_layer._get_layer()
    (shard,) = redis_internals.shards_of(loop_layer)
    calls: list[tuple[str, str]] = []

    async def subscribe(channel: str) -> None:
        calls.append(("subscribe", channel))

    async def unsubscribe(channel: str) -> None:
        calls.append(("unsubscribe", channel))

    shard.subscribe, shard.unsubscribe = subscribe, unsubscribe
    mailbox = Mailbox()
    # when a channel is opened into the mailbox and the process resyncs its sockets
    name = await redis_internals.channel_into(channel_layer, mailbox)
    assert name is not None
    layer.resync_local_sockets(loop_layer)
    # then the message is in the mailbox, serialized
    assert channel_layer.deserialize(await mailbox.get()) == {"type": "rt.resync"}
    # and once dropped, the channel is unsubscribed and hears nothing more
    await redis_internals.channel_drop(channel_layer, name)
    assert calls == [("subscribe", name), ("unsubscribe", name)]
    assert layer.resync_local_sockets(loop_layer) == 0
    assert mailbox.empty()


@pytest.mark.asyncio
async def test_another_layer_opens_no_channel_into_a_mailbox() -> None:
    assert await redis_internals.channel_into(InMemoryChannelLayer(), Mailbox()) is None
