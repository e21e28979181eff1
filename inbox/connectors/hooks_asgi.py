"""``/hooks/<kind>/<key>/`` as a bare ASGI application, mounted in front of Django by
``contactcenter.asgi``: a webhook needs none of Django's middleware (no session, no
CSRF, no user: the connector verifies the delivery), and that stack, mostly sync, costs
several thread hops per request, more than the delivery itself. Same answers as the
Django view (``inbox.connectors.views.webhook``), through the same ``hook_answer``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from inbox.connectors.base import HookRequest
from inbox.connectors.views import hook_answer

PATH = re.compile(r"/hooks/(?P<kind>[-a-zA-Z0-9_]+)/(?P<key>[^/]+)/")
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class CaseInsensitiveHeaders(dict[str, str]):
    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


def hooks_first(app: App) -> App:
    """``app`` with ``/hooks/...`` answered before it."""

    async def router(scope: dict[str, Any], receive: Any, send: Any) -> None:
        match = PATH.fullmatch(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            return await app(scope, receive, send)
        return await _hook(scope, receive, send, match["kind"], match["key"])

    return router


async def _hook(scope: dict[str, Any], receive: Any, send: Any, kind: str, key: str) -> None:
    method = scope.get("method", "")
    if method not in ("GET", "POST"):
        return await _respond(send, 405, b"method not allowed", [(b"allow", b"GET, POST")])
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body.extend(message.get("body", b""))
        if not message.get("more_body", False):
            break
    headers = CaseInsensitiveHeaders(
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in scope.get("headers", [])
    )
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    request = HookRequest(body=bytes(body), headers=headers, query=query)
    answer = await hook_answer(kind=kind, key=key, method=method, request=request)
    await _respond(send, answer.status, answer.body.encode())


async def _respond(
    send: Any, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
