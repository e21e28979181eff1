"""The messengers' webhook view (``/hooks/<kind>/<key>/``): parses nothing itself, see
``inbox.connectors.webhooks``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inbox.connectors.base import HookRequest
from inbox.connectors.webhooks import webhook_handle


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    answer = webhook_handle(
        kind=kind,
        key=key,
        method=request.method or "POST",
        request=HookRequest(body=request.body, headers=request.headers, query=request.GET.dict()),
    )
    return HttpResponse(answer.body, status=answer.status, content_type="text/plain")
