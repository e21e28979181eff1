"""The one module that reaches into channels_redis' private internals.

channels_redis' pub/sub layer offers no public way to pipeline many PUBLISHes or to hear
of a reconnect, and the product needs both (``realtime.send_batch_async`` sends a batch
in one Redis round trip per shard; ``layer.ResyncingPubSubChannelLayer`` tells sockets
to resync after an outage). Everything private that they use is named here, and only
here, so that an upgrade of channels_redis has one file to re-check:

- ``RedisPubSubChannelLayer._get_layer()``: the per-event-loop layer;
- ``RedisPubSubLoopLayer``: ``_shards``, ``_get_shard()``, ``_get_group_channel_name()``,
  ``_subscribe_to_channel()`` (replaced per loop layer: each socket's queue is a
  ``contactcenter.mailbox.Mailbox``, about 3 KB less per idle socket than the
  ``asyncio.Queue`` it made), and the undocumented ``channels`` (each local socket's
  queue) and ``channel_layer``;
- ``RedisSingleShardConnection``: ``_lock``, ``_ensure_redis()``, ``_redis``,
  ``_pubsub``.

``WRITTEN_FOR`` is the channels_redis release line this was read against;
``tests/contactcenter/test_redis_internals.py`` fails when another one is installed or
when any name above is gone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

from contactcenter.mailbox import Mailbox

# The channels_redis versions (major.minor) whose internals this module was checked
# against; pyproject.toml pins channels-redis>=4.3,<5.
WRITTEN_FOR = ("4.3",)
LAYER_INTERNALS = ("_get_layer",)
LOOP_LAYER_INTERNALS = (
    "_shards",
    "_get_shard",
    "_get_group_channel_name",
    "_subscribe_to_channel",
    "channels",
)
SHARD_INTERNALS = ("_lock", "_ensure_redis", "_redis", "_pubsub")

Publisher = Callable[[list[tuple[str, dict[str, Any]]]], Awaitable[None]]


def installed_version() -> str:
    return metadata.version("channels-redis")


def is_written_for(version: str) -> bool:
    return ".".join(version.split(".")[:2]) in WRITTEN_FOR


def internals_missing(layer: RedisPubSubChannelLayer) -> list[str]:
    """The private names this module uses that ``layer`` (and its loop layer and shards)
    lacks; call it inside a running event loop."""
    missing = [
        f"RedisPubSubChannelLayer.{name}" for name in LAYER_INTERNALS if not hasattr(layer, name)
    ]
    if missing:
        return missing
    loop_layer = layer._get_layer()
    missing += [
        f"RedisPubSubLoopLayer.{name}"
        for name in (*LOOP_LAYER_INTERNALS, "channel_layer")
        if not hasattr(loop_layer, name)
    ]
    for shard in getattr(loop_layer, "_shards", [])[:1]:
        missing += [
            f"RedisSingleShardConnection.{name}"
            for name in SHARD_INTERNALS
            if not hasattr(shard, name)
        ]
    return missing


class HookedPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis' pub/sub layer that calls ``loop_layer_created`` once for each
    per-event-loop layer it makes (before its first use)."""

    def loop_layer_created(self, loop_layer: Any) -> None:
        """Override to set up a new loop layer (its shards: ``shards_of``)."""

    def _get_layer(self) -> Any:
        loop_layer = super()._get_layer()
        if not getattr(loop_layer, "_contactcenter_hooked", False):
            mailboxes_use(loop_layer)
            self.loop_layer_created(loop_layer)
            loop_layer._contactcenter_hooked = True
        return loop_layer


def mailboxes_use(loop_layer: Any) -> None:
    """Each channel that ``loop_layer`` subscribes to from now on gets a ``Mailbox`` for
    its queue (the layer only calls ``get`` and ``put_nowait`` on it, as do
    ``local_queues``' users)."""
    if not hasattr(loop_layer, "_subscribe_to_channel"):
        return

    async def subscribe_to_channel(channel: str) -> None:
        loop_layer.channels[channel] = Mailbox()
        await loop_layer._get_shard(channel).subscribe(channel)

    loop_layer._subscribe_to_channel = subscribe_to_channel


async def channel_into(layer: Any, mailbox: Mailbox) -> str | None:
    """A new channel of this process whose messages (serialized, as bytes) go into
    ``mailbox``, when ``layer`` is the product's hooked pub/sub layer; else None. The
    caller reads them there, deserializes them, and calls ``channel_drop`` at the end
    (``layer.receive`` is never called for it)."""
    if not isinstance(layer, HookedPubSubChannelLayer):
        return None
    name: str = await layer.new_channel()
    layer._get_layer().channels[name] = mailbox
    return name


async def channel_drop(layer: Any, name: str) -> None:
    """Forgets a channel of ``channel_into`` and unsubscribes from it (what the layer's
    ``receive`` does when it is cancelled)."""
    loop_layer = layer._get_layer()
    if loop_layer.channels.pop(name, None) is not None:
        await loop_layer._get_shard(name).unsubscribe(name)


def shards_of(loop_layer: Any) -> list[Any]:
    return list(loop_layer._shards)


def on_new_connection(shard: Any, callback: Callable[[Any], None]) -> None:
    """Calls ``callback(pubsub)`` each time ``shard`` opens a new Redis client (its first
    connection, and again after ``flush``), with the pubsub object it made, right after."""
    ensure_redis = shard._ensure_redis

    def _ensure_redis() -> None:
        fresh = shard._redis is None
        ensure_redis()
        if fresh and shard._pubsub is not None:
            callback(shard._pubsub)

    shard._ensure_redis = _ensure_redis


def local_queues(loop_layer: Any) -> list[Any]:
    """The message queue of every socket of this process on this loop layer."""
    return list(loop_layer.channels.values())


def serialize(loop_layer: Any, message: dict[str, Any]) -> bytes:
    return loop_layer.channel_layer.serialize(message)


def pipelined_publisher(layer: Any) -> Publisher | None:
    """A function that PUBLISHes ``(group, message)`` pairs on ``layer`` pipelined per
    shard, in order, when ``layer`` is channels_redis' pub/sub layer with the internals
    this module knows; else None (the caller then sends one by one)."""
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    loop_layer = layer._get_layer()
    needed = ("_get_shard", "_get_group_channel_name")
    if not all(hasattr(loop_layer, name) for name in needed):
        return None

    async def publish(pairs: list[tuple[str, dict[str, Any]]]) -> None:
        by_shard: dict[Any, list[tuple[str, bytes]]] = {}
        for group, message in pairs:
            channel = loop_layer._get_group_channel_name(group)
            data = layer.serialize(message)
            by_shard.setdefault(loop_layer._get_shard(channel), []).append((channel, data))
        for shard, items in by_shard.items():
            if not all(hasattr(shard, name) for name in ("_lock", "_ensure_redis")):
                for channel, data in items:
                    await shard.publish(channel, data)
                continue
            async with shard._lock:
                shard._ensure_redis()
                pipe = shard._redis.pipeline(transaction=False)
                for channel, data in items:
                    pipe.publish(channel, data)
                await pipe.execute()

    return publish
