"""Customers' messages as their translation reads and writes them
(``translations.contact_messages_translate``): plain values, not model rows, and on
PostgreSQL a prepared statement each for the batch's read, its write and the read of who
watches its sessions (the ORM compiled the read with its four joins for every batch of
the translation thread, which shares the GIL with the sockets' loop)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from contactcenter import sql_arrays
from inbox.models import Channel, Dialog, Message, SenderType, Session


@dataclass(slots=True)
class Incoming:
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


INCOMING_FIELDS = (
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
)


_M, _D, _C = Message._meta.db_table, Dialog._meta.db_table, Channel._meta.db_table
_S = Session._meta.db_table
_O = Session._meta.get_field("operator").related_model._meta.db_table
# ``INCOMING_FIELDS`` in one prepared statement (PostgreSQL): the ORM compiled the query
# with its four joins for every batch of the translation thread, which shares the GIL
# with the sockets' loop. Of the channel's config only whether translation is off.
INCOMING_SQL = f"""
SELECT m."id", m."dialog_id", m."session_id", m."client_id", m."text", m."language",
       m."translations"::text, m."translation_status", d."language", d."language_fixed",
       c."type", COALESCE(c."config" -> 'translation' = 'false'::jsonb, false),
       o."language"
  FROM "{_M}" m JOIN "{_D}" d ON d."id" = m."dialog_id" JOIN "{_C}" c ON c."id" = d."channel_id"
  LEFT JOIN "{_S}" s ON s."id" = m."session_id" LEFT JOIN "{_O}" o ON o."id" = s."operator_id"
 WHERE m."id" = ANY(%(ids)s::bigint[]) AND m."sender_type" = %(contact)s AND NOT m."internal"
"""


def incoming_rows(message_ids: list[int]) -> list[Incoming]:
    """The contact messages of ``message_ids`` as their translation needs them."""
    if connection.vendor != "postgresql":
        return [
            Incoming(*values)
            for values in Message.objects.filter(
                pk__in=message_ids, sender_type=SenderType.CONTACT, internal=False
            ).values_list(*INCOMING_FIELDS)
        ]
    found = sql_arrays.prepared_fetchall(
        INCOMING_SQL, {"ids": list(message_ids), "contact": SenderType.CONTACT.value}
    )
    return [
        Incoming(
            id=row[0],
            dialog_id=row[1],
            session_id=row[2],
            client_id=row[3],
            text=row[4],
            language=row[5],
            translations=json.loads(row[6]) if row[6] is not None else None,
            status=row[7],
            dialog_language=row[8],
            dialog_fixed=row[9],
            channel_type=row[10],
            channel_config=_TRANSLATION_OFF if row[11] else None,
            operator_language=row[12],
        )
        for row in found
    ]


_TRANSLATION_OFF = {"translation": False}


_UPDATE_SQL = (
    f'UPDATE "{Message._meta.db_table}" SET "language" = %s, "translations" = %s, '
    '"translation_status" = %s WHERE "id" = %s'
)

# PostgreSQL: the batch's rows as one JSON parameter, in one prepared statement
STORE_SQL = f"""
WITH r AS (
  SELECT (e->>0)::bigint AS id, (e->>1)::varchar AS language,
         CASE json_typeof(e->2) WHEN 'null' THEN NULL ELSE (e->2)::jsonb END AS translations,
         (e->>3)::varchar AS status
    FROM json_array_elements(%(rows)s::json) AS r(e)
)
UPDATE "{_M}" m SET "language" = r.language, "translations" = r.translations,
       "translation_status" = r.status
  FROM r WHERE m."id" = r.id
RETURNING m."id"
"""
WATCHING_SQL = f"""
SELECT "id", "operator_id", "group_id", "status" FROM "{_S}" WHERE "id" = ANY(%(ids)s::bigint[])
"""


def rows_write(rows: list[Incoming]) -> None:
    """The rows' language, translations and status, in one round trip and transaction."""
    if connection.vendor == "postgresql":
        data = [[r.id, r.language, r.translations, r.status] for r in rows]
        sql_arrays.prepared_fetchall(STORE_SQL, {"rows": json.dumps(data, ensure_ascii=False)})
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


def watching(session_ids: set[int]) -> dict[int, tuple[int | None, int | None, str]]:
    """(operator, group, status) of each session, read now."""
    if not session_ids:
        return {}
    if connection.vendor == "postgresql":
        found = sql_arrays.prepared_fetchall(WATCHING_SQL, {"ids": sorted(session_ids)})
    else:
        found = list(
            Session.objects.filter(pk__in=session_ids).values_list(
                "pk", "operator_id", "group_id", "status"
            )
        )
    return {pk: (operator_id, group_id, status) for pk, operator_id, group_id, status in found}
