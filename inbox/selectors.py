"""Reads of the inbox app: visitors by their token, what a widget is told on connect,
and dialog history for ``sync``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from contactcenter import realtime, roles
from crm import selectors as crm_selectors
from crm.models import Contact
from inbox import canned, payloads
from inbox.models import (
    Attachment,
    CannedResponse,
    Channel,
    Dialog,
    Label,
    Message,
    SenderType,
    Session,
    SessionLabel,
    SessionStatus,
    WidgetVisitor,
)

SYNC_PAGE = 500


def token_hash(token: str) -> str:
    """How a widget visitor's token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


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
    return widget_welcome_frames(dialog_id=dialog_id)[0]


def widget_welcome_frames(*, dialog_id: int) -> list[dict[str, Any]]:
    """The ``welcome`` frame, then what higher apps add about the open session (routing:
    a waiting customer's place in the queue and expected wait, so a page reloaded while
    waiting shows them at once)."""
    session = open_session(dialog_id=dialog_id)
    operator = session.operator if session is not None else None
    frames = [
        {
            "type": "welcome",
            "dialog": dialog_id,
            "session": {"id": session.pk, "status": session.status} if session else None,
            "operator": {"name": operator.name} if operator is not None else None,
        }
    ]
    if session is not None:
        for extension in _widget_welcome_extensions:
            frames.extend(extension(session))
    return frames


WidgetWelcomeExtension = Callable[[Session], list[dict[str, Any]]]
_widget_welcome_extensions: list[WidgetWelcomeExtension] = []


def widget_welcome_extend(extension: WidgetWelcomeExtension) -> None:
    """Registers frames a widget gets after ``welcome`` for its open session (from a
    higher app's ``AppConfig.ready()``)."""
    if extension not in _widget_welcome_extensions:
        _widget_welcome_extensions.append(extension)


# Higher apps add to what the widget is told about its channel (routing: whether the
# channel's group is open now), registered from their AppConfig.ready().
WidgetConfigExtension = Callable[[Channel, dict[str, Any]], None]
_widget_config_extensions: list[WidgetConfigExtension] = []


def widget_config_extend(extension: WidgetConfigExtension) -> None:
    if extension not in _widget_config_extensions:
        _widget_config_extensions.append(extension)


def widget_config_complete(*, channel: Channel, config: dict[str, Any]) -> dict[str, Any]:
    for extension in _widget_config_extensions:
        extension(channel, config)
    return config


def widget_topics(*, channel: Channel) -> list[dict[str, Any]]:
    """The topics the channel offers (``routing.Topic``, read by its reverse relation)."""
    return [dict(row) for row in channel.topics.order_by("position", "id").values("id", "title")]


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


def message_by_client_id(*, dialog_id: int, client_id: str | None) -> Message | None:
    """The dialog's message its sender gave ``client_id`` (a repeat answers with it)."""
    if client_id is None:
        return None
    return Message.objects.filter(dialog_id=dialog_id, client_id=client_id).first()


def open_session_id(*, dialog_id: int) -> int | None:
    return (
        Session.objects.filter(dialog_id=dialog_id)
        .exclude(status=SessionStatus.CLOSED)
        .values_list("id", flat=True)
        .first()
    )


def attachment_by_path(*, path: str) -> Attachment | None:
    """The attachment stored at ``path`` (relative to the storage), if any."""
    return Attachment.objects.filter(file=path).first()


def attachment_limits() -> dict[str, Any]:
    return {
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "types": list(settings.ATTACHMENT_TYPES),
    }


# --- sessions and messages for staff ------------------------------------------------------


def session_visible_q(*, user: Any) -> Q:
    """Sessions of the groups the user belongs to or supervises, and their own."""
    return (
        Q(group__memberships__operator__user=user)
        | Q(group__supervisors__user=user)
        | Q(operator__user=user)
    )


def session_list(*, user: Any) -> QuerySet[Session]:
    """Sessions the user may see (admins: all), with what the inbox lists show."""
    sessions = session_with_details()
    if not roles.is_admin(user):
        visible = Session.objects.filter(session_visible_q(user=user)).values("pk")
        sessions = sessions.filter(pk__in=visible)
    return sessions


def session_with_details() -> QuerySet[Session]:
    """Every session, with its related rows, unread count and last message."""
    sessions = Session.objects.all()
    last = Message.objects.filter(session=OuterRef("pk"), internal=False).order_by("-id")
    return (
        sessions.select_related(
            "dialog__contact", "dialog__channel", "group", "operator__user", "topic"
        )
        .prefetch_related("labels")
        .annotate(
            unread_count=Count(
                "messages",
                filter=Q(
                    messages__sender_type=SenderType.CONTACT,
                    messages__id__gt=F("operator_read_message_id"),
                ),
            ),
            last_message_id=Subquery(last.values("id")[:1]),
            last_message_text=Subquery(last.values("text")[:1]),
            last_message_sender_type=Subquery(last.values("sender_type")[:1]),
            last_message_at=Subquery(last.values("created_at")[:1]),
        )
    )


def session_for_staff(*, user: Any, session_id: int) -> Session | None:
    return session_list(user=user).filter(pk=session_id).first()


def dialog_visible(*, user: Any, dialog_id: int) -> bool:
    if roles.is_admin(user):
        return Dialog.objects.filter(pk=dialog_id).exists()
    return Session.objects.filter(session_visible_q(user=user), dialog_id=dialog_id).exists()


def dialog_messages(*, dialog_id: int, after_id: int = 0) -> QuerySet[Message]:
    """The whole history of a dialog, every session, oldest first (staff see notes)."""
    return (
        Message.objects.filter(dialog_id=dialog_id, id__gt=after_id)
        .prefetch_related("attachments")
        .order_by("id")
    )


def canned_response_list(*, user: Any, search: str = "") -> QuerySet[CannedResponse]:
    """Canned responses for everyone and for the groups the user belongs to."""
    responses = CannedResponse.objects.all()
    if not roles.is_admin(user):
        responses = responses.filter(
            Q(group__isnull=True)
            | Q(group__memberships__operator__user=user)
            | Q(group__supervisors__user=user)
        ).distinct()
    if search:
        responses = responses.filter(Q(shortcut__istartswith=search) | Q(title__icontains=search))
    return responses.order_by("shortcut", "id")


def canned_response_for(*, response: CannedResponse, session: Session | None) -> dict[str, Any]:
    """A canned response as the composer inserts it: filled in for ``session`` (when
    given), with the placeholders left unfilled and why."""
    rendered = (
        canned.render(text=response.text, session=session)
        if session is not None
        else canned.unrendered(text=response.text)
    )
    return {
        "id": response.pk,
        "shortcut": response.shortcut,
        "title": response.title,
        "text": rendered.text,
        "raw_text": response.text,
        "unfilled": [{"placeholder": u.placeholder, "reason": u.reason} for u in rendered.unfilled],
        "group": response.group_id,
    }


def dialog_visitor(*, dialog_id: int) -> WidgetVisitor | None:
    """The widget visitor of a website-chat dialog (None for other channels)."""
    return WidgetVisitor.objects.filter(dialog_id=dialog_id).first()


# --- labels and search --------------------------------------------------------------------


def label_list() -> QuerySet[Label]:
    """Every label, by name: all staff may put any label on a chat they see."""
    return Label.objects.order_by("name", "id")


SEARCH_MIN = 2
SEARCH_MAX = 100
SEARCH_LIMIT = 20


def search_query_clean(query: Any) -> str:
    """The text to look for: 2 to 100 characters once trimmed, else ``ValueError``."""
    text = str(query or "").replace("\x00", "").strip()
    if not SEARCH_MIN <= len(text) <= SEARCH_MAX:
        raise ValueError(f"Search for {SEARCH_MIN} to {SEARCH_MAX} characters.")
    return text


def session_search(*, user: Any, query: str, limit: int = SEARCH_LIMIT) -> list[Session]:
    """Conversations the user may see whose messages (notes included: only staff search)
    or contact (name, e-mail, phone) contain ``query``, case-insensitively: per dialog its
    latest session the user may see, newest first.

    Messages are looked for only in the dialogs the user may see (an index probe per
    dialog, ``message_dialog_idx``), so an operator's search reads their own
    conversations, not the whole table; admins' reads every message."""
    visible = _sessions_visible(user=user)
    messages = Message.objects.filter(text__icontains=query)
    if not roles.is_admin(user):
        messages = messages.filter(dialog_id__in=visible.values("dialog_id"))
    matched = visible.filter(
        Q(dialog_id__in=messages.values("dialog_id"))
        | Q(dialog__contact__name__icontains=query)
        | Q(dialog__contact__email__icontains=query)
        | Q(dialog__contact__phone__icontains=query)
    )
    latest = matched.values("dialog_id").annotate(latest=Max("id")).values("latest")
    return list(session_list(user=user).filter(pk__in=latest).order_by("-id")[:limit])


def _sessions_visible(*, user: Any) -> QuerySet[Session]:
    if roles.is_admin(user):
        return Session.objects.all()
    return Session.objects.filter(
        pk__in=Session.objects.filter(session_visible_q(user=user)).values("pk")
    )


def contact_search(
    *, user: Any, query: str, limit: int = SEARCH_LIMIT
) -> list[tuple[Contact, int | None]]:
    """Contacts the user may see (``crm.selectors.contact_list``) matching ``query``, with
    the id of their latest session the user may see (None: none, e.g. a CRM manager's
    contact who never wrote)."""
    contacts = list(crm_selectors.contact_list(user=user, search=query).order_by("-id")[:limit])
    latest = dict(
        _sessions_visible(user=user)
        .filter(dialog__contact__in=[c.pk for c in contacts])
        .order_by()
        .values("dialog__contact")
        .annotate(latest=Max("id"))
        .values_list("dialog__contact", "latest")
    )
    return [(c, latest.get(c.pk)) for c in contacts]


def session_payloads(
    session_ids: list[int], operator_names: dict[int, str]
) -> dict[int, dict[str, Any]]:
    """The sessions' payloads (``payloads.session``) by id, read as rows in two queries
    and no model instances: what a burst of assignments sends. ``operator_names`` names
    the operators the sessions are expected to have; a session whose operator is not
    among them gets ``operator_name`` None (the caller builds that one the usual way)."""
    rows = Session.objects.filter(pk__in=session_ids).values(*payloads.SESSION_COLUMNS)
    labels: dict[int, list[dict[str, Any]]] = {}
    for row in SessionLabel.objects.filter(session_id__in=session_ids).values_list(
        "session_id", "label_id", "label__name", "label__color"
    ):
        labels.setdefault(row[0], []).append({"id": row[1], "name": row[2], "color": row[3]})
    for found in labels.values():
        found.sort(key=lambda x: (x["name"].lower(), x["id"]))
    return {
        row["id"]: payloads.session_of_row(
            row, operator_names.get(row["operator_id"]), labels.get(row["id"], [])
        )
        for row in rows
    }
