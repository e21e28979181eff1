"""The operator socket: ``/ws/operator/``, authenticated by the Django session cookie or
an ``Authorization: Token <key>`` header (see ``contactcenter.socket_auth``).

While at least one socket is open and the status is online, the operator is available
for routing. Frames come from the groups named in ``contactcenter.realtime``; client
events go to one service each.

An admin with no operator record opens the same socket as a read-only watcher (the
routing board's live updates): it hears every group's queue and supervisor frames, says
``{"type": "hello", "watcher": true, "operator": null}``, answers pings and refuses any
other command with an ``error`` frame (``not_operator``); it never counts as presence.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from contactcenter import realtime
from contactcenter.api_common import StateConflict
from contactcenter.socket_auth import credential_valid
from contactcenter.sockets import DATABASE_LOST, LAYER_LOST, EventSocket, TokenBucket
from inbox import services as inbox_services
from routing import selectors, services

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_OPERATOR = 4403
HEARTBEAT_EVERY_S = 20


class OperatorConsumer(EventSocket):
    max_refused = 100
    operator_id: int

    async def connect(self) -> None:
        await self.accept()
        await self.open_or_refuse(self._open)

    async def _open(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(CLOSE_UNAUTHENTICATED)
            return
        info = await database_sync_to_async(selectors.operator_socket_info)(user=user)
        if info is None:
            await self.watch(user)
            return
        self.user = user
        self.operator_id = info["operator"]["id"]
        self.groups_joined = [
            realtime.operator_group(self.operator_id),
            *(realtime.queue_group(g) for g in info["groups"]),
            *(realtime.supervisor_group(g) for g in info["supervised"]),
            # closed when the user's or the token's credentials end
            realtime.user_group(user.pk),
            *(
                [realtime.credential_group(self.scope["auth_token"])]
                if "auth_token" in self.scope
                else []
            ),
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.limiter = TokenBucket(rate=10, burst=40)
        self.refused = 0
        self.last_beat = time.monotonic()
        operator = await database_sync_to_async(services.operator_socket_open)(
            operator_id=self.operator_id
        )
        await self.send_frame(
            {"type": "hello", "operator": {**info["operator"], "status": operator.status}}
        )

    async def watch(self, user: Any) -> None:
        """A read-only socket for an admin without an operator record, else 4403."""
        info = await database_sync_to_async(selectors.watcher_socket_info)(user=user)
        if info is None:
            await self.close(CLOSE_NOT_OPERATOR)
            return
        self.watcher = True
        self.limiter = TokenBucket(rate=10, burst=40)
        self.refused = 0
        self.groups_joined = [
            *(realtime.queue_group(g) for g in info["groups"]),
            *(realtime.supervisor_group(g) for g in info["groups"]),
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send_frame({"type": "hello", "watcher": True, "operator": None})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "watcher", False):
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            return
        if not hasattr(self, "operator_id"):
            return
        # when the layer is down it forgot the subscriptions with its connection
        with contextlib.suppress(*LAYER_LOST):
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
        try:
            await database_sync_to_async(services.operator_socket_close)(
                operator_id=self.operator_id
            )
        except DATABASE_LOST:
            # presence is settled by the sweep once the grace period ends
            logger.warning(
                "operator %s: socket close not recorded (database away)", self.operator_id
            )

    async def rt_resync(self, event: dict[str, Any]) -> None:
        """After a layer outage a credential may have ended unheard: recheck it first."""
        try:
            valid = await database_sync_to_async(credential_valid)(self.scope)
        except DATABASE_LOST:
            valid = True  # cannot tell now; the next resync or reconnect will
        if not valid:
            await self.close(CLOSE_UNAUTHENTICATED)
            return
        await super().rt_resync(event)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if getattr(self, "watcher", False):
            await self.watcher_receive(text_data)
            return
        if not hasattr(self, "operator_id"):
            return
        parsed = await self.event_of(text_data)
        if parsed is None:
            return
        handler, event = parsed
        kind = event["type"]
        extra = {"client_id": event.get("client_id")} if kind == "message" else {}
        try:
            await self.run_handler(handler, event)
        except inbox_services.MessageRejected as refused:
            await self.error(refused.code, refused.detail, **extra)
        except StateConflict as conflict:
            await self.error(conflict.code, conflict.message, **extra)
        except ValidationError as invalid:
            await self.error("invalid", " ".join(invalid.messages), **extra)

    async def watcher_receive(self, text_data: str | None) -> None:
        parsed = await self.event_of(text_data)
        if parsed is None:
            return
        if parsed[1]["type"] == "ping":
            await self.send_frame({"type": "pong"})
        else:
            await self.error(
                "not_operator", "This socket only watches: you have no operator record."
            )

    async def on_message(self, event: dict[str, Any]) -> None:
        session_id = event.get("session")
        if not isinstance(session_id, int) or isinstance(session_id, bool):
            raise inbox_services.MessageRejected("bad_session", "session is a session id.")
        fields = {"session_id": session_id, "user": self.user, "text": event.get("text")}
        if event.get("internal") is True:  # a private note (staff only, any session they see)
            send: Any = inbox_services.operator_note_add
        else:
            # a reply's translation is asked at once, in a thread of its own: not after
            # the turns of the database thread that stores (the visitor waits for it)
            early = await database_sync_to_async(
                inbox_services.reply_translation_start, thread_sensitive=False
            )(**fields)
            send = functools.partial(
                inbox_services.operator_message_send, early=early, early_asked=True
            )
        stored = await database_sync_to_async(send)(**fields, client_id=event.get("client_id"))
        await self.send_frame(
            {"type": "ack", "client_id": stored.message.client_id, "id": stored.message.pk}
        )

    async def on_typing(self, event: dict[str, Any]) -> None:
        dialog_id = await database_sync_to_async(selectors.session_dialog_of_operator)(
            session_id=event.get("session"), operator_id=self.operator_id
        )
        if dialog_id is not None:
            await realtime.send_async(
                self.channel_layer,
                realtime.dialog_group(dialog_id),
                {"type": "typing", "sender_type": "operator"},
            )

    async def on_status(self, event: dict[str, Any]) -> None:
        operator = await database_sync_to_async(self._status_set)(event.get("status"))
        await self.send_frame({"type": "status", "status": operator.status})

    def _status_set(self, status: Any) -> Any:
        operator = selectors.operator_get_for_user(user=self.user)
        if operator is None:  # the socket is an operator's (checked on connect)
            raise PermissionError("not an operator")
        return services.operator_status_set(operator=operator, status=status)

    async def on_ping(self, event: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.last_beat >= HEARTBEAT_EVERY_S / 2:
            self.last_beat = now
            await database_sync_to_async(services.operator_heartbeat)(operator_id=self.operator_id)
        await self.send_frame({"type": "pong"})

    handlers = {
        "message": on_message,
        "typing": on_typing,
        "status": on_status,
        "ping": on_ping,
    }
