"""What every socket of the product shares (the widget's, ``inbox.consumers``, and the
operators', ``routing.consumers``): ``EventSocket``, a JSON-frame consumer with the checks
every client frame passes before its handler, and ``TokenBucket``, its rate limit.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.db import InterfaceError, OperationalError, close_old_connections

from contactcenter import inputs, realtime, redis_internals, socket_limits
from contactcenter.mailbox import Mailbox

logger = logging.getLogger(__name__)

CLOSE_BAD_TOKEN = 4401
CLOSE_FLOOD = 4429
# The server cannot serve the socket for now (database or real-time layer down): the
# client reconnects later (RFC 6455 "Try Again Later").
CLOSE_TRY_AGAIN = 1013
MAX_FRAME = 64 * 1024


class TokenBucket:
    """At most ``rate`` events a second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


DATABASE_LOST: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
LAYER_LOST = realtime.LAYER_ERRORS


def _refusal_extra(refused: inputs.InputRefused) -> dict[str, Any]:
    """Where a refused frame went wrong, and its ``client_id`` when it is a message the
    client waits an answer for."""
    extra: dict[str, Any] = {"field": refused.field} if refused.field else {}
    document = refused.document
    if isinstance(document, dict) and document.get("type") == "message":
        client_id = document.get("client_id")
        if isinstance(client_id, str) and len(client_id) <= 64:
            extra["client_id"] = inputs.text_repair(client_id)
    return extra


class EventSocket(AsyncWebsocketConsumer):
    """What the widget and operator sockets share: JSON frames in and out, group events
    turned into frames, and the checks every client frame passes before its handler
    (rate, size, JSON, a known ``type``). Subclasses set ``handlers`` and
    ``max_refused`` (refused frames before the socket closes as flooding), and call
    ``event_of`` at the start of ``receive``.

    Channels' own dispatch first runs close_old_connections in the database thread for
    every frame and group event, so each one waited behind whatever that thread was
    doing (a batch being written). Every database access of these consumers goes through
    database_sync_to_async or the writer, which close stale connections in that thread
    around each call themselves, so dispatch here goes straight to the handler."""

    handlers: dict[str, Any] = {}
    max_refused = 50
    limiter: TokenBucket
    refused: int
    _send_direct: Callable[[dict[str, Any]], Awaitable[None]]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A socket opened while Redis is away cannot get its channel from the layer:
        instead of a crash (a 500 to the handshake) it is closed with 1013 (try again
        later), and the client reconnects with its usual backoff."""
        try:
            await self._serve(scope, receive, send)
        except LAYER_LOST as error:
            if hasattr(self, "channel_name"):
                raise
            logger.warning("socket refused for now: %s", type(error).__name__)
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})

    async def _serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' loop, with one waiting point per socket instead of three. Channels
        waits on the client's queue and the layer's channel in two tasks of their own
        plus an ``asyncio.wait`` (about 3 KB of tasks, frames and futures per idle
        socket). Under Daphne both queues are mailboxes (``contactcenter.mailbox``): the
        layer's messages go into the client's mailbox, bytes among Daphne's dicts, and
        the socket waits on that one. Elsewhere (tests' communicators, another layer)
        Channels' own loop runs."""
        mailbox = getattr(receive, "__self__", None)
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        name = None
        if isinstance(mailbox, Mailbox) and getattr(receive, "__name__", "") == "get":
            name = await redis_internals.channel_into(self.channel_layer, mailbox)
        if name is None or not isinstance(mailbox, Mailbox):
            await super().__call__(scope, receive, send)
            return
        self.scope, self.channel_name, self.base_send = scope, name, send
        try:
            while True:
                item = await mailbox.get()
                await self.dispatch(
                    self.channel_layer.deserialize(item) if isinstance(item, bytes) else item
                )
        except StopConsumer:
            pass
        finally:
            try:
                await redis_internals.channel_drop(self.channel_layer, name)
            except Exception:  # the socket is over either way; never mask why it ended
                logger.warning("could not unsubscribe a closed socket's channel", exc_info=True)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        # one seat per socket and client address, across processes (a Redis call per
        # connection, none per frame)
        self.seat = await socket_limits.seat_take(self)
        if self.seat is None:
            await self.accept()
            await self.close(socket_limits.CLOSE_TOO_MANY_SOCKETS, socket_limits.CLOSE_REASON)
            return
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        await socket_limits.seat_give_back(self, getattr(self, "seat", None))
        self.seat = None
        await super().websocket_disconnect(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send_text(json.dumps(frame, ensure_ascii=False))

    async def send_text(self, text: str) -> None:
        """A frame's JSON text to the client, past Channels' session wrapper of ``send``:
        it saves the session and sets its cookie on HTTP responses only, but looked at
        the session on every message sent (a fifth of an operator's frame's CPU)."""
        send = self.__dict__.get("_send_direct")
        if send is None:
            send = self.base_send
            owner = getattr(send, "__self__", None)
            while isinstance(owner, InstanceSessionWrapper):
                send = owner.real_send
                owner = getattr(send, "__self__", None)
            self._send_direct = send
        await send({"type": "websocket.send", "text": text})

    async def error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_frame({"type": "error", "code": code, "detail": detail, **extra})

    async def rt_event(self, event: dict[str, Any]) -> None:
        """Frames for this socket (``realtime.event``, ``realtime.events``): their JSON
        texts sent as they are, in order."""
        texts = event.get("texts")
        if texts is not None:
            for text in texts:
                await self.send_text(text)
            return
        text = event.get("text")
        if text is None:  # a message sent before frames travelled as text
            await self.send_frame(event["frame"])
            return
        await self.send_text(text)

    async def rt_close(self, event: dict[str, Any]) -> None:
        """The credential this socket opened with ended (``contactcenter.credentials``)."""
        await self.close(int(event.get("code", CLOSE_BAD_TOKEN)))

    async def rt_resync(self, event: dict[str, Any]) -> None:
        """The real-time layer came back after an outage (``contactcenter.layer``): pushes
        may have been lost meanwhile, so the client is told to catch up."""
        await self.send_frame({"type": "resync"})

    async def run_handler(self, handler: Any, event: dict[str, Any]) -> None:
        """Runs a client event's handler; when it meets a lost database connection (a
        restart, a killed backend) it runs once more on a new one, and if the database
        is still away the client gets an ``unavailable`` error frame and keeps the
        socket. Handlers are safe to run twice: messages are stored once per client_id."""
        try:
            await handler(self, event)
            return
        except DATABASE_LOST:
            logger.warning(
                "socket event %r met a lost database connection; retrying", event["type"]
            )
            await database_sync_to_async(close_old_connections)()
        try:
            await handler(self, event)
        except DATABASE_LOST:
            logger.warning("socket event %r: the database is unavailable", event["type"])
            extra = {"client_id": event.get("client_id")} if event["type"] == "message" else {}
            await self.error(
                "unavailable", "The server cannot store this now; send it again.", **extra
            )

    async def open_or_refuse(self, opening: Any) -> bool:
        """Runs the database and layer work of opening a socket; if the database or the
        real-time layer is down, closes with 1013 (try again later) instead of a crash
        (1011), and says False."""
        try:
            await opening()
            return True
        except (*DATABASE_LOST, *LAYER_LOST) as error:
            logger.warning("socket refused for now: %s", type(error).__name__)
            await self.close(CLOSE_TRY_AGAIN)
            return False

    async def event_of(self, text_data: str | None) -> tuple[Any, dict[str, Any]] | None:
        """The handler and the event of a client frame, or None once the frame was
        refused (with an error frame, or by closing a flooding socket)."""
        if not self.limiter.take():
            self.refused += 1
            if self.refused > self.max_refused:
                await self.close(CLOSE_FLOOD)
            else:
                await self.error("rate_limited", "Too many events; slow down.")
            return None
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.error("bad_frame", "Send JSON text frames of up to 64 KB.")
            return None
        try:
            event = inputs.json_parse(text_data)
        except inputs.InputRefused as refused:
            await self.error(refused.code, refused.detail, **_refusal_extra(refused))
            return None
        kind = event.get("type") if isinstance(event, dict) else None
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self.error("unknown_type", "Unknown event type.")
            return None
        return handler, event
