"""ASGI entry point: HTTP through Django, websockets through Channels.

``daphne contactcenter.asgi:application``

The operator socket only accepts pages of this site (allowed hosts); the widget socket
is embedded on customers' websites, so it checks each channel's allowed origins itself.

HTTP requests pass ``BodyLimit`` first: a body larger than ``REQUEST_MAX_BYTES`` is
answered 413 before the application reads it.
"""

import gc
import json
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from contactcenter.daphne_internals import mailbox_queues_install  # noqa: E402
from inbox.connectors.hooks_asgi import hooks_first  # noqa: E402
from inbox.routing import websocket_urlpatterns as widget_sockets  # noqa: E402
from routing.routing import websocket_urlpatterns as operator_sockets  # noqa: E402


class BodyLimit:
    """Answers 413 to a request whose body is larger than ``settings.REQUEST_MAX_BYTES``
    (the largest attachment and its multipart framing), before Django reads a byte of it:
    from ``Content-Length`` when it is declared, else as soon as the chunks received pass
    the limit (the application is then told the client left, and anything it answers is
    dropped).

    Servers that hand the application the headers before the body (uvicorn, hypercorn)
    never receive the rest. Daphne receives the whole body before it calls the
    application, so in front of it the proxy's limit is what keeps a 100 MB upload off
    the server (README, production); this one still spares Django copying and parsing
    it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.REQUEST_MAX_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await _too_large(send)
        received, refused, started = 0, False, False

        async def counted_receive() -> dict[str, Any]:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _too_large(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        return await self.app(scope, counted_receive, guarded_send)


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
    return None


async def _too_large(send: Any) -> None:
    detail = "The request body is too large."
    body = json.dumps({"code": "too_large", "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter(
    {
        # messengers' webhooks skip Django's middleware (inbox.connectors.hooks_asgi)
        "http": BodyLimit(hooks_first(django_asgi_app)),
        "websocket": URLRouter([*widget_sockets, *operator_sockets]),
    }
)

# Young collections after this many new container objects (CPython's default is 700).
YOUNG_COLLECTION_AFTER = 10_000


def collector_tune() -> None:
    """The garbage collector, set for a socket server. With the defaults, a young
    collection ran every few hundred allocations, so the objects of a message still in
    flight (its frame, its future, its row) were promoted to the oldest generation and
    then swept out by full collections, each of which walks every object of the process:
    with 1,000 widget sockets, 100-200 ms with every socket of the process stalled, three
    or four times in 40 s at 1,000 msg/s. Young collections now wait for 10,000 new
    objects, by when such objects are gone, and what exists at startup (modules, URL
    patterns, settings) is frozen out of the full collections' sight."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])


collector_tune()
# an idle socket's input queue in a few hundred bytes instead of 3.4 KB (under Daphne)
mailbox_queues_install()
