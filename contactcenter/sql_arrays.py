"""Rows written as one array per column (PostgreSQL): ``INSERT ... SELECT FROM
unnest(...)`` is one statement of a fixed size whatever the number of rows, where
Django's ``bulk_create`` compiles a placeholder for every value (most of the CPU of a
batch of hundreds of rows). Used by the message writer's batch, the prompter's
suggestions and the reports' facts and rollups. Other databases get the rows as one
``VALUES`` list of placeholders (``values_source``). ``prepared_fetchall`` runs a
statement prepared, its values bound by the server (the writer's and the prompter's
batches, whose rows travel as one JSON parameter)."""

from __future__ import annotations

import time
from typing import Any, cast

import psycopg
from django.db import connection
from django.db.models import Model


def unnest_select(model: type[Model], columns: list[str], *, ordered: bool = False) -> str:
    """``SELECT`` of ``model``'s ``columns`` from one typed array parameter a column (the
    caller passes one list a column, in ``columns``' order). ``ordered``: the rows come
    out in the arrays' order (an insert then draws its ids in that order)."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    arrays = ", ".join(f"%s::{fields[column].db_type(connection)}[]" for column in columns)
    if not ordered:
        return f"SELECT * FROM unnest({arrays})"
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    return f"SELECT {names} FROM unnest({arrays}) WITH ORDINALITY AS r({names}, n) ORDER BY n"


def values_source(columns: int, rows: int) -> str:
    """``VALUES (%s, ...), ...``: ``rows`` rows of ``columns`` placeholders (the caller
    passes the values row by row), where there are no arrays to unnest."""
    row = "(" + ", ".join(["%s"] * columns) + ")"
    return "VALUES " + ", ".join([row] * rows)


class _Prepared(psycopg.Cursor[tuple[Any, ...]]):
    """psycopg's cursor that binds on the server, preparing every statement it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)


def prepared_fetchall(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Runs ``sql`` (PostgreSQL, ``%(name)s`` placeholders) as a prepared statement with
    parameters bound by the server, and returns its rows. Django's PostgreSQL cursors
    bind on the client (each value quoted into the text of the statement, arrays element
    by element, in Python) and never prepare, so a batch statement cost the quoting of
    every text of the batch and PostgreSQL a parse and a plan of the whole statement per
    batch. psycopg prepares it once per connection here and sends the values apart from
    it (see docs/benchmarks.md, "Messaging", issue 18). The cursor is wrapped as
    Django wraps its own: errors are Django's, the connection's execute wrappers run, and
    where queries are logged (DEBUG, tests' ``CaptureQueriesContext``) the statement is
    logged with its ``%(name)s`` placeholders."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None), and with it ``prepare=True``. Its
        # own cursors bind on the client and never prepare whatever this says; a
        # threshold no query reaches leaves every other statement unprepared.
        raw.prepare_threshold = 2**31 - 1
    connection.validate_thread_sharing()
    started = time.monotonic()
    try:
        with connection.make_cursor(cast(Any, _Prepared(raw))) as cursor:  # stubs: a wrapper
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    finally:
        if connection.queries_logged:  # as Django's debug cursor logs (it would log None)
            took = time.monotonic() - started
            connection.queries_log.append({"sql": sql.strip(), "time": f"{took:.3f}"})
