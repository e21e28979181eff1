"""The one store of a contact's messages: a batch (the widget socket's hot path) or a
batch of one (``conversations.contact_message_receive``: the REST API, channels, a
file). Every message of a contact is written here.

``contact_messages_receive(batch)`` has the same outcome, message by message, as storing
each item alone in order, at a few statements per batch instead of several per message:

* Each item is cleaned by the public validators (``inbox.services.validators``); a
  refused one gets its ``MessageRejected`` as its result.
* The dialogs of the batch are locked in id order (the same row lock the opening path
  takes, so writes of one conversation stay serialized across processes and their ids
  keep commit order), and their open sessions and contact names are read in the same
  statement.
* Messages of dialogs with an open session (the steady state) are inserted in one
  ``INSERT ... ON CONFLICT (dialog_id, client_id) DO NOTHING RETURNING``: the unique
  constraint is the idempotency check, a row not returned is a repeat and answers with
  the first message. Repeats inside the batch resolve to the first occurrence.
* Dialogs with no open session (a first message opens one, ``sessions.session_open``
  decides who handles it), messages without a ``client_id`` and messages with a file
  take the opening path, one at a time, in order.
* After commit: one broadcast call for the whole batch (``realtime.broadcast_batch``)
  and a ``MessageReceived`` per new message (or handed over in one list, see
  ``on_events``).

If the batch's transaction fails, each of its messages is retried alone on the opening
path, so one bad message costs only its own sender an error.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from contactcenter import events, realtime, sql_arrays
from crm.models import Contact
from inbox import payloads, selectors
from inbox.models import Dialog, Message, SenderType, Session, SessionStatus
from inbox.services import attachments as files
from inbox.services import sessions
from inbox.services.pushes import message_received_emit, push_to_staff, staff_groups
from inbox.services.validators import (
    MessageRejected,
    caption_clean,
    client_id_clean,
    file_clean,
    text_clean,
)

logger = logging.getLogger(__name__)


# ``Incoming.upload`` of a message that is text alone (an upload of None is a file
# the sender forgot: refused as ``no_file``)
TEXT_ONLY: Any = object()


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message from a dialog's contact, as an edge received it (not yet cleaned).
    With an ``upload`` (a file message), the text may be empty."""

    dialog_id: int
    text: Any
    client_id: Any = None
    sender_name: str = ""
    upload: Any = TEXT_ONLY


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as stored: ``created`` is False for a repeat of a known ``client_id``."""

    message: Message
    created: bool


# One result per item: the stored message, or the exception storing it alone would have
# raised (``MessageRejected`` for bad input, anything else for a failure).
Result = Stored | BaseException


Sends = list[tuple[list[str], dict[str, Any]]]

# (index in the batch, item, clean text, clean client_id)
Clean = tuple[int, Incoming, str, str | None]


def contact_messages_receive(
    batch: list[Incoming],
    *,
    on_events: Callable[[list[events.Event]], None] | None = None,
    on_sends: Callable[[Sends], None] | None = None,
) -> list[Result]:
    """Stores ``batch`` (see the module doc); results in the order of ``batch``.

    The ``MessageReceived`` events of the batch's new messages are emitted as usual
    (delivered in this thread after commit), or, with ``on_events``, handed to it as one
    list once the transaction committed (the writer delivers them in another thread, so
    that listeners do not hold up the next batch). Likewise the frames of the batch's new
    messages are broadcast after commit, or, with ``on_sends``, handed to it (the writer
    publishes them from its own event loop)."""
    results: list[Result | None] = [None] * len(batch)
    clean: list[Clean] = []
    uploads: dict[int, files.CleanFile] = {}
    for index, item in enumerate(batch):
        try:
            if item.upload is TEXT_ONLY:
                text, client_id = text_clean(item.text), client_id_clean(item.client_id)
            else:
                text, client_id = caption_clean(item.text), client_id_clean(item.client_id)
                uploads[index] = file_clean(item.upload)
        except MessageRejected as refused:
            results[index] = refused
            continue
        clean.append((index, item, text, client_id))
    slow = [entry for entry in clean if entry[0] in uploads]
    steady = [entry for entry in clean if entry[0] not in uploads]
    if steady:
        try:
            slow += _store_steady(steady, results, on_events, on_sends)
        except Exception:
            logger.exception("batch of %d messages failed; storing them one by one", len(steady))
            slow += steady
            for index, *_ in steady:
                results[index] = None
    for index, item, text, client_id in sorted(slow, key=lambda entry: entry[0]):
        try:
            results[index] = _store_alone(item, text, client_id, uploads.get(index))
        except Exception as failure:
            results[index] = failure
    return [RuntimeError("not stored") if r is None else r for r in results]


def one(results: list[Result]) -> Stored:
    """The result of a batch of one: the stored message, or its exception raised."""
    (result,) = results
    if isinstance(result, BaseException):
        raise result
    return result


# --- the opening path: one message at a time, through the ORM ---------------------------


def _store_alone(
    item: Incoming, text: str, client_id: str | None, file: files.CleanFile | None
) -> Stored:
    """Stores one message in its own transaction (a savepoint inside a caller's)."""
    return store_once(
        lambda written: _store_opening(item, text, client_id, file, written),
        dialog_id=item.dialog_id,
        client_id=client_id,
    )


def store_once(
    store: Callable[[list[str]], Stored],
    *,
    dialog_id: int | Callable[[], int],
    client_id: str | None,
) -> Stored:
    """Runs ``store(written)`` in a transaction (a savepoint inside a caller's); files it
    wrote (``written``) are deleted if it does not commit. When a concurrent repeat of
    the same ``client_id`` won the insert, answers with that first message."""
    try:
        with files.files_removed_on_failure() as written, transaction.atomic():
            return store(written)
    except IntegrityError:
        dialog = dialog_id() if callable(dialog_id) else dialog_id
        existing = selectors.message_by_client_id(dialog_id=dialog, client_id=client_id)
        if existing is None:
            raise
        return Stored(existing, created=False)


def _store_opening(
    item: Incoming,
    text: str,
    client_id: str | None,
    file: files.CleanFile | None,
    written: list[str],
) -> Stored:
    # The dialog row lock serializes the writes of one conversation, so its session is
    # opened once and its messages keep their order.
    dialog = (
        Dialog.objects.select_for_update(of=("self",))
        .select_related("contact", "channel")
        .get(pk=item.dialog_id)
    )
    existing = selectors.message_by_client_id(dialog_id=dialog.pk, client_id=client_id)
    if existing is not None:
        return Stored(existing, created=False)
    session = sessions.session_current_or_open(dialog=dialog, at=timezone.now())
    message = Message.objects.create(
        dialog=dialog,
        session=session,
        sender_type=SenderType.CONTACT,
        sender_name=item.sender_name or dialog.contact.name,
        text=text,
        client_id=client_id,
    )
    stored_files = files.attachments_store(message=message, file=file, written=written)
    Dialog.objects.filter(pk=dialog.pk).update(last_message_at=message.created_at)
    Session.objects.filter(pk=session.pk).update(last_contact_message_at=message.created_at)
    session.last_contact_message_at = message.created_at
    message_received_emit(message)
    frame = payloads.message(message, attachments=stored_files)
    push_to_staff(session, {"type": "message.created", "message": frame})
    return Stored(message, created=True)


# --- the steady path: the batch in a few statements --------------------------------------


def _store_steady(
    clean: list[Clean],
    results: list[Result | None],
    on_events: Callable[[list[events.Event]], None] | None,
    on_sends: Callable[[Sends], None] | None = None,
) -> list[Clean]:
    """Stores the messages of dialogs that have an open session; fills ``results`` for
    them and returns the entries left to the opening path."""
    # Dialogs with a message lacking a client_id keep the per-message path for all their
    # messages of this batch (the insert matches rows back by client_id).
    no_client_id = {item.dialog_id for _, item, _, client_id in clean if client_id is None}
    candidates = [entry for entry in clean if entry[1].dialog_id not in no_client_id]
    slow = [entry for entry in clean if entry[1].dialog_id in no_client_id]
    if not candidates:
        return slow
    if connection.vendor == "postgresql":
        # one statement, its own transaction: one round trip for the whole batch
        return slow + _store_in_one_statement(candidates, results, on_events, on_sends)
    with transaction.atomic():
        state = _lock_dialogs(sorted({item.dialog_id for _, item, _, _ in candidates}))
        fast = [e for e in candidates if state.get(e[1].dialog_id, (None,))[0] is not None]
        slow += [e for e in candidates if state.get(e[1].dialog_id, (None,))[0] is None]
        if not fast:
            return slow
        now = timezone.now()
        first = _first_messages(fast, state, now)
        inserted = _insert_new(list(first.values()))
        new_dialogs = {dialog_id for dialog_id, _ in inserted}
        if new_dialogs:
            Dialog.objects.filter(pk__in=new_dialogs).update(last_message_at=now)
            Session.objects.filter(pk__in=[state[d][0] for d in new_dialogs]).update(
                last_contact_message_at=now
            )
        _conclude(fast, state, first, inserted, results, on_events, on_sends)
    return slow


def _first_messages(
    fast: list[Clean], state: dict[int, tuple[Any, ...]], now: Any
) -> dict[tuple[int, str | None], Message]:
    """One unsaved row per (dialog, client_id), the first occurrence, in batch order."""
    first: dict[tuple[int, str | None], Message] = {}
    for _, item, text, client_id in fast:
        key = (item.dialog_id, client_id)
        if key in first:
            continue
        session_id, contact_name, *_ = state[item.dialog_id]
        first[key] = message_row(
            dialog_id=item.dialog_id,
            session_id=session_id,
            sender_type=SenderType.CONTACT,
            sender_name=item.sender_name or contact_name,
            text=text,
            client_id=client_id,
            created_at=now,
        )
    return first


@functools.cache
def _message_defaults() -> tuple[dict[str, Any], tuple[Any, ...]]:
    """Message's field defaults: the plain values, and the fields whose default is made
    anew for each row (a callable)."""
    plain: dict[str, Any] = {}
    made: list[Any] = []
    for field in Message._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            made.append(field)
        else:
            plain[field.attname] = field.get_default()
    return plain, tuple(made)


def message_row(**values: Any) -> Message:
    """A ``Message`` with ``values`` (attnames) and every other field at its default, as
    the batch makes it to stand for a row it stored (the frames and results are made
    from it; ``pk`` is set once the row is in). The same object as ``Message(**values)``
    (tests/inbox/test_batching.py checks it) at a seventh of the CPU: Django's
    ``Model.__init__`` walks every field with its keyword arguments, about 20 µs per
    row in the writer's thread under load, which holds the GIL the sockets' loop needs."""
    plain, made = _message_defaults()
    message = Message.__new__(Message)
    attributes = message.__dict__
    attributes.update(plain)
    for field in made:
        attributes[field.attname] = field.default()
    attributes.update(values)
    message._state = ModelState()
    return message


def _conclude(
    fast: list[Clean],
    state: dict[int, tuple[Any, ...]],
    first: dict[tuple[int, str | None], Message],
    inserted: dict[tuple[int, str | None], int],
    results: list[Result | None],
    on_events: Callable[[list[events.Event]], None] | None,
    on_sends: Callable[[Sends], None] | None = None,
) -> None:
    """Results for the stored batch (a repeat answers with the first message), then,
    after commit, its frames in one broadcast and its events."""
    repeats = [key for key in first if key not in inserted]
    existing = _existing(repeats) if repeats else {}
    sends: Sends = []
    received: list[events.Event] = []
    for key, message in first.items():
        if key not in inserted:
            continue
        message.pk = inserted[key]
        message._state.adding = False
        session_id, _, operator_id, group_id, status = state[key[0]]
        frame = {"type": "message.created", "message": payloads.message(message, attachments=[])}
        sends.append((staff_groups(operator_id, group_id, status), frame))
        received.append(
            events.MessageReceived(
                message_id=message.pk,
                session_id=session_id,
                dialog_id=key[0],
                sender_type=SenderType.CONTACT,
            )
        )
    seen: set[tuple[int, str | None]] = set()
    for index, item, _, client_id in fast:
        key = (item.dialog_id, client_id)
        if key in inserted:
            results[index] = Stored(first[key], created=key not in seen)
        else:
            known = existing.get(key)
            if known is None:  # cannot happen: the conflict was on this very key
                raise RuntimeError(f"message {key} neither stored nor found")
            results[index] = Stored(known, created=False)
        seen.add(key)
    if sends and on_sends is not None:
        transaction.on_commit(lambda: on_sends(sends))
    elif sends:
        realtime.broadcast_batch(sends)  # at once when no transaction is open
    if on_events is None:
        for event in received:
            events.emit(event)
    elif received:
        transaction.on_commit(lambda: on_events(received))


# PostgreSQL: the dialogs locked in id order (the lock the per-message path takes, so a
# conversation's writes stay serialized across processes and its ids keep commit order),
# with their open session and contact name; the new rows inserted in batch order where
# a session is open (the unique constraint is the idempotency check); the dialogs' and
# sessions' times updated. Returns the dialogs' state, then the inserted rows. The
# lookups are written so that the plan is index probes per dialog whatever the tables'
# statistics say (a LATERAL ... LIMIT 1 on the one-open-session index, a scalar
# subquery per contact, = ANY(ARRAY(...)) for the updates): with hash joins over whole
# tables the statement cost a third more at 10 messages and grew with the tables.
STEADY_SQL = """
WITH d AS (
  SELECT d."id" AS dialog_id,
         (SELECT c."name" FROM "crm_contact" c WHERE c."id" = d."contact_id") AS contact_name,
         s."id" AS session_id, s."operator_id", s."group_id", s."status"
    FROM "inbox_dialog" d
    LEFT JOIN LATERAL (
      SELECT s."id", s."operator_id", s."group_id", s."status" FROM "inbox_session" s
       WHERE s."dialog_id" = d."id" AND s."status" <> %(closed)s
       LIMIT 1
    ) s ON true
   WHERE d."id" = ANY(%(dialogs)s::bigint[])
   ORDER BY d."id"
     FOR UPDATE OF d
), r AS (
  SELECT (e->>0)::bigint AS dialog_id, e->>1 AS text, (e->>2)::varchar AS client_id,
         (e->>3)::varchar AS sender_name, n
    FROM json_array_elements(%(rows)s::json) WITH ORDINALITY AS r(e, n)
), ins AS (
  INSERT INTO "inbox_message" ("dialog_id", "session_id", "sender_type", "sender_name",
                               "text", "client_id", "internal", "created_at")
  SELECT r.dialog_id, d.session_id, %(contact)s,
         COALESCE(NULLIF(r.sender_name, ''), d.contact_name), r.text, r.client_id, false,
         %(now)s
    FROM r JOIN d ON d.dialog_id = r.dialog_id
   WHERE d.session_id IS NOT NULL
   ORDER BY r.n
  ON CONFLICT ("dialog_id", "client_id") WHERE "client_id" IS NOT NULL DO NOTHING
  RETURNING "id", "dialog_id", "client_id", "session_id"
), ud AS (
  UPDATE "inbox_dialog" SET "last_message_at" = %(now)s
   WHERE "id" = ANY(ARRAY(SELECT "dialog_id" FROM ins))
), us AS (
  UPDATE "inbox_session" SET "last_contact_message_at" = %(now)s
   WHERE "id" = ANY(ARRAY(SELECT "session_id" FROM ins))
)
SELECT false, dialog_id, session_id, contact_name, operator_id, group_id, status FROM d
UNION ALL
SELECT true, dialog_id, id, client_id, NULL, NULL, NULL FROM ins
"""


def _store_in_one_statement(
    candidates: list[Clean],
    results: list[Result | None],
    on_events: Callable[[list[events.Event]], None] | None,
    on_sends: Callable[[Sends], None] | None,
) -> list[Clean]:
    now = timezone.now()
    rows: dict[tuple[int, str], tuple[Incoming, str]] = {}
    for _, item, text, client_id in candidates:
        rows.setdefault((item.dialog_id, client_id or ""), (item, text))
    params: dict[str, Any] = {
        "closed": SessionStatus.CLOSED,
        "dialogs": sorted({dialog_id for dialog_id, _ in rows}),
        # the rows as one JSON array (one C call here, one parse there) instead of four
        # arrays that psycopg dumps element by element in Python
        "rows": json.dumps(
            [
                [dialog_id, text, client_id, item.sender_name]
                for (dialog_id, client_id), (item, text) in rows.items()
            ],
            ensure_ascii=False,
        ),
        "contact": SenderType.CONTACT,
        "now": now,
    }
    state: dict[int, tuple[Any, ...]] = {}
    inserted: dict[tuple[int, str | None], int] = {}
    # inside a caller's transaction, a savepoint, so that a failure leaves it usable
    # for the retry message by message
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with guard:
        answer = sql_arrays.prepared_fetchall(STEADY_SQL, params)
    for is_row, dialog_id, pk, name_or_client_id, operator_id, group_id, status in answer:
        if is_row:
            inserted[(dialog_id, name_or_client_id)] = pk
        else:
            state.setdefault(dialog_id, (pk, name_or_client_id, operator_id, group_id, status))
    fast = [e for e in candidates if state.get(e[1].dialog_id, (None,))[0] is not None]
    slow = [e for e in candidates if state.get(e[1].dialog_id, (None,))[0] is None]
    if fast:
        first = _first_messages(fast, state, now)
        _conclude(fast, state, first, inserted, results, on_events, on_sends)
    return slow


def _lock_dialogs(dialog_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Locks the dialogs (in id order, so two batches never deadlock) and returns, per
    dialog, (open session id or None, contact name, operator id, group id, status)."""
    dialog, session, contact = Dialog._meta.db_table, Session._meta.db_table, Contact._meta.db_table
    marks = ", ".join(["%s"] * len(dialog_ids))
    lock = " FOR UPDATE OF d" if connection.features.has_select_for_update_of else ""
    sql = (
        f'SELECT d."id", c."name", s."id", s."operator_id", s."group_id", s."status" '
        f'FROM "{dialog}" d INNER JOIN "{contact}" c ON c."id" = d."contact_id" '
        f'LEFT OUTER JOIN "{session}" s ON s."dialog_id" = d."id" AND s."status" <> %s '
        f'WHERE d."id" IN ({marks}) ORDER BY d."id", s."id" DESC{lock}'
    )
    state: dict[int, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [SessionStatus.CLOSED, *dialog_ids])
        for dialog_id, name, session_id, operator_id, group_id, status in cursor.fetchall():
            state.setdefault(dialog_id, (session_id, name, operator_id, group_id, status))
    return state


_INSERT_FIELDS = [f for f in Message._meta.concrete_fields if not f.primary_key]


def _insert_new(messages: list[Message]) -> dict[tuple[int, str | None], int]:
    """Inserts the rows whose (dialog, client_id) is new, in the order given (so ids
    follow it); returns their ids by key. On PostgreSQL the rows travel as one array per
    column (a statement of fixed size whatever the batch), elsewhere as VALUES."""
    table = Message._meta.db_table
    columns = ", ".join(f'"{f.column}"' for f in _INSERT_FIELDS)
    values = [
        [f.get_db_prep_save(getattr(message, f.attname), connection) for message in messages]
        for f in _INSERT_FIELDS
    ]
    if connection.vendor == "postgresql":
        source = sql_arrays.unnest_select(
            Message, [str(f.column) for f in _INSERT_FIELDS], ordered=True
        )
        params: list[Any] = values
    else:
        source = sql_arrays.values_source(len(_INSERT_FIELDS), len(messages))
        params = [column[i] for i in range(len(messages)) for column in values]
    sql = (
        f'INSERT INTO "{table}" ({columns}) {source} '
        f'ON CONFLICT ("dialog_id", "client_id") WHERE "client_id" IS NOT NULL DO NOTHING '
        f'RETURNING "id", "dialog_id", "client_id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(dialog_id, client_id): pk for pk, dialog_id, client_id in cursor.fetchall()}


def _existing(keys: list[tuple[int, str | None]]) -> dict[tuple[int, str | None], Message]:
    found: dict[tuple[int, str | None], Message] = {}
    dialogs = {d for d, _ in keys}
    client_ids = {c for _, c in keys}
    wanted = set(keys)
    for message in Message.objects.filter(dialog_id__in=dialogs, client_id__in=client_ids):
        key = (message.dialog_id, message.client_id)
        if key in wanted:
            found[key] = message
    return found
