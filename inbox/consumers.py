"""The widget socket: ``/ws/widget/<channel key>/?token=<visitor token>``.

Thin by design: it authenticates from the scope, joins the dialog's group, turns group
events into frames and hands every client event to one service. The database is the
record: a message is acknowledged only once committed, and ``sync`` replays what a
client missed.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.utils import timezone

from contactcenter import realtime
from contactcenter.sockets import CLOSE_BAD_TOKEN, LAYER_LOST, EventSocket, TokenBucket
from inbox import selectors, services
from inbox.services import presence
from inbox.services.batching import Incoming
from inbox.writer import writer_for_loop

CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_UNKNOWN_CHANNEL = 4404


def header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class WidgetConsumer(EventSocket):
    dialog_id: int
    visitor_id: int

    async def connect(self) -> None:
        await self.accept()
        await self.open_or_refuse(self._open)

    async def _open(self) -> None:
        key = self.scope["url_route"]["kwargs"]["key"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[0]
        try:
            visitor = await database_sync_to_async(selectors.widget_visitor_authenticate)(
                key=key, token=token, origin=header(self.scope, b"origin")
            )
        except selectors.ChannelUnknown:
            await self.close(CLOSE_UNKNOWN_CHANNEL)
            return
        except selectors.OriginRefused:
            await self.close(CLOSE_FORBIDDEN_ORIGIN)
            return
        except selectors.VisitorUnknown:
            await self.close(CLOSE_BAD_TOKEN)
            return
        self.dialog_id, self.visitor_id = visitor.dialog_id, visitor.pk
        await database_sync_to_async(presence.visitor_socket_opened)(
            visitor_id=visitor.pk, at=timezone.now()
        )
        self.group = realtime.dialog_group(self.dialog_id)
        self.limiter = TokenBucket(rate=5, burst=20)
        self.refused = 0
        self.last_typing = 0.0
        await self.channel_layer.group_add(self.group, self.channel_name)
        # the channel (a model instance with its config) is not kept by the socket
        for frame in await database_sync_to_async(self._welcome)(visitor.channel):
            await self.send_frame(frame)

    def _welcome(self, channel: Any) -> list[dict[str, Any]]:
        frames = selectors.widget_welcome_frames(dialog_id=self.dialog_id)
        if frames[0]["session"] is None:
            topics = selectors.widget_topics(channel=channel)
            if topics:
                frames.append({"type": "topics", "topics": topics})
        return frames

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "visitor_id"):
            await database_sync_to_async(presence.visitor_socket_closed)(
                visitor_id=self.visitor_id, at=timezone.now()
            )
        if hasattr(self, "group"):
            # when the layer is down it forgot the subscription with its connection
            with contextlib.suppress(*LAYER_LOST):
                await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- client events ---------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not hasattr(self, "dialog_id"):
            return
        parsed = await self.event_of(text_data)
        if parsed is None:
            return
        handler, event = parsed
        kind = event["type"]
        try:
            await self.run_handler(handler, event)
        except services.MessageRejected as refused:
            extra = {"client_id": event.get("client_id")} if kind == "message" else {}
            await self.error(refused.code, refused.detail, **extra)

    async def on_message(self, event: dict[str, Any]) -> None:
        # Stored with the other sockets' messages of the moment, in one transaction (see
        # inbox.writer); the result comes back once that transaction committed.
        stored = await writer_for_loop().submit(
            Incoming(
                dialog_id=self.dialog_id, text=event.get("text"), client_id=event.get("client_id")
            )
        )
        await self.send_frame(
            {"type": "ack", "client_id": stored.message.client_id, "id": stored.message.pk}
        )

    async def on_typing(self, event: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.last_typing < 1.5:
            return
        self.last_typing = now
        groups = await database_sync_to_async(selectors.dialog_staff_groups)(
            dialog_id=self.dialog_id
        )
        session_id = await database_sync_to_async(selectors.open_session_id)(
            dialog_id=self.dialog_id
        )
        for group in groups:
            await realtime.send_async(
                self.channel_layer, group, {"type": "typing", "session": session_id}
            )

    async def on_topic(self, event: dict[str, Any]) -> None:
        await database_sync_to_async(services.session_topic_choose)(
            dialog_id=self.dialog_id, topic_id=event.get("topic")
        )

    async def on_button(self, event: dict[str, Any]) -> None:
        await database_sync_to_async(services.button_press)(
            dialog_id=self.dialog_id, node=event.get("node"), button=event.get("button")
        )

    async def on_sync(self, event: dict[str, Any]) -> None:
        after = event.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise services.MessageRejected("bad_after", "after is a message id (0 for all).")
        while True:
            page = await database_sync_to_async(selectors.dialog_messages_after)(
                dialog_id=self.dialog_id, after_id=after, for_contact=True
            )
            for message in page:
                await self.send_frame({"type": "message", "message": message})
            if len(page) < selectors.SYNC_PAGE:
                return
            after = page[-1]["id"]

    async def on_rating(self, event: dict[str, Any]) -> None:
        await database_sync_to_async(services.session_rate)(
            dialog_id=self.dialog_id, score=event.get("score"), comment=event.get("comment", "")
        )
        await self.send_frame({"type": "rating.saved"})

    async def on_context(self, event: dict[str, Any]) -> None:
        # the page the visitor is on now, and so on; the browser is the socket's own header
        await database_sync_to_async(services.widget_visitor_context_update)(
            visitor_id=self.visitor_id,
            context=event,
            user_agent=header(self.scope, b"user-agent"),
        )

    handlers = {
        "message": on_message,
        "typing": on_typing,
        "topic": on_topic,
        "button": on_button,
        "sync": on_sync,
        "rating": on_rating,
        "context": on_context,
    }
