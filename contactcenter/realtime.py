"""The one module that knows the channel-layer group names and sends to them.

Services call ``broadcast`` inside their transaction; the frame leaves only after commit,
so no client ever sees a row that was rolled back. Consumers join the groups named here
and turn ``rt.event`` messages into socket frames: the message carries the frame as the
JSON text the sockets send (``text``), encoded once by the sender, whatever the number
of groups and sockets it reaches (``event``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import transaction
from redis import exceptions as redis_errors

from contactcenter import redis_internals

logger = logging.getLogger(__name__)

# The channel-layer message type every consumer handles (method ``rt_event``).
EVENT_TYPE = "rt.event"
# What the Redis layer raises while Redis is away.
LAYER_ERRORS: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    ConnectionError,
    TimeoutError,
)
# Closes every socket of a group with the message's ``code`` (method ``rt_close``).
CLOSE_TYPE = "rt.close"


def event(frame: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message of ``frame``: its JSON text, as the sockets send it. The
    text, not the frame: each socket server would otherwise unpack the frame's dicts and
    encode them again for every socket (a tenth of an operators' server's CPU), and the
    sender packs one string per group instead of the frame's dicts."""
    return {"type": EVENT_TYPE, "text": json.dumps(frame, ensure_ascii=False)}


def events(texts: list[str]) -> dict[str, Any]:
    """The channel-layer message of frames already encoded (``event``'s text), for one
    group, in order: ``text`` for one, ``texts`` for several."""
    if len(texts) == 1:
        return {"type": EVENT_TYPE, "text": texts[0]}
    return {"type": EVENT_TYPE, "texts": texts}


def dialog_group(dialog_id: int) -> str:
    """Everyone watching one dialog: the contact's widget sockets."""
    return f"dialog.{dialog_id}"


def operator_group(operator_id: int) -> str:
    """Every open socket of one operator."""
    return f"operator.{operator_id}"


def queue_group(group_id: int) -> str:
    """Operators and supervisors of one routing group (queue and session updates)."""
    return f"group.{group_id}"


def supervisor_group(group_id: int) -> str:
    """Supervisors of one routing group: every session and message of the group."""
    return f"supervise.{group_id}"


def user_group(user_id: int) -> str:
    """Every open socket signed in as one user, however it authenticated."""
    return f"user.{user_id}"


def credential_group(token_key: str) -> str:
    """Every open socket authenticated with one API token (named by a digest: group
    names travel through Redis, the key is a secret)."""
    return f"credential.{hashlib.sha256(token_key.encode()).hexdigest()[:24]}"


def close_after_commit(groups: list[str], code: int, *, using: str | None = None) -> None:
    """Close every socket of ``groups`` with ``code`` once the transaction commits (a
    credential that ended): best effort like every send; sockets also recheck their
    credential when the layer comes back after an outage."""

    def close() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group in dict.fromkeys(groups):
            try:
                _run(layer, layer.group_send, group, {"type": CLOSE_TYPE, "code": code})
            except Exception:
                logger.exception("closing the sockets of %s failed", group)

    transaction.on_commit(close, using=using)


def broadcast(group: str, frame: dict[str, Any], *, using: str | None = None) -> None:
    """Send ``frame`` to every socket in ``group`` after the current transaction commits."""
    transaction.on_commit(lambda: send_now(group, frame), using=using)


def broadcast_many(groups: list[str], frame: dict[str, Any], *, using: str | None = None) -> None:
    transaction.on_commit(lambda: _send_each(groups, frame), using=using)


def _send_each(groups: list[str], frame: dict[str, Any]) -> None:
    for group in dict.fromkeys(groups):
        send_now(group, frame)


def broadcast_batch(
    sends: list[tuple[list[str], dict[str, Any]]], *, using: str | None = None
) -> None:
    """Like ``broadcast_many`` for each (groups, frame) of ``sends``, in order, after the
    current transaction commits, in one call to the layer (one Redis round trip on the
    pub/sub layer) instead of one per group and frame."""
    transaction.on_commit(lambda: send_batch_now(sends), using=using)


def send_batch_now(sends: list[tuple[list[str], dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    try:
        _run(layer, send_batch_async, layer, sends)
    except Exception:
        logger.exception("broadcast of %d frames failed", len(sends))


# Sync code (services after commit, Celery tasks, commands) sends to Redis through one
# long-lived event loop in a daemon thread of the process: async_to_sync would open a
# new loop, and with it a new Redis connection, for every call made outside an ASGI
# server, and inside one it would wait on the server's loop, which hangs a thread at
# shutdown. Other layers (the in-process one of the fast test tier) keep async_to_sync:
# their state belongs to the loop that uses them.
_sender: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None
_sender_lock = threading.Lock()
SEND_TIMEOUT_S = 10


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _sender
    with _sender_lock:
        if _sender is None or not _sender[1].is_alive():  # first use, or after a fork
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="realtime-sender", daemon=True)
            thread.start()
            _sender = (loop, thread)
        return _sender[0]


def _run(layer: Any, function: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
    if isinstance(layer, RedisPubSubChannelLayer):
        future = asyncio.run_coroutine_threadsafe(function(*args), _sender_loop())
        future.result(timeout=SEND_TIMEOUT_S)
    else:
        async_to_sync(function)(*args)


async def send_batch_async(layer: Any, sends: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Sends every frame of ``sends`` to its groups; each group gets its frames in order,
    in ONE channel-layer message (``events``): a worker's batch of suggestions reaches an
    operator who has several of its sessions, and the supervisors' group of all of them,
    as one PUBLISH each, and their socket server unpacks and dispatches it once. On the
    Redis pub/sub layer the PUBLISHes are pipelined per shard; on any other layer they
    go one by one."""
    texts: dict[str, list[str]] = {}
    for groups, frame in sends:
        if groups:  # encoded once for all its groups
            text = json.dumps(frame, ensure_ascii=False)
            for group in dict.fromkeys(groups):
                texts.setdefault(group, []).append(text)
    if not texts:
        return
    pairs = [(group, events(found)) for group, found in texts.items()]
    publish = redis_internals.pipelined_publisher(layer)
    if publish is not None:
        await publish(pairs)
        return
    for group, message in pairs:
        await layer.group_send(group, message)


async def send_async(layer: Any, group: str, frame: dict[str, Any]) -> None:
    """From async code (a consumer) where no transaction is involved, e.g. typing."""
    await layer.group_send(group, event(frame))


def send_now(group: str, frame: dict[str, Any]) -> None:
    """Send at once. A broken layer is logged, never raised into the write that caused
    the frame: the database is the record and clients catch up with ``sync``."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        _run(layer, layer.group_send, group, event(frame))
    except Exception:
        logger.exception("broadcast to %s failed", group)
