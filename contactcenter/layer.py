"""The channel layer: channels_redis' pub/sub layer, plus a resync hint after an outage.

When Redis goes away, every PUBLISH made meanwhile is lost (the database keeps the rows;
``realtime.send_now`` logs the failed sends), and sockets stay open with nothing to say.
The pub/sub connection of each process reconnects by itself and subscribes again (redis-py
calls the subscriber's ``on_connect`` on every new connection); this layer then puts an
``rt.resync`` message in the queue of every socket of the process, which turns it into
a ``{"type": "resync"}`` frame (``contactcenter.sockets.EventSocket.rt_resync``): the clients
fetch what they missed. Each reconnect also advances the process's ``epoch``.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.asyncio.client import PubSub

from contactcenter import redis_internals

logger = logging.getLogger(__name__)

RESYNC_TYPE = "rt.resync"
epoch = 0  # reconnects of the real-time layer in this process


class _ReconnectAwarePubSub(PubSub):
    """A PubSub that reports each connection after the first to ``on_reconnected``."""

    on_reconnected: Any = None

    async def on_connect(self, connection: Any) -> None:
        await super().on_connect(connection)  # subscribes again to every channel
        callback = self.on_reconnected
        if callback is not None:
            callback()


class ResyncingPubSubChannelLayer(redis_internals.HookedPubSubChannelLayer):
    """channels_redis' pub/sub layer whose sockets hear ``rt.resync`` after a reconnect."""

    def loop_layer_created(self, loop_layer: Any) -> None:
        for shard in redis_internals.shards_of(loop_layer):
            _hook_shard(shard, loop_layer)


def _hook_shard(shard: Any, loop_layer: Any) -> None:
    def new_connection(pubsub: Any) -> None:
        # Same object, one overridden method: redis-py registers ``on_connect`` as a weak
        # method when the pubsub first connects, so it must be a bound method.
        pubsub.__class__ = _ReconnectAwarePubSub
        pubsub.on_reconnected = lambda: resync_local_sockets(loop_layer)

    redis_internals.on_new_connection(shard, new_connection)


def resync_local_sockets(loop_layer: Any) -> int:
    """Puts ``rt.resync`` in the queue of every socket of this process (its specific
    channels); returns how many."""
    global epoch
    epoch += 1
    data = redis_internals.serialize(loop_layer, {"type": RESYNC_TYPE})
    queues = redis_internals.local_queues(loop_layer)
    for queue in queues:
        queue.put_nowait(data)
    logger.warning(
        "real-time layer reconnected (epoch %d): %d sockets told to resync", epoch, len(queues)
    )
    return len(queues)
