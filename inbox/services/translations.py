"""Translation of messages between a contact and the operators (docs/translation.md).

* A contact's message is stored, acked and shown untranslated; ``contact_message_translate``
  then runs in a translation thread: it detects the message's language (updating the
  dialog's, unless an operator set it), translates it into the operator's language
  (``translations[<operator language>]``) and pushes ``message.updated`` to the staff.
* An operator's reply whose contact reads another language is stored with
  ``translation_status: pending`` (``reply_plan``); ``reply_translate`` translates it,
  waiting at most ``TRANSLATION_REPLY_WAIT_S``, before it reaches the contact: in a
  translation thread for the widget (``reply_deliver_widget``), in the connector's task
  for the other channels. The contact gets ``Message.delivery_text``: the translation,
  or the original when there is none.
* A provider that fails, hangs or answers garbage costs only the translation: the message
  is marked ``untranslated`` and the operator may retry (``message_translation_retry``).

The messages' ``language``, ``translations`` and ``translation_status`` and the dialog's
``language`` are written here only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import realtime
from contactcenter.api_common import StateConflict
from crm.models import ChannelType
from inbox import payloads
from inbox.models import (
    Dialog,
    Message,
    SenderType,
    Session,
    SessionStatus,
    TranslationStatus,
    WidgetVisitor,
)
from inbox.services import translation_pool
from inbox.services.pushes import push_to_staff, staff_groups
from inbox.services.validators import MessageRejected
from translation import services as translator

logger = logging.getLogger(__name__)

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def _installation_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0].lower()


def channel_translates(config: Any) -> bool:
    """Translation on for a channel: a provider is configured and the channel's config
    does not say ``"translation": false``."""
    if not translator.enabled():
        return False
    return not (isinstance(config, dict) and config.get("translation") is False)


def operator_language(operator: Any) -> str:
    """The language an operator reads (their UI language); the installation's when the
    session has no operator yet."""
    if operator is None:
        return _installation_language()
    return str(getattr(operator, "ui_language", "") or _installation_language())


def locale_language(value: str) -> str:
    """``ru-RU`` → ``ru``; anything that is not a language code → empty."""
    code = (value or "").split("-")[0].split("_")[0].lower()
    return code if LANGUAGE_CODE.fullmatch(code) else ""


def dialog_language(dialog: Dialog) -> str:
    """The contact's language: the dialog's (detected or set by an operator), else the
    widget's locale, else empty (unknown)."""
    if dialog.language:
        return dialog.language
    if dialog.channel.type == ChannelType.WIDGET:
        visitor = WidgetVisitor.objects.filter(dialog=dialog).values_list("language").first()
        return locale_language(visitor[0]) if visitor else ""
    return ""


# --- replies ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    channel_type: str
    language: str  # the language the reply is written in
    target: str | None  # the contact's, when the reply must be translated into it


def reply_plan(*, dialog_id: int, operator: Any, text: str) -> ReplyPlan:
    """How an operator's reply in this dialog is to be delivered (one query)."""
    dialog = Dialog.objects.select_related("channel").get(pk=dialog_id)
    language = operator_language(operator)
    target = None
    if text.strip() and channel_translates(dialog.channel.config):
        contact = dialog_language(dialog)
        if contact and contact != language:
            target = contact
    return ReplyPlan(channel_type=dialog.channel.type, language=language, target=target)


def reply_after_store(message: Message, *, channel_type: str) -> bool:
    """After a reply is stored: True when its delivery to the widget waits for the
    translation (a translation thread delivers it after commit)."""
    if message.translation_status != TranslationStatus.PENDING:
        return False
    if channel_type != ChannelType.WIDGET:
        return False  # the connector's task translates before it sends
    message_id = message.pk
    transaction.on_commit(
        lambda: translation_pool.submit(
            translation_pool.REPLIES, lambda: reply_deliver_widget(message_id=message_id)
        )
    )
    return True


def reply_translate(*, message_id: int, wait_s: float | None = None) -> Message | None:
    """Translates a pending reply into the contact's language, the reply waiting at most
    ``wait_s`` (``TRANSLATION_REPLY_WAIT_S``) since it was stored, time queued for a
    thread or a task included; on failure, or when the time is up, the reply is marked
    ``untranslated`` and goes out as written. Returns the message as stored now."""
    message = _load(message_id)
    if message is None or message.translation_status != TranslationStatus.PENDING:
        return message
    wait = settings.TRANSLATION_REPLY_WAIT_S if wait_s is None else wait_s
    target = dialog_language(message.dialog)
    if not target or target == message.language:
        return _store(message, translations=None, status=TranslationStatus.NONE)
    if message.created_at is not None:
        wait -= (timezone.now() - message.created_at).total_seconds()
    if wait <= 0:
        logger.warning("reply %s went untranslated: it waited its time in the queue", message_id)
        return _store(message, translations=None, status=TranslationStatus.UNTRANSLATED)
    try:
        (text,) = translator.translate(
            [message.text], message.language or None, target, timeout=wait
        )
    except Exception as failure:
        logger.warning("reply %s went untranslated: %s", message_id, failure)
        return _store(message, translations=None, status=TranslationStatus.UNTRANSLATED)
    return _store(message, translations={target: text}, status=TranslationStatus.TRANSLATED)


def reply_deliver_widget(*, message_id: int) -> None:
    """The widget's delivery of a reply that waited for its translation: pushed to the
    visitor's sockets whatever the translation's outcome."""
    try:
        message = reply_translate(message_id=message_id)
    except Exception as failure:
        if translation_pool.locked(failure):
            raise  # the job runs again: the contact gets the reply once, translated or not
        logger.exception("reply %s: translation failed", message_id)
        message = None
    if message is None:
        message = Message.objects.filter(pk=message_id).first()
    if message is not None:
        frame = payloads.message(message, attachments=list(message.attachments.all()))
        realtime.send_now(
            realtime.dialog_group(message.dialog_id), {"type": "message", "message": frame}
        )


def reply_translation_wait(message: Message) -> Message:
    """A connector's task, before it sends: a reply still pending gets its translation
    (or goes untranslated) now; returns the message to send."""
    if message.translation_status != TranslationStatus.PENDING:
        return message
    try:
        done = reply_translate(message_id=message.pk)
    except Exception:
        logger.exception("reply %s: translation failed", message.pk)
        done = None
    if done is not None:
        message.translations = done.translations
        message.translation_status = done.translation_status
    return message


# --- contact messages ---------------------------------------------------------------------


def contact_message_queue(*, message_id: int) -> None:
    """Hands a stored contact message to the translation threads (returns at once);
    messages arriving together are translated together."""
    if translator.enabled():
        _incoming.add(message_id)


def contact_message_translate(*, message_id: int) -> Message | None:
    """``contact_messages_translate`` of one message; returns it as stored now."""
    contact_messages_translate(message_ids=[message_id])
    return _load(message_id)


@dataclass(slots=True)
class _Incoming:
    """A contact message as its translation needs it. Plain values, not model rows: at
    hundreds of messages a second, what a translation allocates is what the socket
    server's garbage collector has to walk (docs/benchmarks.md)."""

    id: int
    dialog_id: int
    session_id: int | None
    client_id: str | None
    text: str
    language: str
    translations: dict[str, str] | None
    status: str
    dialog_language: str
    dialog_fixed: bool
    channel_type: str
    channel_config: Any
    operator_language: str | None
    operator_id: int | None
    group_id: int | None
    session_status: str | None


_INCOMING_FIELDS = (
    "id",
    "dialog_id",
    "session_id",
    "client_id",
    "text",
    "language",
    "translations",
    "translation_status",
    "dialog__language",
    "dialog__language_fixed",
    "dialog__channel__type",
    "dialog__channel__config",
    "session__operator__language",
    "session__operator_id",
    "session__group_id",
    "session__status",
)


def contact_messages_translate(*, message_ids: list[int]) -> list[int]:
    """Detects the language of contact messages and translates them into their
    operators' (see the module doc): one provider request per pair of languages, one
    write, one push. Returns the ids of the messages it looked at."""
    rows = [
        _Incoming(*values)
        for values in Message.objects.filter(
            pk__in=message_ids, sender_type=SenderType.CONTACT, internal=False
        ).values_list(*_INCOMING_FIELDS)
    ]
    rows = [r for r in rows if r.text.strip() and channel_translates(r.channel_config)]
    groups: dict[tuple[str | None, str], list[_Incoming]] = {}
    for row in rows:
        language = row.language or _detect(row)
        if language and not row.dialog_fixed and language != row.dialog_language:
            dialog_language_set(dialog_id=row.dialog_id, language=language, fixed=False)
        row.language = language or ""
        target = row.operator_language or _installation_language()
        if language == target:
            row.status = TranslationStatus.NONE
        else:
            groups.setdefault((language or None, target), []).append(row)
    for (source, target), group in groups.items():
        _translate_group(group, source, target)
    _store_rows(rows)
    return [r.id for r in rows]


def _translate_group(group: list[_Incoming], source: str | None, target: str) -> None:
    try:
        texts = translator.translate([r.text for r in group], source, target)
    except Exception as failure:
        logger.warning("%d messages went untranslated: %s", len(group), failure)
        for row in group:
            row.status = TranslationStatus.UNTRANSLATED
        return
    for row, text in zip(group, texts, strict=True):
        if not source and text.strip().lower() == row.text.strip().lower():
            row.status = TranslationStatus.NONE  # it was in ``target`` already
            continue
        row.translations = {**(row.translations or {}), target: text}
        row.status = TranslationStatus.TRANSLATED


def _detect(row: _Incoming) -> str:
    try:
        found = translator.detect(row.text)
    except Exception as failure:
        logger.info("message %s: language not detected: %s", row.id, failure)
        found = None
    language = locale_language(found or "")
    if language or row.dialog_language or row.channel_type != ChannelType.WIDGET:
        return language or row.dialog_language
    visitor = WidgetVisitor.objects.filter(dialog_id=row.dialog_id).values_list("language").first()
    return locale_language(visitor[0]) if visitor else ""


_UPDATE_SQL = (
    f'UPDATE "{Message._meta.db_table}" SET "language" = %s, "translations" = %s, '
    '"translation_status" = %s WHERE "id" = %s'
)


def _store_rows(rows: list[_Incoming]) -> None:
    """Writes the rows' translation fields (one round trip) and pushes each one's
    ``message.updated`` to the staff watching its session (one call)."""
    if not rows:
        return
    field = Message._meta.get_field("translations")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            _UPDATE_SQL,
            [
                (r.language, field.get_db_prep_save(r.translations, connection), r.status, r.id)
                for r in rows
            ],
        )
    sends = []
    for r in rows:
        if r.session_id is None or r.session_status is None:
            continue
        frame = {
            "type": "message.updated",
            "message": {
                "id": r.id,
                "dialog": r.dialog_id,
                "session": r.session_id,
                "sender_type": SenderType.CONTACT.value,
                "client_id": r.client_id,
                "language": r.language or None,
                "translations": r.translations or {},
                "translation_status": r.status or None,
            },
        }
        sends.append((staff_groups(r.operator_id, r.group_id, r.session_status), frame))
    realtime.broadcast_batch(sends)


def message_translation_retry(*, message_id: int, dialog_id: int) -> Message | None:
    """The operator's retry of a contact message's translation (into their language):
    marked ``pending`` at once and translated in a translation thread; the result follows
    as ``message.updated``. None: no such message in the dialog. ``StateConflict`` when
    no provider is configured or the message is not the contact's."""
    if not translator.enabled():
        raise StateConflict(_("Translation is not configured."))
    message = _load(message_id)
    if message is None or message.dialog_id != dialog_id:
        return None
    if message.sender_type != SenderType.CONTACT:
        raise StateConflict(_("Only a customer's message can be translated again."))
    message = _store(message, translations=message.translations, status=TranslationStatus.PENDING)
    contact_message_queue(message_id=message.pk)
    return message


# --- the dialog's language ----------------------------------------------------------------


def dialog_language_set(*, dialog_id: int, language: str, fixed: bool) -> Dialog:
    """Sets the contact's language: detected (``fixed=False``, only while no operator
    set it) or chosen by an operator (``fixed=True``; an empty language hands it back to
    detection). The staff watching the dialog's open session get ``session.updated``.
    ``MessageRejected`` for a code that is not a language."""
    language = (language or "").strip().lower()
    if language and not LANGUAGE_CODE.fullmatch(language):
        raise MessageRejected("bad_language", _("A language is a code like en or ru."))
    with transaction.atomic():
        dialog = Dialog.objects.select_for_update().select_related("channel").get(pk=dialog_id)
        if not fixed and dialog.language_fixed:
            return dialog
        dialog.language = language
        dialog.language_fixed = fixed and bool(language)
        Dialog.objects.filter(pk=dialog.pk).update(
            language=dialog.language, language_fixed=dialog.language_fixed
        )
        session = (
            Session.objects.select_related(
                "dialog__contact", "dialog__channel", "group", "operator__user", "topic"
            )
            .filter(dialog_id=dialog_id)
            .exclude(status=SessionStatus.CLOSED)
            .first()
        )
        if session is not None:
            push_to_staff(
                session, {"type": "session.updated", "session": payloads.session(session)}
            )
    return dialog


# --- storing the outcome ----------------------------------------------------------------------


def _load(message_id: int) -> Message | None:
    found = _load_many([message_id])
    return found[0] if found else None


def _load_many(message_ids: list[int]) -> list[Message]:
    return list(
        Message.objects.select_related("dialog__channel", "session__operator__user").filter(
            pk__in=message_ids, internal=False
        )
    )


def _store(message: Message, *, translations: dict[str, str] | None, status: str) -> Message:
    """Writes one message's translation fields and pushes ``message.updated``."""
    message.translations = translations
    message.translation_status = status
    _store_many([message])
    return message


def _store_many(messages: list[Message]) -> None:
    """Writes the translation fields of ``messages`` (one statement) and pushes each
    one's ``message.updated`` to the staff watching its session (one call)."""
    if not messages:
        return
    field = Message._meta.get_field("translations")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            _UPDATE_SQL,
            [
                (
                    m.language,
                    field.get_db_prep_save(m.translations, connection),
                    m.translation_status,
                    m.pk,
                )
                for m in messages
            ],
        )
    sends = []
    for message in messages:
        session = message.session
        if session is None:
            continue
        frame = {"type": "message.updated", "message": payloads.message_translation(message)}
        sends.append((staff_groups(session.operator_id, session.group_id, session.status), frame))
    realtime.broadcast_batch(sends)


# Customers' messages arriving together are translated together (one provider request).
_incoming = translation_pool.Batched(
    translation_pool.INCOMING, lambda ids: contact_messages_translate(message_ids=ids)
)
