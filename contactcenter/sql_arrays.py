"""Rows written as one array per column (PostgreSQL): ``INSERT ... SELECT FROM
unnest(...)`` is one statement of a fixed size whatever the number of rows, where
Django's ``bulk_create`` compiles a placeholder for every value (most of the CPU of a
batch of hundreds of rows). Used by the message writer's batch, the prompter's
suggestions and the reports' facts and rollups. Other databases get the rows as one
``VALUES`` list of placeholders (``values_source``)."""

from __future__ import annotations

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
