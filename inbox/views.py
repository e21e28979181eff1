"""The operator inbox page. It only renders the shell: the page's JavaScript gets every
piece of operator data from the REST API and the operator socket, so this module needs
nothing from ``routing`` or ``crm``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

API_BASE = "/api/v1/"
SOCKET_PATH = "/ws/operator/"


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    bootstrap = {
        "username": request.user.get_username(),
        "api_base": API_BASE,
        "socket_path": SOCKET_PATH,
        "csrf_token": get_token(request),
        "language": get_language() or "en",
    }
    return render(request, "inbox/inbox.html", {"bootstrap": bootstrap})
