"""Project-level pages: the start page, the health check and the demo website."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from contactcenter.management.demo import demo_channel


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


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
