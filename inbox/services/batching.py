"""Incoming contact messages stored many at a time: the widget socket's hot path.

``contact_messages_receive(batch)`` has the same outcome, message by message, as calling
``conversations.contact_message_receive`` for each item in order, at a few statements
per batch instead of several per message:

* The dialogs of the batch are locked in id order (the same row lock the per-message
  path takes, so writes of one conversation stay serialized across processes and their
  ids keep commit order), and their open sessions and contact names are read in the
  same statement.
* Messages of dialogs with an open session (the steady state) are inserted in one
  ``INSERT ... ON CONFLICT (dialog_id, client_id) DO NOTHING RETURNING``: the unique
  constraint is the idempotency check, a row not returned is a repeat and answers with
  the first message. Repeats inside the batch resolve to the first occurrence.
* Dialogs with no open session (a first message opens one and routing reacts), and
  messages without a ``client_id``, go through the per-message path, in order.
* After commit: one broadcast call for the whole batch (``realtime.broadcast_batch``)
  and a ``MessageReceived`` per new message, as before (or handed over in one list, see
  ``on_events``).

If the batch's transaction fails, each of its messages is retried alone through the
per-message path, so one bad message costs only its own sender an error.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from contactcenter import events, realtime
from crm.models import Contact
from inbox import payloads
from inbox.models import Dialog, Message, SenderType, Session, SessionStatus
from inbox.services import conversations
from inbox.services.conversations import MessageRejected, Stored

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message from a dialog's contact, as a socket received it (not yet cleaned)."""

    dialog_id: int
    text: Any
    client_id: Any = None
    sender_name: str = ""


# One result per item: the stored message, or the exception the per-message path would
# have raised for it (``MessageRejected`` for bad input, anything else for a failure).
Result = Stored | BaseException


Sends = list[tuple[list[str], dict[str, Any]]]


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
    clean: list[tuple[int, Incoming, str, str | None]] = []
    for index, item in enumerate(batch):
        try:
            text = conversations._clean_text(item.text)
            client_id = conversations._clean_client_id(item.client_id)
        except MessageRejected as refused:
            results[index] = refused
            continue
        clean.append((index, item, text, client_id))
    slow: list[int] = []
    if clean:
        try:
            slow = _store_steady(clean, results, on_events, on_sends)
        except Exception:
            logger.exception("batch of %d messages failed; storing them one by one", len(clean))
            slow = [index for index, *_ in clean]
            for index in slow:
                results[index] = None
    for index in slow:
        item = batch[index]
        try:
            results[index] = conversations.contact_message_receive(
                dialog_id=item.dialog_id,
                text=item.text,
                client_id=item.client_id,
                sender_name=item.sender_name,
            )
        except Exception as failure:
            results[index] = failure
    return results  # type: ignore[return-value]


def _store_steady(
    clean: list[tuple[int, Incoming, str, str | None]],
    results: list[Result | None],
    on_events: Callable[[list[events.Event]], None] | None,
    on_sends: Callable[[Sends], None] | None = None,
) -> list[int]:
    """Stores the messages of dialogs that have an open session; fills ``results`` for
    them and returns the indexes left to the per-message path."""
    # Dialogs with a message lacking a client_id keep the per-message path for all their
    # messages of this batch (the insert matches rows back by client_id).
    no_client_id = {item.dialog_id for _, item, _, client_id in clean if client_id is None}
    candidates = [entry for entry in clean if entry[1].dialog_id not in no_client_id]
    slow = [index for index, item, _, _ in clean if item.dialog_id in no_client_id]
    if not candidates:
        return slow
    if connection.vendor == "postgresql":
        # one statement, its own transaction: one round trip for the whole batch
        return slow + _store_in_one_statement(candidates, results, on_events, on_sends)
    with transaction.atomic():
        state = _lock_dialogs(sorted({item.dialog_id for _, item, _, _ in candidates}))
        fast = [e for e in candidates if state.get(e[1].dialog_id, (None,))[0] is not None]
        slow += [e[0] for e in candidates if state.get(e[1].dialog_id, (None,))[0] is None]
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
    fast: list[tuple[int, Incoming, str, Any]], state: dict[int, tuple[Any, ...]], now: Any
) -> dict[tuple[int, str], Message]:
    """One unsaved row per (dialog, client_id), the first occurrence, in batch order."""
    first: dict[tuple[int, str], Message] = {}
    for _, item, text, client_id in fast:
        key = (item.dialog_id, client_id)
        if key in first:
            continue
        session_id, contact_name, *_ = state[item.dialog_id]
        first[key] = Message(
            dialog_id=item.dialog_id,
            session_id=session_id,
            sender_type=SenderType.CONTACT,
            sender_name=item.sender_name or contact_name,
            text=text,
            client_id=client_id,
            created_at=now,
        )
    return first


def _conclude(
    fast: list[tuple[int, Incoming, str, Any]],
    state: dict[int, tuple[Any, ...]],
    first: dict[tuple[int, str], Message],
    inserted: dict[tuple[int, str], int],
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
        sends.append((_staff_groups(operator_id, group_id, status), frame))
        received.append(
            events.MessageReceived(
                message_id=message.pk,
                session_id=session_id,
                dialog_id=key[0],
                sender_type=SenderType.CONTACT,
            )
        )
    seen: set[tuple[int, str]] = set()
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
  SELECT * FROM unnest(%(r_dialogs)s::bigint[], %(r_texts)s::text[],
                       %(r_client_ids)s::varchar[], %(r_names)s::varchar[])
         WITH ORDINALITY AS r(dialog_id, text, client_id, sender_name, n)
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
    candidates: list[tuple[int, Incoming, str, str | None]],
    results: list[Result | None],
    on_events: Callable[[list[events.Event]], None] | None,
    on_sends: Callable[[Sends], None] | None,
) -> list[int]:
    now = timezone.now()
    rows: dict[tuple[int, str], tuple[Incoming, str]] = {}
    for _, item, text, client_id in candidates:
        rows.setdefault((item.dialog_id, client_id), (item, text))  # type: ignore[arg-type]
    params = {
        "closed": SessionStatus.CLOSED,
        "dialogs": sorted({dialog_id for dialog_id, _ in rows}),
        "r_dialogs": [dialog_id for dialog_id, _ in rows],
        "r_texts": [text for _, text in rows.values()],
        "r_client_ids": [client_id for _, client_id in rows],
        "r_names": [item.sender_name for item, _ in rows.values()],
        "contact": SenderType.CONTACT,
        "now": now,
    }
    state: dict[int, tuple[Any, ...]] = {}
    inserted: dict[tuple[int, str], int] = {}
    # inside a caller's transaction, a savepoint, so that a failure leaves it usable
    # for the retry message by message
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with guard, connection.cursor() as cursor:
        cursor.execute(STEADY_SQL, params)
        for (
            is_row,
            dialog_id,
            pk,
            name_or_client_id,
            operator_id,
            group_id,
            status,
        ) in cursor.fetchall():
            if is_row:
                inserted[(dialog_id, name_or_client_id)] = pk
            else:
                state.setdefault(dialog_id, (pk, name_or_client_id, operator_id, group_id, status))
    fast = [e for e in candidates if state.get(e[1].dialog_id, (None,))[0] is not None]
    slow = [e[0] for e in candidates if state.get(e[1].dialog_id, (None,))[0] is None]
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


def _insert_new(messages: list[Message]) -> dict[tuple[int, str], int]:
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
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in _INSERT_FIELDS)
        source = (
            f"SELECT {columns} FROM unnest({arrays}) WITH ORDINALITY AS r({columns}, n) ORDER BY n"
        )
        params: list[Any] = values
    else:
        row = "(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"
        source = "VALUES " + ", ".join([row] * len(messages))
        params = [column[i] for i in range(len(messages)) for column in values]
    sql = (
        f'INSERT INTO "{table}" ({columns}) {source} '
        f'ON CONFLICT ("dialog_id", "client_id") WHERE "client_id" IS NOT NULL DO NOTHING '
        f'RETURNING "id", "dialog_id", "client_id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(dialog_id, client_id): pk for pk, dialog_id, client_id in cursor.fetchall()}


def _existing(keys: list[tuple[int, str]]) -> dict[tuple[int, str], Message]:
    found: dict[tuple[int, str], Message] = {}
    dialogs = {d for d, _ in keys}
    client_ids = {c for _, c in keys}
    wanted = set(keys)
    for message in Message.objects.filter(dialog_id__in=dialogs, client_id__in=client_ids):
        key = (message.dialog_id, message.client_id)
        if key in wanted:
            found[key] = message
    return found


def _staff_groups(operator_id: int | None, group_id: int | None, status: str) -> list[str]:
    """The groups ``conversations._push_to_staff`` sends a session's frames to."""
    groups = []
    if operator_id:
        groups.append(realtime.operator_group(operator_id))
    if group_id:
        groups.append(realtime.supervisor_group(group_id))
        if status == SessionStatus.QUEUED:
            groups.append(realtime.queue_group(group_id))
    return groups
