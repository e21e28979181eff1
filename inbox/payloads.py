"""The shapes of messages and sessions as clients see them: socket frames and the REST
API use these same dicts (the contract's field names, plus a few extensions).

They read related rows through foreign keys only (contact, channel, group, operator,
topic), so callers should ``select_related`` what they pass in bulk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.models import contact_display
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


# the columns ``session_of_row`` needs, for ``QuerySet.values``
SESSION_COLUMNS = (
    "id",
    "dialog_id",
    "dialog__contact_id",
    "dialog__contact__name",
    "dialog__contact__email",
    "dialog__contact__phone",
    "dialog__channel_id",
    "dialog__channel__type",
    "dialog__channel__name",
    "dialog__language",
    "dialog__language_fixed",
    "group_id",
    "group__name",
    "group__sla_target_s",
    "operator_id",
    "status",
    "close_reason",
    "topic_id",
    "topic__title",
    "priority",
    "previous_session_id",
    "created_at",
    "queued_at",
    "assigned_at",
    "first_response_at",
    "closed_at",
    "last_contact_message_at",
    "rating",
)


def session_of_row(
    row: dict[str, Any], operator_name: str | None, labels: list[dict[str, Any]]
) -> dict[str, Any]:
    """``session()`` of a row of ``SESSION_COLUMNS`` (no model instances: a burst of
    assignments builds hundreds of these a second), with the operator's name and the
    labels (``label()``, in ``session_labels``' order) given."""
    contact_name, email, phone = (
        row["dialog__contact__name"],
        row["dialog__contact__email"],
        row["dialog__contact__phone"],
    )
    has_group = row["group_id"] is not None
    return {
        "id": row["id"],
        "dialog": row["dialog_id"],
        "contact": row["dialog__contact_id"],
        "channel": row["dialog__channel_id"],
        "group": row["group_id"],
        "operator": row["operator_id"],
        "status": row["status"],
        "close_reason": row["close_reason"],
        "topic": row["topic_id"],
        "priority": row["priority"],
        "previous_session": row["previous_session_id"],
        "created_at": iso(row["created_at"]),
        "queued_at": iso(row["queued_at"]),
        "assigned_at": iso(row["assigned_at"]),
        "first_response_at": iso(row["first_response_at"]),
        "closed_at": iso(row["closed_at"]),
        "last_contact_message_at": iso(row["last_contact_message_at"]),
        "contact_name": contact_display(row["dialog__contact_id"], contact_name, email, phone),
        "contact_anonymous": not (contact_name or email or phone),
        "channel_type": row["dialog__channel__type"],
        "channel_name": row["dialog__channel__name"],
        "group_name": row["group__name"] if has_group else None,
        "operator_name": operator_name if row["operator_id"] is not None else None,
        "topic_title": row["topic__title"] if row["topic_id"] is not None else None,
        "sla_target_s": row["group__sla_target_s"] if has_group else None,
        "rating": row["rating"],
        "labels": labels,
        "language": row["dialog__language"] or None,
        "language_fixed": row["dialog__language_fixed"],
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
