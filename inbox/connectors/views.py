"""The messengers' webhook view (``/hooks/<kind>/<key>/``): parses nothing itself, see
``inbox.connectors.webhooks``.

The view is async and hands the delivery to a few long-lived threads of this process
(``HOOK_THREADS``), each keeping its database connection. A sync view would run each
request in a thread of its own under ASGI, so each delivery would open a connection of
its own (its authentication costs more than storing the message), or leave one behind
for the collector: at hundreds of deliveries a second either one sinks the server."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inbox.connectors.base import HookRequest
from inbox.connectors.webhooks import HookAnswer, webhook_handle
from inbox.writer import ConnectionCheck

HOOK_THREADS = 4
_pool = ThreadPoolExecutor(max_workers=HOOK_THREADS, thread_name_prefix="hooks")
_local = threading.local()


def _handle(kind: str, key: str, method: str, request: HookRequest) -> HookAnswer:
    check = getattr(_local, "check", None)
    if check is None:
        check = _local.check = ConnectionCheck()
    check()  # a connection the database dropped is replaced, at most once a second
    try:
        return webhook_handle(kind=kind, key=key, method=method, request=request)
    except Exception:
        check.failed()
        raise


@csrf_exempt
@require_http_methods(["GET", "POST"])
async def webhook(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    hook = HookRequest(body=request.body, headers=request.headers, query=request.GET.dict())
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(_pool, _handle, kind, key, request.method or "POST", hook)
    return HttpResponse(answer.body, status=answer.status, content_type="text/plain")
