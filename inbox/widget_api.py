"""The widget's HTTP API, called from customers' websites (CORS is open for these URLs;
each channel's allowed origins are checked here): the channel's settings for the widget,
new visitors, and files visitors attach.

    GET  /widget/api/<key>/config/
    POST /widget/api/<key>/visitors/  {"name", "email", "phone", "page_url", "language",
         "page_title", "referrer", "time_zone", "utc_offset_min"} -> 201 {"visitor_token"}
    POST /widget/api/<key>/attachments/  multipart "file", "client_id"?, "text"?
         with "Authorization: Visitor <token>"
         -> 201 {"client_id", "id"} (200 for a repeat client_id), 400, 401, 403, 404,
            413, 429
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from contactcenter import inputs
from inbox import selectors, services
from inbox.models import Channel
from inbox.services import attachments as attachment_files
from inbox.services import visitors

MAX_BODY = 16 * 1024
# Uploads one visitor may make a minute: enough for a person, not for a script filling
# the disk.
UPLOADS_PER_MINUTE = 20
REJECTED_FIELDS = {
    "empty": "text",
    "too_long": "text",
    "bad_text": "text",
    "bad_client_id": "client_id",
}
FIELD_LIMITS = {"name": 200, "email": 254, "phone": 32, "page_url": 1000, "language": 16}
# the rest of the visitor's context, cleaned like the socket's ``context`` event
CONTEXT_FIELDS = ("page_title", "referrer", "time_zone", "utc_offset_min")
DEFAULT_COLOR = "#2563eb"


def _channel(request: HttpRequest, key: str) -> Channel | JsonResponse:
    try:
        return selectors.widget_channel_get(key=key, origin=request.headers.get("Origin"))
    except (selectors.ChannelUnknown, selectors.OriginRefused) as refused:
        return _refused(refused)


def _refused(error: LookupError | PermissionError) -> JsonResponse:
    if isinstance(error, selectors.OriginRefused):
        return JsonResponse(
            {"detail": _("This website may not embed this chat; add it to allowed origins.")},
            status=403,
        )
    if isinstance(error, selectors.VisitorUnknown):
        response = JsonResponse(
            {"detail": _("Send the visitor token: Authorization: Visitor <token>.")}, status=401
        )
        response["WWW-Authenticate"] = "Visitor"
        return response
    return JsonResponse({"detail": _("No chat is set up at this address.")}, status=404)


@require_GET
def widget_config(request: HttpRequest, key: str) -> JsonResponse:
    channel = _channel(request, key)
    if isinstance(channel, JsonResponse):
        return channel
    public = channel.public_config()
    prechat = public.get("prechat")
    if not isinstance(prechat, dict):
        prechat = {}
    config = selectors.widget_config_complete(
        channel=channel,
        config={
            "name": str(public.get("title") or channel.name),
            "color": str(public.get("color") or DEFAULT_COLOR),
            "greeting": str(public.get("greeting") or ""),
            "language": str(public.get("language") or "auto"),
            "position": "left" if public.get("position") == "left" else "right",
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
            # whether an operator can take a chat now; routing fills it in (without a
            # routing group nobody can)
            "available": False,
            "offline_message": "",
        },
    )
    return JsonResponse(config)


def _visitor_fields(body: Any) -> dict[str, Any]:
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
        if inputs.text_problem(value):
            errors[name] = [str(inputs.MESSAGES["bad_text"])]
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
    context = {k: body[k] for k in CONTEXT_FIELDS if k in body}
    cleaned, context_errors = visitors.visitor_context_clean(context)
    errors.update(context_errors)
    if errors:
        raise ValidationError(errors)
    return {**fields, **cleaned}


@csrf_exempt  # called cross-site by the widget; the visitor token is its credential
@require_POST
def widget_visitors(request: HttpRequest, key: str) -> JsonResponse:
    channel = _channel(request, key)
    if isinstance(channel, JsonResponse):
        return channel
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": _("The request is too large.")}, status=413)
    try:
        fields = _visitor_fields(inputs.json_parse(request.body or b"{}"))
    except inputs.InputRefused as refused:
        return JsonResponse(refused.field_errors(), status=400)
    except ValidationError as invalid:
        return JsonResponse(invalid.message_dict, status=400)
    visitor, token = services.widget_visitor_create(
        channel=channel,
        user_agent=visitors.user_agent_clean(request.headers.get("User-Agent")),
        **fields,
    )
    # the pre-chat form's e-mail and phone link the visitor by the admin's identity policy
    services.dialog_contact_verified_link(
        dialog_id=visitor.dialog_id, email=fields.get("email", ""), phone=fields.get("phone", "")
    )
    return JsonResponse({"visitor_token": token}, status=201)


def _visitor_token(request: HttpRequest) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "visitor" else ""


def _minute() -> int:
    return int(time.time() // 60)


def _upload_allowed(visitor_key: str) -> bool:
    key = f"widget-uploads:{visitor_key[:32]}:{_minute()}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key) <= UPLOADS_PER_MINUTE
    except ValueError:  # expired between add and incr
        return True


def _too_large(detail: str | None = None) -> JsonResponse:
    detail = detail or _("The file is larger than allowed.")
    return JsonResponse({"code": "too_large", "detail": detail, "file": [detail]}, status=413)


@csrf_exempt  # called cross-site by the widget; the visitor token is its credential
@require_POST
def widget_attachments(request: HttpRequest, key: str) -> JsonResponse:
    try:
        visitor = selectors.widget_visitor_authenticate(
            key=key, token=_visitor_token(request), origin=request.headers.get("Origin")
        )
    except (selectors.ChannelUnknown, selectors.OriginRefused, selectors.VisitorUnknown) as no:
        return _refused(no)
    if not _upload_allowed(visitor.token_hash):
        detail = _("Too many files at once; wait a minute.")
        return JsonResponse({"code": "rate_limited", "detail": detail}, status=429)
    # refused before the body is read: a declared length beyond the limit cannot fit
    if not attachment_files.upload_may_fit(request.META.get("CONTENT_LENGTH")):
        return _too_large()
    try:
        upload = request.FILES.get("file")
        text, client_id = request.POST.get("text", ""), request.POST.get("client_id")
    except RequestDataTooBig:
        return _too_large()
    except (MultiPartParserError, SuspiciousOperation):
        detail = _("Send the file as multipart/form-data in the field file.")
        return JsonResponse({"code": "bad_request", "detail": detail}, status=400)
    try:
        stored = services.contact_attachment_receive(
            dialog_id=visitor.dialog_id, upload=upload, text=text, client_id=client_id
        )
    except services.MessageRejected as refused:
        if refused.code == "too_large":
            return _too_large(refused.detail)
        field = REJECTED_FIELDS.get(refused.code, "file")
        return JsonResponse(
            {"code": refused.code, "detail": refused.detail, field: [refused.detail]}, status=400
        )
    message = stored.message
    return JsonResponse(
        {"client_id": message.client_id, "id": message.pk}, status=201 if stored.created else 200
    )
