"""Writes of a conversation: widget visitors, incoming and outgoing messages, sessions
opening and closing, ratings.

Every intake point (widget socket, connectors, API) and every operator surface (inbox
socket, API) calls these; nothing else saves a message or a session. A message is
committed before it is acknowledged or pushed: frames leave through
``contactcenter.realtime`` after commit, events through ``contactcenter.events``.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from crm import services as crm_services
from crm.models import ChannelType
from inbox import canned, payloads, selectors
from inbox.models import (
    Attachment,
    Channel,
    CloseReason,
    Dialog,
    Message,
    SenderType,
    Session,
    SessionStatus,
    TranslationStatus,
    WidgetVisitor,
)
from inbox.selectors import token_hash
from inbox.services import attachments as files
from inbox.services import batching, sessions, translation_plans, translations, windows
from inbox.services.batching import Incoming, Stored
from inbox.services.deliveries import outgoing_status
from inbox.services.pushes import message_received_emit, push_to_staff, staff_groups
from inbox.services.validators import (
    MAX_TEXT,
    MessageRejected,
    bot_id_clean,
    buttons_clean,
    caption_clean,
    client_id_clean,
    file_clean,
    text_clean,
)

__all__ = ["MAX_TEXT", "MessageRejected", "Stored", "token_hash"]


# --- visitors ---------------------------------------------------------------------------


@transaction.atomic
def widget_visitor_create(
    *,
    channel: Channel,
    name: str = "",
    email: str = "",
    phone: str = "",
    page_url: str = "",
    language: str = "",
    page_title: str = "",
    referrer: str = "",
    time_zone: str = "",
    utc_offset_min: int | None = None,
    user_agent: str = "",
) -> tuple[WidgetVisitor, str]:
    """A new visitor of a widget channel with its contact and dialog. Returns the visitor
    and its token (256 random bits), which is shown this once and stored hashed. The
    context fields (page, referrer...) come cleaned by ``visitors.visitor_context_clean``."""
    token = secrets.token_urlsafe(32)
    external_id = f"{channel.pk}:{uuid.uuid4().hex}"
    contact = crm_services.contact_create(
        name=name,
        email=email,
        phone=phone,
        identities=[{"channel_type": ChannelType.WIDGET, "external_id": external_id}],
    )
    identity = contact.identities.get()
    dialog = Dialog.objects.create(channel=channel, contact=contact, identity=identity)
    visitor = WidgetVisitor.objects.create(
        channel=channel,
        dialog=dialog,
        token_hash=token_hash(token),
        page_url=page_url,
        language=language[:16],
        page_title=page_title[:300],
        referrer=referrer,
        time_zone=time_zone,
        utc_offset_min=utc_offset_min,
        user_agent=user_agent[:500],
    )
    return visitor, token


# --- incoming ---------------------------------------------------------------------------


def contact_message_receive(
    *, dialog_id: int, text: Any, client_id: Any = None, sender_name: str = ""
) -> Stored:
    """Stores a message from the dialog's contact, opening a session when none is open:
    a batch of one (``batching``). A repeat with a known ``client_id`` stores nothing and
    returns the first one. ``MessageRejected`` for text that may not be stored."""
    item = Incoming(dialog_id=dialog_id, text=text, client_id=client_id, sender_name=sender_name)
    return batching.one(batching.contact_messages_receive([item]))


def _known(dialog_id: int, client_id: str | None) -> Message | None:
    return selectors.message_by_client_id(dialog_id=dialog_id, client_id=client_id)


def _dialog_of(session_id: int) -> int:
    return Session.objects.values_list("dialog_id", flat=True).get(pk=session_id)


# --- outgoing ---------------------------------------------------------------------------


def _refuse_unfilled(text: str) -> None:
    """A canned response's placeholder that was never filled in must not reach the
    customer as "{contact}" (the composer shows it; this is the last guard)."""
    names = canned.unfilled_in(text)
    if names:
        raise MessageRejected(
            "unfilled_placeholder",
            _("Replace or remove %(names)s before sending: it was not filled in.")
            % {"names": ", ".join(f"{{{n}}}" for n in names)},
        )


def operator_message_send(
    *,
    session_id: int,
    user: Any,
    text: Any,
    client_id: Any = None,
    outside_window: bool = False,
    early: translation_plans.Early | None = None,
    early_asked: bool = False,
) -> Stored:
    """Stores an operator's reply in their active session and pushes it to the contact.
    ``StateConflict`` when the session is not theirs or not active (``WindowClosed``
    outside the channel's reply window, unless ``outside_window``: an approved template,
    see ``windows``); ``MessageRejected`` for a canned response's placeholder left
    unfilled. With ``early_asked``, the caller has already called
    ``reply_translation_start`` (its answer is ``early``), e.g. in another thread."""
    text = text_clean(text)
    _refuse_unfilled(text)
    client_id = client_id_clean(client_id)
    if not early_asked:
        # a reply to a visitor reading another language: the provider is asked now,
        # beside the store that follows (the visitor waits for the translation only)
        early = translation_plans.reply_translation_start(
            session_id=session_id, user=user, text=text
        )
    if not outside_window:
        windows.reply_window_require(session_id=session_id)
    return batching.store_once(
        lambda written: _operator_message_store(session_id, user, text, client_id, early=early),
        dialog_id=lambda: _dialog_of(session_id),
        client_id=client_id,
    )


def _operator_message_store(
    session_id: int,
    user: Any,
    text: str,
    client_id: str | None,
    file: files.CleanFile | None = None,
    written: list[str] | None = None,
    *,
    early: translation_plans.Early | None = None,
) -> Stored:
    # The dialog's row first, then the session's: the order in which a customer's message
    # locks them (inbox.services.batching), so that a reply and a customer's message in
    # one dialog queue behind each other instead of deadlocking (which PostgreSQL only
    # breaks after a second, failing one of them).
    dialog_id = Session.objects.filter(pk=session_id).values_list("dialog_id", flat=True).first()
    if dialog_id is not None:
        list(Dialog.objects.select_for_update().filter(pk=dialog_id).values_list("pk"))
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("operator", "operator__user")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise StateConflict(_("This chat is not yours or is already closed."))
    existing = _known(session.dialog_id, client_id)
    if existing is not None:
        return Stored(existing, created=False)
    operator = session.operator
    if session.status != SessionStatus.ACTIVE or operator is None or operator.user_id != user.pk:
        raise StateConflict(_("This chat is not yours or is already closed."))
    plan = translation_plans.reply_plan(dialog_id=session.dialog_id, operator=operator, text=text)
    message = Message.objects.create(
        dialog_id=session.dialog_id,
        session=session,
        sender_type=SenderType.OPERATOR,
        sender_name=operator.name,
        sender_user=user,
        text=text,
        client_id=client_id,
        status=outgoing_status(channel_type=plan.channel_type),
        language=plan.language if plan.target else "",
        translation_status=TranslationStatus.PENDING if plan.target else TranslationStatus.NONE,
    )
    stored_files = files.attachments_store(message=message, file=file, written=written or [])
    _after_reply(session, message, stored_files, plan=plan, early=early)
    return Stored(message, created=True)


def _after_reply(
    session: Session,
    message: Message,
    attachments: list[Attachment] | None = None,
    *,
    plan: translation_plans.ReplyPlan,
    early: translation_plans.Early | None = None,
) -> None:
    frame = payloads.message(message, attachments=attachments)
    staff = staff_groups(session.operator_id, session.group_id, session.status)
    # after commit, the staff get the reply before anything of its translation (which
    # waits for this commit callback's turn: registered after it)
    realtime.broadcast_many(staff, {"type": "message.created", "message": frame})
    # a reply waiting for its translation reaches the widget from a translation thread;
    # its translation starts now, beside the rest of this transaction
    held = translations.reply_after_store(message, plan=plan, frame=frame, staff=staff, early=early)
    Dialog.objects.filter(pk=session.dialog_id).update(last_message_at=message.created_at)
    updates: dict[str, Any] = {"operator_read_message_id": message.pk}
    if session.first_response_at is None:
        updates["first_response_at"] = message.created_at
    Session.objects.filter(pk=session.pk).update(**updates)
    if "first_response_at" in updates:
        events.emit(
            events.FirstReplySent(
                session_id=session.pk, message_id=message.pk, operator_id=session.operator_id
            )
        )
    if not held:
        realtime.broadcast(
            realtime.dialog_group(session.dialog_id), {"type": "message", "message": frame}
        )
    message_received_emit(message)


def operator_note_add(*, session_id: int, user: Any, text: Any, client_id: Any = None) -> Stored:
    """A private note in a session's history, written by staff who may see the session
    (its operator, a member or supervisor of its group, an admin), in any status.

    A note is a message with ``internal=True``: it is pushed to the staff watching the
    session and never to the contact (no widget frame, no connector, no
    ``MessageReceived``: nothing that reacts to messages sees it). It is not a reply: it
    neither sets ``first_response_at`` (the no-answer timeout keeps running) nor moves
    the dialog's ``last_message_at`` (the inactivity timeout too).
    ``StateConflict`` when the session is not visible to ``user``."""
    text = text_clean(text)
    client_id = client_id_clean(client_id)
    return batching.store_once(
        lambda written: _note_store(session_id, user, text, client_id),
        dialog_id=lambda: _dialog_of(session_id),
        client_id=client_id,
    )


def _note_store(session_id: int, user: Any, text: str, client_id: str | None) -> Stored:
    session = selectors.session_for_staff(user=user, session_id=session_id)
    if session is None:
        raise StateConflict(_("This chat is not visible to you."))
    existing = _known(session.dialog_id, client_id)
    if existing is not None:
        return Stored(existing, created=False)
    author = getattr(user, "operator", None)
    name = getattr(author, "name", None) or user.get_full_name() or user.get_username()
    message = Message.objects.create(
        dialog_id=session.dialog_id,
        session=session,
        sender_type=SenderType.OPERATOR,
        sender_name=name,
        sender_user=user,
        text=text,
        client_id=client_id,
        internal=True,
    )
    frame = {"type": "message.created", "message": payloads.message(message, attachments=[])}
    extra = [realtime.operator_group(author.pk)] if author is not None and author.pk else []
    push_to_staff(session, frame, extra=extra)
    return Stored(message, created=True)


def system_message_send(
    *,
    session: Session,
    text: str,
    internal: bool = False,
    buttons: Any = None,
    button_node: str | int | None = None,
) -> Message:
    """A notice from the product itself (offline message, trigger message, the rating
    request...). Internal ones are for operators only; the others reach the contact on
    any channel (a connector sends them, see ``deliveries``). ``buttons`` as for
    ``bot_message_send``."""
    return _outgoing_store(
        session,
        sender_type=SenderType.SYSTEM,
        text=text,
        internal=internal,
        buttons=buttons,
        button_node=button_node,
    )


def bot_message_send(
    *,
    session: Session,
    text: str,
    buttons: Any = None,
    node: str | int | None = None,
    sender_name: str = "",
) -> Message:
    """A bot's message to the contact, optionally with buttons ``[{"id", "title"}]``
    that belong to the bot's step ``node``: the widget shows them, a connector renders
    them as its channel allows, and a press comes back as ``button_press``.
    ``MessageRejected`` for buttons that are not a short list of ids and titles."""
    say = BotSay(session=session, text=text, buttons=buttons, node=node, sender_name=sender_name)
    return bot_messages_send([say])[0]


@dataclasses.dataclass(frozen=True, slots=True)
class BotSay:
    """One bot message of ``bot_messages_send``."""

    session: Session
    text: str
    buttons: Any = None
    node: str | int | None = None
    sender_name: str = ""


def bot_messages_send(says: list[BotSay]) -> list[Message]:
    """Bots' messages to several contacts at once (a batch of bot steps): one insert,
    one query for the channels' types, and the frames in one broadcast after commit, in
    the order of ``says`` (each like ``bot_message_send``). ``MessageRejected`` when any
    of them has bad buttons (nothing is stored then)."""
    rows = [_bot_row(say) for say in says]
    targets = translations.outgoing_targets({row.dialog_id for row in rows})
    for row in rows:
        channel_type, target = targets[row.dialog_id]
        row.status = outgoing_status(channel_type=channel_type)
        translations.outgoing_mark(row, target)
    Message.objects.bulk_create(rows)
    framed = [
        (
            message,
            payloads.message(message, attachments=[]),
            staff_groups(say.session.operator_id, say.session.group_id, say.session.status),
        )
        for say, message in zip(says, rows, strict=True)
    ]
    # the frames first: after commit they leave before the events' listeners run, and
    # the staff's before anything of a translation (its commit callback comes after)
    staff_sends = [
        (staff, {"type": "message.created", "message": frame}) for _msg, frame, staff in framed
    ]
    realtime.broadcast_batch(staff_sends)
    # those waiting for their translation reach the widget from a translation thread
    held = translations.outgoing_hold(framed, targets)
    sends: list[tuple[list[str], dict[str, Any]]] = []
    for (message, frame, _staff), waits in zip(framed, held, strict=True):
        if not waits:
            group = realtime.dialog_group(message.dialog_id)
            sends.append(([group], {"type": "message", "message": frame}))
    if sends:
        realtime.broadcast_batch(sends)
    for message in rows:
        message_received_emit(message)
    return rows


def _buttons_of(buttons: Any, button_node: str | int | None) -> tuple[Any, str | None]:
    """The cleaned buttons and the step they belong to (none without buttons)."""
    cleaned = buttons_clean(buttons) if buttons is not None else None
    node = bot_id_clean(button_node) if button_node is not None else None
    if button_node is not None and node is None:
        raise MessageRejected("bad_buttons", _("A bot step is a number or a short name."))
    return cleaned, node if cleaned else None


def _bot_row(say: BotSay) -> Message:
    cleaned, node = _buttons_of(say.buttons, say.node)
    return Message(
        dialog_id=say.session.dialog_id,
        session=say.session,
        sender_type=SenderType.BOT,
        sender_name=say.sender_name,
        text=say.text,
        buttons=cleaned,
        button_node=node,
    )


def _outgoing_store(
    session: Session,
    *,
    sender_type: str,
    text: str,
    internal: bool = False,
    buttons: Any = None,
    button_node: str | int | None = None,
    sender_name: str = "",
) -> Message:
    cleaned, node = _buttons_of(buttons, button_node)
    targets = translations.outgoing_targets({session.dialog_id})
    channel_type, target = targets[session.dialog_id]
    message = Message(
        dialog_id=session.dialog_id,
        session=session,
        sender_type=sender_type,
        sender_name=sender_name,
        text=text,
        internal=internal,
        buttons=cleaned,
        button_node=node,
        status=outgoing_status(channel_type=channel_type, internal=internal),
    )
    if not internal:  # the contact reads it in their language
        translations.outgoing_mark(message, target)
    message.save(force_insert=True)
    frame = payloads.message(message, attachments=[])
    staff = staff_groups(session.operator_id, session.group_id, session.status)
    # after commit, the staff's frame leaves before the hold's commit callback releases
    # the translation (and before the listeners of the new message, which may take their
    # time): else its message.updated could reach an inbox that does not know the message
    push_to_staff(session, {"type": "message.created", "message": frame})
    if not internal:
        if not translations.outgoing_hold([(message, frame, staff)], targets)[0]:
            realtime.broadcast(
                realtime.dialog_group(session.dialog_id), {"type": "message", "message": frame}
            )
        message_received_emit(message)
    return message


# --- attachments ------------------------------------------------------------------------


def _with_attachments(stored: Stored) -> Stored:
    prefetch_related_objects([stored.message], "attachments")
    return stored


def contact_attachment_receive(
    *, dialog_id: int, upload: Any, text: Any = "", client_id: Any = None, sender_name: str = ""
) -> Stored:
    """Stores a message with one file from the dialog's contact, like
    ``contact_message_receive`` (the text may be empty). ``MessageRejected`` with code
    ``too_large``, ``no_file``, ``empty_file``, ``bad_type`` or ``bad_content`` for a
    file that may not be stored. The file is written inside the transaction and deleted
    if it does not commit; a repeat ``client_id`` writes nothing."""
    item = Incoming(
        dialog_id=dialog_id, text=text, client_id=client_id, sender_name=sender_name, upload=upload
    )
    return _with_attachments(batching.one(batching.contact_messages_receive([item])))


def operator_attachment_send(
    *, session_id: int, user: Any, upload: Any, text: Any = "", client_id: Any = None
) -> Stored:
    """Sends a file (and optional text) as the operator of an active session, like
    ``operator_message_send``; rejections as for ``contact_attachment_receive``."""
    text = caption_clean(text)
    _refuse_unfilled(text)
    client_id = client_id_clean(client_id)
    file = file_clean(upload)
    windows.reply_window_require(session_id=session_id)
    stored = batching.store_once(
        lambda written: _operator_message_store(session_id, user, text, client_id, file, written),
        dialog_id=lambda: _dialog_of(session_id),
        client_id=client_id,
    )
    return _with_attachments(stored)


# --- sessions ---------------------------------------------------------------------------


@transaction.atomic
def session_topic_choose(*, dialog_id: int, topic_id: Any) -> Session:
    """The contact picks one of the channel's topics: a new session opens for the topic's
    group, or the waiting one moves there. Once an operator has it, the topic stays."""
    dialog = (
        Dialog.objects.select_for_update(of=("self",)).select_related("channel").get(pk=dialog_id)
    )
    topic = None
    if isinstance(topic_id, int) and not isinstance(topic_id, bool):
        topic = dialog.channel.topics.filter(pk=topic_id).first()  # routing.Topic
    if topic is None:
        raise MessageRejected("bad_topic", _("Choose one of the offered topics."))
    session = Session.objects.filter(dialog=dialog).exclude(status=SessionStatus.CLOSED).first()
    if session is None:
        return sessions.session_open(dialog=dialog, at=timezone.now(), topic=topic)
    if session.status == SessionStatus.ACTIVE:
        raise MessageRejected(
            "topic_locked", _("An operator is already with you; just write your question.")
        )
    if session.topic_id != topic.pk:
        sessions.session_group_set(session=session, group_id=topic.group_id, topic_id=topic.pk)
        events.emit(events.SessionRerouted(session_id=session.pk, group_id=topic.group_id))
    return session


def button_press(*, dialog_id: int, node: Any, button: Any) -> None:
    """Hands a pressed bot button to the bots (``ButtonPressed``, ids as text: the
    contract's strings, or the numbers older clients send)."""
    node, button = bot_id_clean(node), bot_id_clean(button)
    if node is None or button is None:
        raise MessageRejected(
            "bad_button", _("node and button are the ids of a bot step and of its button.")
        )
    session_id = (
        Session.objects.filter(dialog_id=dialog_id)
        .exclude(status=SessionStatus.CLOSED)
        .values_list("id", flat=True)
        .first()
    )
    events.emit(
        events.ButtonPressed(dialog_id=dialog_id, session_id=session_id, node=node, button=button)
    )


@transaction.atomic
def session_close(*, session_id: int, reason: str = CloseReason.RESOLVED) -> Session:
    """Closes an open session. ``StateConflict`` when it is already closed."""
    session = Session.objects.select_for_update().get(pk=session_id)
    if session.status == SessionStatus.CLOSED:
        raise StateConflict(_("This chat is already closed."))
    session.status = SessionStatus.CLOSED
    session.close_reason = reason
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "close_reason", "closed_at"])
    realtime.broadcast(
        realtime.dialog_group(session.dialog_id), {"type": "session.closed", "reason": reason}
    )
    push_to_staff(session, {"type": "session.updated", "session": payloads.session(session)})
    events.emit(
        events.SessionClosed(
            session_id=session.pk,
            dialog_id=session.dialog_id,
            reason=reason,
            operator_id=session.operator_id,
            group_id=session.group_id,
        )
    )
    return session


@transaction.atomic
def session_rate(*, dialog_id: int, score: Any, comment: Any = "") -> Session:
    """The contact rates the last closed session of their dialog (a new score replaces
    an earlier one)."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise MessageRejected("bad_score", _("A rating is a whole number from 1 to 5."))
    if not isinstance(comment, str) or len(comment) > 2000:
        raise MessageRejected("bad_comment", _("A comment is text of up to 2,000 characters."))
    session = (
        Session.objects.select_for_update()
        .filter(dialog_id=dialog_id, status=SessionStatus.CLOSED)
        .order_by("-closed_at", "-id")
        .first()
    )
    if session is None:
        raise MessageRejected("nothing_to_rate", _("There is no finished chat to rate yet."))
    session.rating, session.rating_comment, session.rated_at = score, comment, timezone.now()
    session.save(update_fields=["rating", "rating_comment", "rated_at"])
    events.emit(events.SessionRated(session_id=session.pk, score=score))
    return session


def session_mark_read(*, session_id: int, message_id: int) -> None:
    Session.objects.filter(pk=session_id, operator_read_message_id__lt=message_id).update(
        operator_read_message_id=message_id
    )
