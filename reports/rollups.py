"""The reports' rollups (``reports.rollup_models``), written with the facts.

Whenever a conversation's figures change, ``fact_changed`` takes its old contribution
off the rows it counted in and adds its new one, in the caller's transaction: one
``INSERT ... ON CONFLICT DO UPDATE`` of increments per table touched (PostgreSQL and
SQLite share the syntax). A change that moves nothing writes nothing, so a repeated
event costs no write. ``rollups_rebuild`` recomputes them from the facts in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round, TruncDate, TruncHour, TruncMonth
from django.utils import timezone

from contactcenter import sql_arrays
from reports.models import ConversationFact
from reports.rollup_models import (
    SUM_FIELDS,
    DayBucket,
    DayRollup,
    HourBucket,
    HourRollup,
    HourTotal,
)

# the fact's fields a contribution reads
FACT_FIELDS = (
    "started_at",
    "group_id",
    "operator_id",
    "channel_id",
    "answered",
    "abandoned",
    "abandoned_late",
    "abandoned_late_bh",
    "on_target",
    "on_target_bh",
    "waits",
    "wait_s",
    "wait_bh_s",
    "first_response_s",
    "first_response_bh_s",
    "fr_bucket_s",
    "fr_bucket_bh_s",
    "handled",
    "handle_s",
    "handle_bh_s",
    "rating",
    "bot",
    "bot_resolved",
    "bot_handoff",
    "transfers",
)
DAY_KEYS = ("grain", "day", "group_id", "operator_id", "channel_id")
HOUR_KEYS = ("hour", "group_id", "channel_id")
Deltas = dict[tuple[Any, ...], list[int]]


def snapshot(fact: ConversationFact | None) -> dict[str, Any] | None:
    """What a contribution needs of a fact, copied before the fact changes."""
    return None if fact is None else {name: getattr(fact, name) for name in FACT_FIELDS}


def _us(seconds: float | None) -> int:
    return round((seconds or 0) * 1_000_000)


def _sums(f: dict[str, Any]) -> list[int]:
    """The additive figures of one conversation, in ``SUM_FIELDS`` order."""
    answered, rating = bool(f["answered"]), f["rating"]
    return [
        1,
        int(answered),
        int(f["abandoned"]),
        int(f["abandoned_late"]),
        int(f["abandoned_late_bh"]),
        int(answered and f["on_target"]),
        int(answered and f["on_target_bh"]),
        f["waits"],
        _us(f["wait_s"]),
        f["wait_bh_s"],
        _us(f["first_response_s"]),
        f["first_response_bh_s"] or 0,
        int(f["handled"]),
        _us(f["handle_s"]),
        f["handle_bh_s"],
        int(rating is not None),
        rating or 0,
        int(rating is not None and rating >= 4),
        int(f["bot"]),
        int(f["bot_resolved"]),
        int(f["bot_handoff"]),
        f["transfers"],
    ]


def day_of(moment: dt.datetime) -> dt.date:
    """The rollup day of a start: its date in the server's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def hour_of(moment: dt.datetime) -> dt.datetime:
    """The rollup hour of a start: the UTC hour."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _add(deltas: Deltas, key: tuple[Any, ...], values: list[int], sign: int) -> None:
    row = deltas.setdefault(key, [0] * len(values))
    for i, value in enumerate(values):
        row[i] += sign * value


def _contribute(tables: dict[str, Deltas], f: dict[str, Any], sign: int) -> None:
    day, hour = day_of(f["started_at"]), hour_of(f["started_at"])
    group, operator, channel = f["group_id"] or 0, f["operator_id"] or 0, f["channel_id"] or 0
    sums = _sums(f)
    periods = (("d", day), ("m", day.replace(day=1)))
    for grain, start in periods:
        _add(tables["day"], (grain, start, group, operator, channel), sums, sign)
    _add(tables["hour"], (hour, group, channel), sums, sign)
    _add(tables["hour_total"], (hour,), sums, sign)
    if not f["answered"] or f["fr_bucket_s"] is None:
        return
    for business, bucket in ((False, f["fr_bucket_s"]), (True, f["fr_bucket_bh_s"])):
        for grain, start in periods:
            key = (business, grain, start, group, operator, channel, bucket)
            _add(tables["day_bucket"], key, [1], sign)
        _add(tables["hour_bucket"], (business, hour, group, channel, bucket), [1], sign)


TABLES: dict[str, tuple[type[Model], tuple[str, ...], tuple[str, ...]]] = {
    "day": (DayRollup, DAY_KEYS, SUM_FIELDS),
    "hour": (HourRollup, HOUR_KEYS, SUM_FIELDS),
    "hour_total": (HourTotal, ("hour",), SUM_FIELDS),
    "day_bucket": (DayBucket, ("business", *DAY_KEYS, "bucket"), ("n",)),
    "hour_bucket": (HourBucket, ("business", *HOUR_KEYS, "bucket"), ("n",)),
}


Statement = tuple[str, list[Any]]


def deltas_new() -> dict[str, Deltas]:
    """Empty deltas for every rollup table (``contribution_move`` adds to them)."""
    return {name: {} for name in TABLES}


def contribution_move(
    tables: dict[str, Deltas], old: dict[str, Any] | None, new: dict[str, Any] | None
) -> None:
    """Adds to ``tables`` what moving a conversation from ``old`` to ``new`` changes
    (snapshots; None: not counted). Deltas of many conversations add up per key."""
    if old is not None:
        _contribute(tables, old, -1)
    if new is not None:
        _contribute(tables, new, +1)


def fact_changed(
    old: dict[str, Any] | None, new: dict[str, Any] | None, *, with_: list[Statement] | None = None
) -> int:
    """Moves a conversation's contribution from ``old`` to ``new`` (snapshots; None: not
    counted), together with the statements ``with_`` (the fact's own write), as one
    statement on PostgreSQL; then, when the histogram of an hour changed, that hour's
    median and p90 (``HourTotal``) in a second one. Returns how many statements there
    were (0: none ran)."""
    tables = deltas_new()
    contribution_move(tables, old, new)
    return deltas_write(tables, with_=with_)


def deltas_write(tables: dict[str, Deltas], *, with_: list[Statement] | None = None) -> int:
    """Writes summed deltas (see ``fact_changed``). Each table's rows are written in the
    order of their keys and the tables always in the same order, so that writers
    running at once lock the rows they share in one order (no deadlock between them)."""
    statements = list(with_ or [])
    moved = sorted({key[1] for key, values in tables["hour_bucket"].items() if any(values)})
    for name, deltas in tables.items():
        # an hour whose histogram moved gets its total's row written (and so locked)
        # even when its sums did not move: its percentiles are recomputed next
        keep = set() if name != "hour_total" else {(hour,) for hour in moved}
        rows = sorted((key, values) for key, values in deltas.items() if any(values) or key in keep)
        if rows:
            model, keys, columns = TABLES[name]
            statements.append(_upsert(model, keys, columns, rows))
    statements_run(statements)
    if moved:
        percentiles_refresh(Q(hour__in=moved))
    return len(statements) + bool(moved)


def statements_run(statements: list[Statement]) -> None:
    """Runs writes to different tables: on PostgreSQL as one statement (all but the last
    as data-modifying ``WITH`` parts: one round trip), elsewhere one after the other."""
    if not statements:
        return
    if connection.vendor == "postgresql" and len(statements) > 1:
        *parts, (last, _) = statements
        sql = "WITH " + ", ".join(f"w{i} AS ({part})" for i, (part, _) in enumerate(parts))
        statements = [(f"{sql} {last}", [p for _, params in statements for p in params])]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _adapt(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _upsert(
    model: type[Model],
    keys: tuple[str, ...],
    columns: tuple[str, ...],
    rows: list[tuple[tuple[Any, ...], list[int]]],
) -> Statement:
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ", ".join(q(c) for c in (*keys, *columns))
    increments = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in columns)
    conflict = f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {increments}"
    if connection.vendor == "postgresql" and len(rows) > 1:
        # one array a column: the statement's text and plan do not grow with the rows
        source, params = arrays_select(model, [*keys, *columns], [(*k, *v) for k, v in rows])
        return f"INSERT INTO {table} ({names}) {source} {conflict}", params
    source = sql_arrays.values_source(len(keys) + len(columns), len(rows))
    sql = f"INSERT INTO {table} ({names}) {source} {conflict}"
    return sql, [_adapt(v) for key, values in rows for v in (*key, *values)]


def arrays_select(
    model: type[Model], names: list[str], rows: list[tuple[Any, ...]]
) -> tuple[str, list[Any]]:
    """PostgreSQL: ``SELECT * FROM unnest(<one typed array per column>)``, the rows'
    values passed as one array parameter a column, in the rows' order (the order their
    upserts lock rows in). Values are as the driver takes them (numbers, strings,
    booleans, dates, aware datetimes, None): no field's preparation runs, a batch of
    hundreds of rows has tens of thousands of values."""
    params = [list(column) for column in zip(*rows, strict=True)]
    return sql_arrays.unnest_select(model, names), params


PERCENTILES = {
    "fr_p50": (False, 50),
    "fr_p90": (False, 90),
    "fr_bh_p50": (True, 50),
    "fr_bh_p90": (True, 90),
}


def percentiles_refresh(hours: Q) -> None:
    """Recomputes ``HourTotal``'s median and p90 of the ``hours`` from the hourly
    histogram, by nearest rank as the reports do (``reports.selectors``): the upper edge
    of the bucket that holds the ``ceil(share * n)``-th smallest first response. It
    runs after the histogram's write and reads it in a statement of its own, so it sees
    every change committed to the hour before its row's lock was taken."""
    q = connection.ops.quote_name
    total, buckets = q(HourTotal._meta.db_table), q(HourBucket._meta.db_table)
    parts, params = [], []
    for column, (business, share) in PERCENTILES.items():
        parts.append(
            f"""{q(column)} = (SELECT MIN(b) FROM (SELECT b,
                SUM(n) OVER (ORDER BY b) AS cum, SUM(n) OVER () AS whole
                FROM (SELECT {q("bucket")} AS b, SUM({q("n")}) AS n FROM {buckets}
                    WHERE {q("business")} = %s AND {buckets}.{q("hour")} = {total}.{q("hour")}
                    GROUP BY {q("bucket")} HAVING SUM({q("n")}) > 0) AS histogram
                ) AS ranked WHERE 100 * cum >= {share} * whole)"""
        )
        params.append(business)
    rows = HourTotal.objects.filter(hours).values("pk")
    inner, more = rows.query.sql_with_params()
    sql = f"UPDATE {total} SET {', '.join(parts)} WHERE {q('id')} IN ({inner})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *more])


# --- rebuild -----------------------------------------------------------------------


def _total(expression: Any) -> Any:
    return Coalesce(Sum(expression), 0, output_field=BigIntegerField())


def _micro(field: str) -> Any:
    return _total(Cast(Round(F(field) * 1_000_000), BigIntegerField()))


def _sum_aggregates() -> dict[str, Any]:
    """The ``SUM_FIELDS`` as aggregates over facts (named ``s_<field>``)."""
    count = {
        "answered": Q(answered=True),
        "abandoned": Q(abandoned=True),
        "abandoned_late": Q(abandoned_late=True),
        "abandoned_late_bh": Q(abandoned_late_bh=True),
        "on_target": Q(answered=True, on_target=True),
        "on_target_bh": Q(answered=True, on_target_bh=True),
        "handled": Q(handled=True),
        "csat_good": Q(rating__gte=4),
        "bot": Q(bot=True),
        "bot_resolved": Q(bot_resolved=True),
        "bot_handoffs": Q(bot_handoff=True),
    }
    out: dict[str, Any] = {"s_sessions": Count("id")}
    out |= {f"s_{name}": Count("id", filter=condition) for name, condition in count.items()}
    out |= {
        "s_waits": _total("waits"),
        "s_wait_us": _micro("wait_s"),
        "s_wait_bh_s": _total("wait_bh_s"),
        "s_first_us": _micro("first_response_s"),
        "s_first_bh_s": _total("first_response_bh_s"),
        "s_handle_us": _micro("handle_s"),
        "s_handle_bh_s": _total("handle_bh_s"),
        "s_csat_count": Count("rating"),
        "s_csat_total": _total("rating"),
        "s_transfers": _total("transfers"),
    }
    return out


def _keys(grain: str) -> dict[str, Any]:
    dims = {
        "k_group_id": Coalesce("group_id", 0),
        "k_operator_id": Coalesce("operator_id", 0),
        "k_channel_id": Coalesce("channel_id", 0),
    }
    if grain == "hour":
        dims.pop("k_operator_id")
        return {"k_hour": TruncHour("started_at", tzinfo=dt.UTC)} | dims
    day = TruncDate("started_at", tzinfo=timezone.get_default_timezone())
    start = day if grain == "d" else TruncMonth(day)
    return {"k_grain": Value(grain), "k_day": start} | dims


def _insert_select(
    model: type[Model], columns: Iterable[str], select: QuerySet[Any], lead: list[Any]
) -> None:
    """``INSERT INTO model (columns) SELECT <lead params>, <the query's columns>``."""
    q = connection.ops.quote_name
    inner, params = select.query.sql_with_params()
    names = list(columns)
    picked = ", ".join(["%s"] * len(lead) + [q(f"k_{c}") for c in names[len(lead) :]])
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in names)}) "
        f"SELECT {picked} FROM ({inner}) AS grouped"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*lead, *params])


def _rebuild_grain(grain: str, facts: QuerySet[ConversationFact]) -> None:
    """One grain: "d" (days) and "m" (months) of the daily tables, or "hour"."""
    name = "hour" if grain == "hour" else "day"
    rollup, keys_, _columns = TABLES[name]
    keys = _keys(grain)
    sums = {f"k_{field}": F(f"s_{field}") for field in SUM_FIELDS}
    grouped = facts.annotate(**keys).values(*keys).annotate(**_sum_aggregates()).order_by()
    _insert_select(rollup, [*keys_, *SUM_FIELDS], grouped.annotate(**sums), [])
    bucket_model = TABLES[f"{name}_bucket"][0]
    for business, field in ((False, "fr_bucket_s"), (True, "fr_bucket_bh_s")):
        counted = (
            facts.filter(answered=True, fr_bucket_s__isnull=False)
            .annotate(**keys, k_bucket=F(field))
            .values(*keys, "k_bucket")
            .annotate(k_n=Count("id"))
            .order_by()
        )
        columns = ["business", *keys_, "bucket", "n"]
        _insert_select(bucket_model, columns, counted, [business])


def _rebuild_totals(facts: QuerySet[ConversationFact], hours: Q) -> None:
    """``HourTotal`` of the ``hours`` from the facts, then their percentiles from the
    hourly histogram (rebuilt before)."""
    keys = {"k_hour": TruncHour("started_at", tzinfo=dt.UTC)}
    sums = {f"k_{field}": F(f"s_{field}") for field in SUM_FIELDS}
    grouped = facts.annotate(**keys).values(*keys).annotate(**_sum_aggregates()).order_by()
    _insert_select(HourTotal, ["hour", *SUM_FIELDS], grouped.annotate(**sums), [])
    percentiles_refresh(hours)


def hour_totals_rebuild() -> None:
    """``HourTotal`` recomputed from the facts and the hourly histogram alone (what the
    upgrade that adds it runs)."""
    with transaction.atomic():
        HourTotal.objects.all().delete()
        _rebuild_totals(ConversationFact.objects.all(), Q())


def rollups_rebuild(*, since: dt.date | None = None, totals: bool = True) -> None:
    """Recomputes the rollups from the facts: all, or the days from ``since`` on (the
    months from its month's first day, the hours from the UTC hour of its midnight in
    the server's time zone). ``totals``: ``HourTotal`` too (the migration that filled
    the other tables ran before it existed)."""
    facts = ConversationFact.objects.all()
    daily = [DayRollup.objects.all(), DayBucket.objects.all()]
    hourly = [HourRollup.objects.all(), HourBucket.objects.all()]
    chosen = {"d": facts, "m": facts, "hour": facts}
    hours = Q()
    if since is not None:
        zone = timezone.get_default_timezone()
        month = since.replace(day=1)
        start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
        hours = Q(hour__gte=hour_of(start))
        daily = [rows.filter(day__gte=month) for rows in daily]
        hourly = [rows.filter(hours) for rows in hourly]
        chosen = {
            "d": facts.filter(started_at__gte=start),
            "m": facts.filter(started_at__gte=start),
            "hour": facts.filter(started_at__gte=hour_of(start)),
        }
    if totals:
        hourly.append(HourTotal.objects.filter(hours))
    with transaction.atomic():
        for rows in (*daily, *hourly):
            rows.delete()
        for grain, grain_facts in chosen.items():
            _rebuild_grain(grain, grain_facts)
        if totals:
            _rebuild_totals(chosen["hour"], hours)
