"""The reports pages: the managers' dashboard (``/reports/``), the live wallboard
(``/reports/wallboard/``) and an operator's own figures (``/reports/mine/``).

Each renders a shell with a JSON bootstrap; its script reads the reports API
(``reports/summary/``, ``reports/breakdown/``, ``reports/live/``) and, for the
wallboard, the operator socket. The API enforces who sees which figures; the pages
only offer what the user may choose."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

from reports import page_selectors, selectors
from routing import selectors as routing_selectors

API_BASE = "/api/v1/"
SOCKET_PATH = "/ws/operator/"
WALLBOARD_POLL_S = 15


def _bootstrap(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "api_base": API_BASE,
        "csrf_token": get_token(request),
        "language": get_language() or "en",
        **extra,
    }


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The managers' dashboard for admins and supervisors; anyone else gets a 403 page
    that says who may see reports."""
    if not selectors.reports_page_allowed(user=request.user):
        return render(request, "reports/dashboard.html", {"forbidden": True}, status=403)
    bootstrap = _bootstrap(request, **page_selectors.report_filters(user=request.user))
    return render(request, "reports/dashboard.html", {"bootstrap": bootstrap})


@login_required
def wallboard_page(request: HttpRequest) -> HttpResponse:
    """The live wallboard of the groups the user supervises (admins: every group)."""
    if not selectors.reports_page_allowed(user=request.user):
        return render(request, "reports/wallboard.html", {"forbidden": True}, status=403)
    bootstrap = _bootstrap(request, socket_path=SOCKET_PATH, poll_every_s=WALLBOARD_POLL_S)
    return render(request, "reports/wallboard.html", {"bootstrap": bootstrap})


@login_required
def mine_page(request: HttpRequest) -> HttpResponse:
    """An operator's own figures for today and this week; others get a 403 page."""
    operator = routing_selectors.operator_get_for_user(user=request.user)
    if operator is None:
        return render(request, "reports/mine.html", {"forbidden": True}, status=403)
    bootstrap = _bootstrap(request, operator=operator.pk, name=operator.name)
    return render(request, "reports/mine.html", {"bootstrap": bootstrap})
