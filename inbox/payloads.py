"""The shapes of messages and sessions as clients see them: socket frames and the REST
API use these same dicts (the contract's field names, plus a few extensions).

They read related rows through foreign keys only (contact, channel, group, operator,
topic), so callers should ``select_related`` what they pass in bulk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox import useragent
from inbox.models import Attachment, Label, Message, Session, WidgetVisitor


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def attachment(item: Attachment) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "url": item.file.url if item.file else None,
        "content_type": item.content_type,
        "size": item.size,
    }


def message(item: Message, *, attachments: list[Attachment] | None = None) -> dict[str, Any]:
    if attachments is None:
        cache = getattr(item, "_prefetched_objects_cache", {})
        attachments = list(cache["attachments"]) if "attachments" in cache else []
    data = {
        "id": item.pk,
        "dialog": item.dialog_id,
        "session": item.session_id,
        "sender_type": item.sender_type,
        "sender_name": item.sender_name,
        "text": item.text,
        "attachments": [attachment(a) for a in attachments],
        "client_id": item.client_id,
        "created_at": iso(item.created_at),
        "internal": item.internal,
        "status": item.status,
        "language": item.language or None,
        "translations": item.translations or {},
        "translation_status": item.translation_status or None,
    }
    if item.buttons:
        data["buttons"] = [button(b) for b in item.buttons]
        data["node"] = item.button_node
    return data


def button(item: dict[str, Any]) -> dict[str, Any]:
    """A bot button as clients see it: ``id`` and ``title`` (as its author wrote it), and
    ``translations`` (language → title) once the message was translated for the contact."""
    data = {"id": item["id"], "title": item["title"]}
    if item.get("translations"):
        data["translations"] = item["translations"]
    return data


def message_translation(item: Message) -> dict[str, Any]:
    """A message's translation fields, as ``message.updated`` carries them (merged into
    the message the client has, like ``message.status``)."""
    return {
        "id": item.pk,
        "dialog": item.dialog_id,
        "session": item.session_id,
        "sender_type": item.sender_type,
        "client_id": item.client_id,
        "language": item.language or None,
        "translations": item.translations or {},
        "translation_status": item.translation_status or None,
        **({"buttons": [button(b) for b in item.buttons]} if item.buttons else {}),
    }


def label(item: Label) -> dict[str, Any]:
    return {"id": item.pk, "name": item.name, "color": item.color}


def session_labels(item: Session) -> list[dict[str, Any]]:
    """The session's labels by name: prefetched (``labels``) when the caller did, else
    read here with one query."""
    cache = getattr(item, "_prefetched_objects_cache", {})
    labels = cache["labels"] if "labels" in cache else item.labels.all()
    return [label(x) for x in sorted(labels, key=lambda x: (x.name.lower(), x.pk))]


def session(item: Session) -> dict[str, Any]:
    dialog = item.dialog
    group = item.group
    operator = item.operator
    return {
        "id": item.pk,
        "dialog": item.dialog_id,
        "contact": dialog.contact_id,
        "channel": dialog.channel_id,
        "group": item.group_id,
        "operator": item.operator_id,
        "status": item.status,
        "close_reason": item.close_reason,
        "topic": item.topic_id,
        "priority": item.priority,
        "previous_session": item.previous_session_id,
        "created_at": iso(item.created_at),
        "queued_at": iso(item.queued_at),
        "assigned_at": iso(item.assigned_at),
        "first_response_at": iso(item.first_response_at),
        "closed_at": iso(item.closed_at),
        "last_contact_message_at": iso(item.last_contact_message_at),
        "contact_name": str(dialog.contact),
        "contact_anonymous": dialog.contact.is_anonymous,
        "channel_type": dialog.channel.type,
        "channel_name": dialog.channel.name,
        "group_name": group.name if group is not None else None,
        "operator_name": operator.name if operator is not None else None,
        "topic_title": item.topic.title if item.topic is not None else None,
        "sla_target_s": group.sla_target_s if group is not None else None,
        "rating": item.rating,
        "labels": session_labels(item) if item.pk is not None else [],
        "language": dialog.language or None,
        "language_fixed": dialog.language_fixed,
    }


def visitor_context(item: WidgetVisitor) -> dict[str, Any]:
    """What the widget told about its visitor, as the contact card shows it."""
    return {
        "dialog": item.dialog_id,
        "page_url": item.page_url,
        "page_title": item.page_title,
        "referrer": item.referrer,
        "browser": useragent.browser_label(item.user_agent),
        "user_agent": item.user_agent,
        "language": item.language,
        "time_zone": item.time_zone,
        "utc_offset_min": item.utc_offset_min,
        "created_at": iso(item.created_at),
        "last_seen_at": iso(item.last_seen_at),
        "updated_at": iso(item.context_updated_at or item.created_at),
    }
