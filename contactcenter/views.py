"""Project-level pages: the start page, the health check and the demo website."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from contactcenter import navigation
from contactcenter.management.demo import demo_channel
from inbox.views import inbox_page


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
    """Liveness and database reachability, for load balancers and the run command."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def demo(request: HttpRequest) -> HttpResponse:
    """A stand-in for a customer's website, showing how it embeds the chat widget."""
    channel = demo_channel()
    context: dict[str, object] = {"channel": channel}
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
