"""The messengers' webhook view (``/hooks/<kind>/<key>/``): parses nothing itself, see
``inbox.connectors.webhooks``.

The view is async and hands the delivery to a few long-lived threads of this process
(``HOOK_THREADS``), each keeping its database connection; the text messages they
resolved are stored by the process's batching writer (``inbox.writer``, as the widget's
socket messages are), many deliveries in one statement. A sync view would run each
request in a thread of its own under ASGI, so each delivery would open a connection of
its own (its authentication costs more than storing the message), or leave one behind
for the collector: at hundreds of deliveries a second either one sinks the server."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from contactcenter.lanes import ConnectionCheck
from inbox.connectors.base import HookRequest
from inbox.connectors.webhooks import HookAnswer, webhook_handle
from inbox.services.batching import Incoming
from inbox.services.validators import MessageRejected
from inbox.writer import writer_for_loop

logger = logging.getLogger(__name__)

HOOK_THREADS = 4
_pool = ThreadPoolExecutor(max_workers=HOOK_THREADS, thread_name_prefix="hooks")
_local = threading.local()


def _handle(
    kind: str, key: str, method: str, request: HookRequest
) -> tuple[HookAnswer, list[Incoming]]:
    check = getattr(_local, "check", None)
    if check is None:
        check = _local.check = ConnectionCheck()
    check()  # a connection the database dropped is replaced, at most once a second
    writes: list[Incoming] = []
    try:
        answer = webhook_handle(kind=kind, key=key, method=method, request=request, writes=writes)
    except Exception:
        check.failed()
        raise
    return answer, writes


async def hook_answer(*, kind: str, key: str, method: str, request: HookRequest) -> HookAnswer:
    """The webhook's work, from an event loop: the delivery is handled in the hook
    threads, then its text messages are stored by the loop's writer."""
    loop = asyncio.get_running_loop()
    answer, writes = await loop.run_in_executor(_pool, _handle, kind, key, method, request)
    for item in writes:
        # stored with whatever else this process receives meanwhile, in one statement,
        # and pushed to the operators; a repeat of the same update stores nothing
        try:
            # in a context of its own: the writer's task must not inherit this request's
            # (Django's per-request thread context ends with the request)
            await loop.create_task(writer_for_loop().submit(item), context=contextvars.Context())
        except MessageRejected as refused:
            logger.warning("message to channel %s not stored: %s", key[:8], refused.code)
    return answer


@csrf_exempt
@require_http_methods(["GET", "POST"])
async def webhook(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    """The webhook through Django (the test client, WSGI); under ASGI ``hooks_asgi``
    answers first, without Django's middleware."""
    hook = HookRequest(body=request.body, headers=request.headers, query=request.GET.dict())
    answer = await hook_answer(kind=kind, key=key, method=request.method or "POST", request=hook)
    return HttpResponse(answer.body, status=answer.status, content_type="text/plain")
