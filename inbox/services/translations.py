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

import functools
import logging
import threading
import time
from dataclasses import dataclass, field
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
from inbox.services import translation_pool, translation_rows
from inbox.services.pushes import push_to_staff, staff_groups
from inbox.services.translation_plans import (
    LANGUAGE_CODE,
    Early,
    Piece,
    ReplyPlan,
    channel_translates,
    dialog_language,
    locale_language,
)
from inbox.services.translation_plans import installation_language as _installation_language
from inbox.services.translation_plans import pieces_of as _pieces
from inbox.services.translation_rows import Incoming
from inbox.services.validators import MessageRejected
from translation import services as translator
from translation.script import script_guess

logger = logging.getLogger(__name__)

# --- replies ------------------------------------------------------------------------------


def reply_after_store(
    message: Message,
    *,
    plan: ReplyPlan,
    frame: dict[str, Any],
    staff: list[str],
    early: Early | None = None,
) -> bool:
    """After a reply is stored: True when its delivery to the widget waits for the
    translation (``outgoing_hold``; ``early``: its translation already asked, see
    ``translation_plans.reply_translation_start``)."""
    targets = {message.dialog_id: (plan.channel_type, plan.target or "")}
    asked = {message.pk: early} if early is not None else None
    return outgoing_hold([(message, frame, staff)], targets, early=asked)[0]


def reply_translate(*, message_id: int, wait_s: float | None = None) -> Message | None:
    """Translates a pending message to the contact (a reply, a bot's or the product's:
    its text and its buttons' titles, one request) into the contact's language, waiting
    at most ``wait_s`` (``TRANSLATION_REPLY_WAIT_S``) since it was stored, time queued
    for a thread or a task included; on failure, or when the time is up, it is marked
    ``untranslated`` and goes out as written. Returns the message as stored now."""
    message = _load(message_id)
    if message is None or message.translation_status != TranslationStatus.PENDING:
        return message
    wait = settings.TRANSLATION_REPLY_WAIT_S if wait_s is None else wait_s
    target = dialog_language(message.dialog)
    pieces = _pieces(message.text, message.buttons)
    if not target or target == message.language or not pieces:
        return _store(message, translations=None, status=TranslationStatus.NONE)
    if message.created_at is not None:
        wait -= (timezone.now() - message.created_at).total_seconds()
    if wait <= 0:
        logger.warning("reply %s went untranslated: it waited its time in the queue", message_id)
        return _store(message, translations=None, status=TranslationStatus.UNTRANSLATED)
    try:
        answers = translator.translate(
            [text for _, text in pieces], message.language or None, target, timeout=wait
        )
    except Exception as failure:
        logger.warning("reply %s went untranslated: %s", message_id, failure)
        return _store(message, translations=None, status=TranslationStatus.UNTRANSLATED)
    done, message.buttons = _apply(pieces, answers, target, message.buttons)
    return _store(message, translations=done, status=TranslationStatus.TRANSLATED)


def _apply(
    pieces: list[Piece], answers: list[str], target: str, buttons: Any
) -> tuple[dict[str, str] | None, Any]:
    """The text's translations and the buttons with theirs (``translations`` beside each
    ``title``; the ids, which a press sends back, stay)."""
    done: dict[str, str] | None = None
    buttons = [dict(b) for b in buttons] if buttons else buttons
    for (index, _text), answer in zip(pieces, answers, strict=True):
        if index < 0:
            done = {target: answer}
        else:
            buttons[index]["translations"] = {target: answer}
    return done, buttons


# --- the widget's delivery of messages to the contact that wait for their translation ----


@dataclass(slots=True)
class _Outgoing:
    """A message to a widget visitor held for its translation, with everything its
    delivery needs (no model is loaded again): its frame, built when it was stored, and
    the staff groups that get its ``message.updated``."""

    id: int
    text: str
    source: str
    target: str  # empty: nothing to translate; held only to keep the dialog's order
    buttons: Any
    frame: dict[str, Any]
    staff: list[str]
    born: float = field(default_factory=time.monotonic)
    after: _Outgoing | None = None  # the dialog's previous one still on its way
    early: Early | None = None  # its translation, asked before it was stored
    committed: threading.Event = field(default_factory=threading.Event)
    delivered: threading.Event = field(default_factory=threading.Event)
    pushed: bool = False
    abandoned: bool = False


# How long a delivery waits for the transaction that stored its message to commit
# before it leaves it to the commit itself (``_committed``).
COMMIT_WAIT_S = 5.0
_gate = threading.Lock()
# Per dialog, the last message held: the next one to its contact waits behind it.
_last: dict[int, _Outgoing] = {}


def outgoing_targets(dialog_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Per dialog: its channel's type and the contact's language when messages to them
    are translated (else empty). Two queries at most."""
    rows = Dialog.objects.filter(pk__in=dialog_ids).values_list(
        "pk", "channel__type", "channel__config", "language"
    )
    found = {
        pk: (kind, language if channel_translates(config) else None)
        for pk, kind, config, language in rows
    }
    unknown = [
        pk for pk, (kind, lang) in found.items() if lang == "" and kind == ChannelType.WIDGET
    ]
    if unknown:
        for dialog_id, locale in WidgetVisitor.objects.filter(dialog_id__in=unknown).values_list(
            "dialog_id", "language"
        ):
            found[dialog_id] = (found[dialog_id][0], locale_language(locale))
    return {pk: (kind, lang or "") for pk, (kind, lang) in found.items()}


def outgoing_mark(message: Message, target: str) -> None:
    """Before a bot's or the product's message is stored: pending, in the language it was
    written in (its letters, else the installation's), when the contact reads another."""
    if not target:
        return
    pieces = _pieces(message.text, message.buttons)
    if not pieces:
        return
    source = script_guess(" ".join(text for _, text in pieces)) or _installation_language()
    if source != target:
        message.language = source
        message.translation_status = TranslationStatus.PENDING


def outgoing_hold(
    stored: list[tuple[Message, dict[str, Any], list[str]]],
    targets: dict[int, tuple[str, str]],
    *,
    early: dict[int, Early] | None = None,
) -> list[bool]:
    """After messages to contacts are stored (in their transaction), with their frames and
    the staff groups watching them: True for each one whose widget frame is held for its
    translation. Its translation starts now, beside the commit; it reaches the widget
    (translated, or as written after at most ``TRANSLATION_REPLY_WAIT_S``) once both are
    done. A later message of a dialog with one held is held too, to keep their order."""
    held: list[bool] = []
    items: list[_Outgoing] = []
    for message, frame, staff in stored:
        pending = message.translation_status == TranslationStatus.PENDING
        kind, target = targets.get(message.dialog_id, ("", ""))
        if kind != ChannelType.WIDGET:
            held.append(False)
            continue
        with _gate:
            before = _last.get(message.dialog_id)
            if before is not None and before.delivered.is_set():
                before = None
            if not pending and before is None:
                held.append(False)
                continue
            item = _Outgoing(
                id=message.pk,
                text=message.text,
                source=message.language,
                target=target if pending else "",
                buttons=message.buttons,
                frame=frame,
                staff=staff,
                after=before,
                early=_fitting((early or {}).get(message.pk), message, target, pending),
            )
            _last[message.dialog_id] = item
        held.append(True)
        items.append(item)
    if items:
        for item in items:
            transaction.on_commit(functools.partial(_committed, item))
        _outgoing.add(*items)
    return held


def _fitting(early: Early | None, message: Message, target: str, pending: bool) -> Early | None:
    """``early`` if it is the translation this message needs (its store's plan agrees)."""
    if early is None or not pending or message.buttons:
        return None
    return early if early.fits(source=message.language, target=target, text=message.text) else None


def _committed(item: _Outgoing) -> None:
    """The message's transaction committed: its delivery may go on; if that delivery
    gave up waiting, the message goes through again now."""
    with _gate:
        item.committed.set()
        again = item.abandoned
        item.abandoned = False
    if again:
        _outgoing.add(item)


def _wait_committed(items: list[_Outgoing]) -> list[_Outgoing]:
    deadline = time.monotonic() + COMMIT_WAIT_S
    ready = []
    for item in items:
        if item.committed.wait(max(0.0, deadline - time.monotonic())):
            ready.append(item)
            continue
        with _gate:  # left to the commit (or forgotten with a rollback)
            if item.committed.is_set():
                ready.append(item)
            else:
                item.abandoned = True
    return ready


def outgoing_deliver(items: list[_Outgoing]) -> None:
    """Translates held messages (one provider request per pair of languages: texts and
    buttons' titles), waits for their commit, pushes, in one call to the layer, each
    one's frame to the visitor and its ``message.updated`` to the staff, then writes the
    outcome (one round trip: the message itself is stored already, so the contact does
    not wait for it). Whatever the provider does, the message is pushed, once: a batch
    that runs again after SQLite's lock only writes."""
    outcome = _translate_outgoing(items)
    items = _wait_committed(items)
    _outgoing_push([item for item in items if not item.pushed], outcome)
    try:
        _outgoing_store([(item, *outcome[item.id]) for item in items if item.target])
    except Exception as failure:
        if translation_pool.locked(failure):
            raise  # the batch runs again (its translations cached), without a push
        logger.exception("%d messages' translations not stored", len(items))


def _outgoing_push(items: list[_Outgoing], outcome: dict[int, Outcome]) -> None:
    sends: list[tuple[list[str], dict[str, Any]]] = []
    for item in items:
        frame = item.frame
        if item.target:
            done, status, buttons = outcome[item.id]
            frame = {**frame, "translations": done or {}, "translation_status": status or None}
            if buttons:
                frame["buttons"] = _frame_buttons(buttons)
            update = {k: frame[k] for k in UPDATED_FIELDS if k in frame}
            sends.append((item.staff, {"type": "message.updated", "message": update}))
        sends.append(
            ([realtime.dialog_group(frame["dialog"])], {"type": "message", "message": frame})
        )
    _behind_earlier(items)
    realtime.send_batch_now(sends)
    with _gate:
        for item in items:
            item.pushed = True
            item.delivered.set()
            dialog_id = item.frame["dialog"]
            if _last.get(dialog_id) is item:
                del _last[dialog_id]


def _behind_earlier(items: list[_Outgoing]) -> None:
    """Waits until the earlier messages of the same dialogs held in other batches are out
    (at most as long as they may take), so that the contact gets them in order."""
    ours = {item.id for item in items}
    most = settings.TRANSLATION_REPLY_WAIT_S + COMMIT_WAIT_S
    deadline = time.monotonic() + most
    for item in items:
        if item.after is not None and item.after.id not in ours:
            item.after.delivered.wait(max(0.0, deadline - time.monotonic()))
        item.after = None  # no chain of every message kept alive


# What ``message.updated`` carries (docs/translation.md): what identifies the message and
# what its translation changed.
UPDATED_FIELDS = (
    "id",
    "dialog",
    "session",
    "sender_type",
    "client_id",
    "language",
    "translations",
    "translation_status",
    "buttons",
)

Outcome = tuple[dict[str, str] | None, str, Any]  # translations, status, buttons


def _translate_outgoing(items: list[_Outgoing]) -> dict[int, Outcome]:
    wait = settings.TRANSLATION_REPLY_WAIT_S - (time.monotonic() - min(i.born for i in items))
    groups: dict[tuple[str, str], list[_Outgoing]] = {}
    for item in items:
        if item.target and item.early is None:
            groups.setdefault((item.source, item.target), []).append(item)
    outcome: dict[int, Outcome] = {}
    for (source, target), group in groups.items():
        pieces = [_pieces(item.text, item.buttons) for item in group]
        try:
            if wait <= 0:
                raise translator.TranslationUnavailable("the wait was over in the queue")
            flat = [text for item_pieces in pieces for _, text in item_pieces]
            answers = translator.translate(flat, source or None, target, timeout=wait)
        except Exception as failure:
            logger.warning("%d messages went untranslated: %s", len(group), failure)
            for item in group:
                outcome[item.id] = (None, TranslationStatus.UNTRANSLATED, item.buttons)
            continue
        at = 0
        for item, item_pieces in zip(group, pieces, strict=True):
            mine = answers[at : at + len(item_pieces)]
            at += len(item_pieces)
            done, buttons = _apply(item_pieces, mine, target, item.buttons)
            outcome[item.id] = (done, TranslationStatus.TRANSLATED, buttons)
    # those asked before they were stored last: their answers are in by then, mostly
    outcome.update({i.id: _early_outcome(i, i.early) for i in items if i.early is not None})
    return outcome


def _early_outcome(item: _Outgoing, early: Early) -> Outcome:
    """The answer to the request made before the message was stored, waited for at most
    what is left of the message's wait."""
    left = settings.TRANSLATION_REPLY_WAIT_S - (time.monotonic() - item.born)
    try:
        answers = early.answer.result(timeout=max(0.0, left))
    except Exception as failure:
        logger.warning("reply %s went untranslated: %s", item.id, failure or "no answer in time")
        return (None, TranslationStatus.UNTRANSLATED, item.buttons)
    done, buttons = _apply(_pieces(item.text, item.buttons), answers, item.target, item.buttons)
    return (done, TranslationStatus.TRANSLATED, buttons)


def _frame_buttons(buttons: Any) -> list[dict[str, Any]]:
    return [payloads.button(b) for b in buttons]


def _outgoing_store(rows: list[tuple[_Outgoing, dict[str, str] | None, str, Any]]) -> None:
    _write([(item.id, item.source, done, status, buttons) for item, done, status, buttons in rows])


def reply_translation_wait(message: Message) -> Message:
    """A connector's task, before it sends: a reply still pending gets its translation
    (or goes untranslated) now; returns the message to send, its buttons titled in the
    contact's language."""
    if message.translation_status != TranslationStatus.PENDING:
        message.buttons = message.delivery_buttons
        return message
    try:
        done = reply_translate(message_id=message.pk)
    except Exception:
        logger.exception("reply %s: translation failed", message.pk)
        done = None
    if done is not None:
        message.translations = done.translations
        message.translation_status = done.translation_status
        message.buttons = done.buttons
    message.buttons = message.delivery_buttons  # what the connector renders (not saved)
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


def contact_messages_translate(*, message_ids: list[int]) -> list[int]:
    """Detects the language of contact messages and translates them into their
    operators' (see the module doc): one provider request per pair of languages, one
    write, one push. Returns the ids of the messages it looked at."""
    rows = [r for r in translation_rows.incoming_rows(message_ids) if r.text.strip()]
    rows = [r for r in rows if channel_translates(r.channel_config)]
    groups: dict[tuple[str | None, str], list[Incoming]] = {}
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


# Customers' messages whose translations the cache keeps: short ones ("hello", "thank
# you", a short question) come again and again; longer ones carry names, numbers and
# order details and hardly ever come twice.
REMEMBERED_CHARS = 64


def _translate_group(group: list[Incoming], source: str | None, target: str) -> None:
    try:
        texts = translator.translate(
            [r.text for r in group], source, target, remember_upto=REMEMBERED_CHARS
        )
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


def _detect(row: Incoming) -> str:
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


_UPDATE_OUT_SQL = (
    f'UPDATE "{Message._meta.db_table}" SET "language" = %s, "translations" = %s, '
    '"translation_status" = %s, "buttons" = %s WHERE "id" = %s'
)


def _store_rows(rows: list[Incoming]) -> None:
    """Writes the rows' translation fields (one round trip) and pushes each one's
    ``message.updated`` to the staff watching its session (one call)."""
    if not rows:
        return
    translation_rows.rows_write(rows)
    # who watches each session now, read after the write: the row read before the
    # translation may be older than an assignment meanwhile, and the operator who got
    # the session since then has either loaded the message after this write or gets
    # this push (one query for the batch)
    watching = translation_rows.watching({r.session_id for r in rows if r.session_id is not None})
    sends = []
    for r in rows:
        if r.session_id not in watching:
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
        sends.append((staff_groups(*watching[r.session_id]), frame))
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
    _write([(m.pk, m.language, m.translations, m.translation_status, m.buttons) for m in messages])
    sends = []
    for message in messages:
        session = message.session
        if session is None:
            continue
        frame = {"type": "message.updated", "message": payloads.message_translation(message)}
        sends.append((staff_groups(session.operator_id, session.group_id, session.status), frame))
    realtime.broadcast_batch(sends)


def _write(rows: list[tuple[int, str, Any, str, Any]]) -> None:
    """(id, language, translations, status, buttons) of messages, in one round trip. No
    transaction of its own: each row stands alone (a batch that fails is written again
    whole), and a visitor waiting for the delivery would wait for its BEGIN and COMMIT."""
    field = Message._meta.get_field("translations")
    with connection.cursor() as cursor:
        cursor.executemany(
            _UPDATE_OUT_SQL,
            [
                (
                    language,
                    field.get_db_prep_save(done, connection),
                    status,
                    field.get_db_prep_save(buttons, connection),
                    pk,
                )
                for pk, language, done, status, buttons in rows
            ],
        )


# Customers' messages arriving together are translated together (one provider request,
# one write, one push). The operator reads the message at once and its translation a
# moment later, so the batch waits 0.1 s for more: at 200 customers' messages a second
# that is a fifth of the web processes' CPU per message that 20 ms cost (issue 18's
# features' cost, docs/benchmarks.md), for about 50 ms more before the translation
# shows; replies to the contact do not linger (below).
INCOMING_LINGER_S = 0.1
_incoming: translation_pool.Batched[int] = translation_pool.Batched(
    translation_pool.INCOMING,
    lambda ids: contact_messages_translate(message_ids=ids),
    linger_s=INCOMING_LINGER_S,
)
# Messages to widget visitors waiting for their translation: no linger, since the contact
# waits for them; those stored together (a batch of bot steps) are handed over together,
# and those that arrive while a batch is with the provider go together in the next one.
OUTGOING_LINGER_S = 0.0
_outgoing: translation_pool.Batched[_Outgoing] = translation_pool.Batched(
    translation_pool.REPLIES, outgoing_deliver, linger_s=OUTGOING_LINGER_S
)
