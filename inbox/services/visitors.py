"""Writes of a widget visitor's context: the page they are on, where they came from,
their browser, language and time zone. The widget sends it when the visitor is created
and again over its socket whenever the page changes; operators see it in the contact
card (``payloads.visitor_context``), pushed live as ``visitor.updated``.

Everything here comes from the visitor's browser and so from anyone: values are bounded,
addresses other than http(s) are dropped, and a value of the wrong type is refused.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import realtime
from inbox import payloads
from inbox.models import Session, SessionStatus, WidgetVisitor
from inbox.services.validators import MessageRejected

MAX_URL = 1000
MAX_TITLE = 300
MAX_USER_AGENT = 500
MAX_OFFSET_MIN = 14 * 60
TEXT_FIELDS = ("page_url", "page_title", "referrer", "language", "time_zone")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,3}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _url(value: str) -> str:
    if len(value) > MAX_URL:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value


def _clean_value(name: str, value: str) -> str:
    value = CONTROL.sub(" ", value).strip()
    if name in ("page_url", "referrer"):
        return _url(value) if value else ""
    if name == "page_title":
        return " ".join(value.split())[:MAX_TITLE]
    if name == "language":
        return value if len(value) <= 16 and LANGUAGE_TAG.fullmatch(value) else ""
    return value if value in _time_zones() else ""  # time_zone


def visitor_context_clean(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The context fields present in ``raw``, cleaned, and the errors of those of a wrong
    type. A value that is text but unusable (a javascript: address, an unknown time zone)
    becomes empty rather than an error: the chat must go on whatever the page is."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        if name not in raw:
            continue
        value = raw[name]
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > 10 * MAX_URL:
            errors[name] = [_("A text, up to %(n)d characters.") % {"n": MAX_URL}]
            continue
        cleaned[name] = _clean_value(name, value)
    if "utc_offset_min" in raw:
        offset = raw["utc_offset_min"]
        if offset is not None and (
            isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > MAX_OFFSET_MIN
        ):
            errors["utc_offset_min"] = [_("Minutes ahead of UTC, from -840 to 840 (or null).")]
        else:
            cleaned["utc_offset_min"] = offset
    return cleaned, errors


def user_agent_clean(value: str | None) -> str:
    return " ".join(CONTROL.sub(" ", value or "").split())[:MAX_USER_AGENT]


@transaction.atomic
def widget_visitor_context_update(
    *, visitor_id: int, context: Any, user_agent: str | None = None
) -> WidgetVisitor:
    """Stores what changed of the visitor's context and tells the staff of the open
    session. ``MessageRejected`` (code ``bad_context``) for a value of the wrong type."""
    if not isinstance(context, dict):
        raise MessageRejected("bad_context", _("Send the context as a JSON object."))
    cleaned, errors = visitor_context_clean(context)
    if errors:
        detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        raise MessageRejected("bad_context", detail)
    if user_agent is not None:
        cleaned["user_agent"] = user_agent_clean(user_agent)
    visitor = WidgetVisitor.objects.select_for_update().get(pk=visitor_id)
    changed = [name for name, value in cleaned.items() if getattr(visitor, name) != value]
    if not changed:
        return visitor
    for name in changed:
        setattr(visitor, name, cleaned[name])
    visitor.context_updated_at = timezone.now()
    visitor.save(update_fields=[*changed, "context_updated_at"])
    _push_to_staff(visitor)
    return visitor


def _push_to_staff(visitor: WidgetVisitor) -> None:
    session = (
        Session.objects.filter(dialog_id=visitor.dialog_id)
        .exclude(status=SessionStatus.CLOSED)
        .values("operator_id", "group_id")
        .first()
    )
    if session is None:
        return
    groups = []
    if session["operator_id"]:
        groups.append(realtime.operator_group(session["operator_id"]))
    if session["group_id"]:
        groups.append(realtime.supervisor_group(session["group_id"]))
    frame = {
        "type": "visitor.updated",
        "dialog": visitor.dialog_id,
        "visitor": payloads.visitor_context(visitor),
    }
    realtime.broadcast_many(groups, frame)
