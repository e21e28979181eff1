"""Project-level pages: the start page, the health check and the demo website."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db import DatabaseError, InterfaceError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from contactcenter import health, navigation
from contactcenter.management.demo import demo_channel
from inbox.views import inbox_page

DATABASE_ERRORS = (DatabaseError, InterfaceError)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person lands on their work: one area of work opens directly (an operator the
    inbox, a CRM manager the leads); several get tiles for exactly what they may open."""
    target = navigation.start_url(request.user)
    if target is not None:
        return redirect(target)
    works = navigation.works_of(request.user)
    return render(request, "home.html", {"works": works})


@login_required
def inbox_entry(request: HttpRequest) -> HttpResponse:
    """``/inbox/``: the inbox for anyone with an operator record; anyone else (a CRM
    manager, an admin without a record) gets a page that says what the inbox is and how
    to get into it, with links to their own work, and no operator socket is opened."""
    if navigation.user_roles(request.user).operator:
        return inbox_page(request)
    context = {
        "works": [w for w in navigation.works_of(request.user) if w.key not in ("inbox", "live")],
        "is_admin": navigation.user_roles(request.user).admin,
    }
    return render(request, "inbox_not_operator.html", context, status=403)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, and what this process depends on, for load balancers and the run
    command: 200 ``{"status": "ok"}``; 503 ``{"status": "unavailable", "database": "down",
    ...}`` when the database cannot be reached (the process cannot serve anything). Redis
    down is reported (``"redis": "down"``, status ``degraded``) with a 200: messages are
    still stored and acknowledged, and clients catch up once it is back, so taking every
    web process out of the balancer would only make it worse."""
    checks = {"database": _database_up(), "redis": health.redis_up()}
    body: dict[str, str] = {
        name: "ok" if up else "down" for name, up in checks.items() if up is not None
    }
    if not checks["database"]:
        return JsonResponse({"status": "unavailable", **body}, status=503)
    if checks["redis"] is False:
        return JsonResponse({"status": "degraded", **body})
    return JsonResponse({"status": "ok", **body})


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DATABASE_ERRORS:
        connection.close_if_unusable_or_obsolete()
        return False


def demo(request: HttpRequest) -> HttpResponse:
    """A stand-in for a customer's website, showing how it embeds the chat widget."""
    with_bot = request.GET.get("bot") == "1"
    channel = demo_channel(bot=with_bot) if with_bot else demo_channel()
    context: dict[str, object] = {
        "channel": channel,
        "with_bot": with_bot,
        "bot_channel": demo_channel(bot=True) is not None,
    }
    if channel is not None:
        script_url = f"{settings.STATIC_URL}widget/widget.js"
        context.update(
            snippet=f'<script src="{script_url}" data-channel="{channel.key}" async></script>',
            script_url=script_url,
            absolute_script_url=request.build_absolute_uri(script_url),
            topics=channel.topics.select_related("group"),
            widget_ready=bool(finders.find("widget/widget.js")),
        )
    return render(request, "demo/widget.html", context)
