"""Reads of the inbox app: visitors by their token, what a widget is told on connect,
and dialog history for ``sync``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from contactcenter import realtime
from inbox import payloads
from inbox.models import Channel, Message, Session, SessionStatus, WidgetVisitor
from inbox.services.conversations import token_hash

SYNC_PAGE = 500


class ChannelUnknown(LookupError):
    """No active widget channel has this key (socket close code 4404)."""


class VisitorUnknown(LookupError):
    """The visitor token is missing or unknown (socket close code 4401)."""


class OriginRefused(PermissionError):
    """The page's origin is not among the channel's allowed origins (close code 4403)."""


def widget_channel_get(*, key: str, origin: str | None) -> Channel:
    channel = Channel.objects.filter(key=key, type="widget", is_active=True).first()
    if channel is None:
        raise ChannelUnknown(key)
    if not origin_allowed(channel=channel, origin=origin):
        raise OriginRefused(origin)
    return channel


def origin_allowed(*, channel: Channel, origin: str | None) -> bool:
    """Any origin when the channel lists none; else the page's ``Origin`` must be listed.
    The product's own pages (demo, tests on the same host) are always allowed."""
    allowed = channel.allowed_origins or []
    if not allowed:
        return True
    if not origin:
        return False
    origin = origin.rstrip("/").lower()
    return origin in allowed or origin in _own_origins()


def _own_origins() -> set[str]:
    return {o.rstrip("/").lower() for o in settings.CSRF_TRUSTED_ORIGINS}


def widget_visitor_authenticate(*, key: str, token: str, origin: str | None) -> WidgetVisitor:
    channel = widget_channel_get(key=key, origin=origin)
    if not token or len(token) > 200:
        raise VisitorUnknown()
    visitor = (
        WidgetVisitor.objects.select_related("channel", "dialog", "dialog__contact")
        .filter(channel=channel, token_hash=token_hash(token))
        .first()
    )
    if visitor is None:
        raise VisitorUnknown()
    WidgetVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    return visitor


def open_session(*, dialog_id: int) -> Session | None:
    return (
        Session.objects.select_related(
            "dialog__contact", "dialog__channel", "group", "operator__user", "topic"
        )
        .filter(dialog_id=dialog_id)
        .exclude(status=SessionStatus.CLOSED)
        .first()
    )


def widget_welcome(*, dialog_id: int) -> dict[str, Any]:
    """The first frame a widget socket gets: where the conversation stands."""
    session = open_session(dialog_id=dialog_id)
    operator = session.operator if session is not None else None
    return {
        "type": "welcome",
        "dialog": dialog_id,
        "session": {"id": session.pk, "status": session.status} if session else None,
        "operator": {"name": operator.name} if operator is not None else None,
    }


def widget_topics(*, channel: Channel) -> list[dict[str, Any]]:
    """The topics the channel offers (``routing.Topic``, read by its reverse relation)."""
    return list(channel.topics.order_by("position", "id").values("id", "title"))


def dialog_messages_after(
    *, dialog_id: int, after_id: int, for_contact: bool, limit: int = SYNC_PAGE
) -> list[dict[str, Any]]:
    """Messages of the dialog with an id above ``after_id``, oldest first. The contact
    never sees internal notes."""
    messages = (
        Message.objects.filter(dialog_id=dialog_id, id__gt=after_id)
        .prefetch_related("attachments")
        .order_by("id")
    )
    if for_contact:
        messages = messages.filter(internal=False)
    return [payloads.message(m) for m in messages[:limit]]


def dialog_staff_groups(*, dialog_id: int) -> list[str]:
    """The channel-layer groups of the staff watching the dialog's open session."""
    session = (
        Session.objects.filter(dialog_id=dialog_id)
        .exclude(status=SessionStatus.CLOSED)
        .values("id", "operator_id", "group_id")
        .first()
    )
    if session is None:
        return []
    groups = []
    if session["operator_id"]:
        groups.append(realtime.operator_group(session["operator_id"]))
    if session["group_id"]:
        groups.append(realtime.supervisor_group(session["group_id"]))
    return groups


def open_session_id(*, dialog_id: int) -> int | None:
    return (
        Session.objects.filter(dialog_id=dialog_id)
        .exclude(status=SessionStatus.CLOSED)
        .values_list("id", flat=True)
        .first()
    )


def attachment_limits() -> dict[str, Any]:
    return {
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "types": list(settings.ATTACHMENT_TYPES),
    }
