"""A request that meets a lost database connection (a restart, a killed backend) is not
a 500: a safe request (GET, HEAD, OPTIONS) runs once more on a new connection, and if
the database is still away, or the request was a write, the answer is 503 with
``Retry-After`` and a body that says so. Writes are not replayed: the client resends
them (messages carry a ``client_id``, so a resend is stored once)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_S = 5


# marks a request already tried again once after a lost database connection
RETRIED = "contactcenter.database_retried"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if not connection.in_atomic_block:
            connection.close()  # the next query opens a new one
        if request.method in SAFE_METHODS and not request.META.get(RETRIED):
            logger.warning(
                "%s %s met a lost database connection; retrying", request.method, request.path
            )
            request.META[RETRIED] = True
            return self.get_response(request)
        logger.warning("%s %s: the database is unavailable", request.method, request.path)
        detail = _("The database is unavailable for a moment; try again shortly.")
        response = JsonResponse({"detail": detail, "database": "down"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
