"""Pages of the routing app: the supervisor routing board.

The page renders only a shell; its JavaScript reads ``GET /api/v1/board/``, changes
operators through ``PATCH /api/v1/operators/{id}/`` and listens on the operator socket,
so the rules stay in the API and its selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

from routing import board_selectors, selectors

API_BASE = "/api/v1/"
SOCKET_PATH = "/ws/operator/"
POLL_EVERY_S = 10


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """The live routing board for admins and group supervisors; anyone else gets a 403
    page that says who may see it."""
    if not board_selectors.board_user_may_see(user=request.user):
        return render(request, "routing/board.html", {"forbidden": True}, status=403)
    operator = selectors.operator_get_for_user(user=request.user)
    bootstrap = {
        "username": request.user.get_username(),
        "api_base": API_BASE,
        "board_path": "board/",
        # admins without an operator record open it as read-only watchers
        "socket_path": SOCKET_PATH,
        "operator_id": operator.pk if operator is not None else None,
        "poll_every_s": POLL_EVERY_S,
        "csrf_token": get_token(request),
        "language": get_language() or "en",
    }
    return render(request, "routing/board.html", {"bootstrap": bootstrap})
