"""The widget's HTTP API, called from customers' websites (CORS is open for these URLs;
each channel's allowed origins are checked here): the channel's settings for the widget,
and new visitors.

    GET  /widget/api/<key>/config/
    POST /widget/api/<key>/visitors/  {"name", "email", "phone", "page_url"}
         -> 201 {"visitor_token"}
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from inbox import selectors, services
from inbox.models import Channel

MAX_BODY = 16 * 1024
FIELD_LIMITS = {"name": 200, "email": 254, "phone": 32, "page_url": 1000}
DEFAULT_COLOR = "#2563eb"


def _channel(request: HttpRequest, key: str) -> Channel | JsonResponse:
    try:
        return selectors.widget_channel_get(key=key, origin=request.headers.get("Origin"))
    except selectors.ChannelUnknown:
        return JsonResponse({"detail": _("No chat is set up at this address.")}, status=404)
    except selectors.OriginRefused:
        return JsonResponse(
            {"detail": _("This website may not embed this chat; add it to allowed origins.")},
            status=403,
        )


@require_GET
def widget_config(request: HttpRequest, key: str) -> JsonResponse:
    channel = _channel(request, key)
    if isinstance(channel, JsonResponse):
        return channel
    config = channel.public_config()
    prechat = config.get("prechat") if isinstance(config.get("prechat"), dict) else {}
    return JsonResponse(
        {
            "name": str(config.get("title") or channel.name),
            "color": str(config.get("color") or DEFAULT_COLOR),
            "greeting": str(config.get("greeting") or ""),
            "language": str(config.get("language") or "auto"),
            "prechat": {
                "enabled": bool(prechat.get("enabled")),
                "fields": [
                    {"name": f.get("name"), "required": bool(f.get("required"))}
                    for f in prechat.get("fields", [])
                    if isinstance(f, dict) and f.get("name") in ("name", "email", "phone")
                ],
            },
            "topics": selectors.widget_topics(channel=channel),
            "invitations": [
                {
                    "id": i.pk,
                    "message": i.message,
                    "delay_s": i.delay_s,
                    "url_pattern": i.url_pattern,
                    "first_visit_only": i.first_visit_only,
                }
                for i in channel.invitations.filter(is_active=True)
            ],
            "attachments": selectors.attachment_limits(),
            "offline": False,
        }
    )


def _visitor_fields(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    for name, limit in FIELD_LIMITS.items():
        value = body.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > limit:
            errors[name] = [_("Up to %(n)d characters of text.") % {"n": limit}]
            continue
        fields[name] = value.strip()
    if fields.get("email"):
        try:
            validate_email(fields["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if fields.get("page_url"):
        try:
            URLValidator(schemes=["http", "https"])(fields["page_url"])
        except ValidationError:
            fields["page_url"] = ""
    if errors:
        raise ValidationError(errors)
    return fields


@csrf_exempt  # called cross-site by the widget; the visitor token is its credential
@require_POST
def widget_visitors(request: HttpRequest, key: str) -> JsonResponse:
    channel = _channel(request, key)
    if isinstance(channel, JsonResponse):
        return channel
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": _("The request is too large.")}, status=413)
    try:
        body = json.loads(request.body or b"{}")
        fields = _visitor_fields(body)
    except ValueError:
        return JsonResponse({"non_field_errors": [_("Send a JSON object.")]}, status=400)
    except ValidationError as invalid:
        return JsonResponse(invalid.message_dict, status=400)
    _visitor, token = services.widget_visitor_create(channel=channel, **fields)
    return JsonResponse({"visitor_token": token}, status=201)
