"""Reading a range from the rollups: its whole days (or hours) from
``reports.rollup_models``, the partial ones at its edges from the facts.

The caller's conversations are a ``ConversationFact`` query filtered by group, operator
and channel (who may see what, and the request's filters); ``split`` carries that filter
over to a rollup table, where a missing dimension is 0, by reading each column through
``NULLIF(column, 0)``: the same conditions, with the same meaning of NULL. Anything else
in the query (a join, a filter on another field, a time zone other than the server's)
and ``split`` answers None: the caller reads the facts alone, as before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import F, Field, Model, Q, QuerySet, Sum, Value
from django.db.models.expressions import Col
from django.db.models.functions import NullIf, TruncHour
from django.db.models.lookups import Lookup
from django.db.models.sql.where import WhereNode
from django.utils import timezone

from reports.models import ConversationFact
from reports.rollup_models import DayBucket, DayRollup, Grain, HourBucket, HourRollup, HourTotal

DIMENSIONS = ("group_id", "operator_id", "channel_id")
MICRO = 1_000_000


@dataclass
class Split:
    """A range cut into its whole periods (``rows``, ``buckets``: the rollups, filtered
    like the facts) and its edges (``edges``: the facts before and after them)."""

    grain: str
    rows: QuerySet[Any]
    buckets: QuerySet[Any]
    edges: QuerySet[ConversationFact]


def _translate(node: Any, model: type[Model]) -> Any:
    """The facts' WHERE tree over ``model``'s columns, or None when it reads anything but
    the dimensions."""
    if isinstance(node, WhereNode):
        children = [_translate(child, model) for child in node.children]
        if any(child is None for child in children):
            return None
        return WhereNode(children, node.connector, node.negated)
    if not isinstance(node, Lookup) or not isinstance(node.lhs, Col):
        return None
    name = node.lhs.target.name
    if name not in DIMENSIONS or hasattr(node.rhs, "resolve_expression"):
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    assert isinstance(field, Field)
    column = NullIf(Col(model._meta.db_table, field), Value(0))
    return type(node)(column, node.rhs)


def _carried(facts: QuerySet[ConversationFact], model: type[Model]) -> QuerySet[Any] | None:
    query = facts.query
    if facts.model is not ConversationFact or len(query.alias_map) > 1 or query.annotations:
        return None
    where = _translate(query.where, model)
    if where is None:
        return None
    rows = model._default_manager.all()
    if where.children:
        rows.query.where.add(where, "AND")
    return rows


def _whole_days(since: dt.datetime, until: dt.datetime) -> tuple[Any, Any, Any, Any] | None:
    zone = timezone.get_default_timezone()
    if timezone.get_current_timezone_name() != timezone.get_default_timezone_name():
        return None  # the day breakdown is the current zone's; rollup days the server's
    first = timezone.localtime(since, zone).date()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    if start < since:
        first += dt.timedelta(days=1)
        start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    last = timezone.localtime(until, zone).date()  # excluded
    end = dt.datetime.combine(last, dt.time.min, tzinfo=zone)
    return (first, last, start, end) if first < last else None


def _whole_hours(since: dt.datetime, until: dt.datetime) -> tuple[Any, Any, Any, Any] | None:
    zone = timezone.get_current_timezone()
    middle = since + (until - since) / 2
    for moment in (since, middle, until):
        offset = moment.astimezone(zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return None  # a UTC hour is not one hour of this zone's clock
    start = since.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    if start < since:
        start += dt.timedelta(hours=1)
    end = until.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return (start, end, start, end) if start < end else None


def split(
    facts: QuerySet[ConversationFact],
    *,
    since: dt.datetime,
    until: dt.datetime,
    grain: str,
    months: bool = False,
) -> Split | None:
    """``[since, until)`` as whole days (``grain`` "day"; with ``months`` its whole months
    as month rows) or hours ("hour") from the rollups and its edges from the facts; None
    when the rollups cannot answer."""
    day = grain == "day"
    bounds = _whole_days(since, until) if day else _whole_hours(since, until)
    rows = _carried(facts, DayRollup if day else HourRollup)
    buckets = _carried(facts, DayBucket if day else HourBucket)
    if bounds is None or rows is None or buckets is None:
        return None
    first, last, start, end = bounds
    within = _periods(first, last, months) if day else Q(hour__gte=first, hour__lt=last)
    edges = facts.filter(
        Q(started_at__gte=since, started_at__lt=start)
        | Q(started_at__gte=end, started_at__lt=until)
    )
    return Split(grain, rows.filter(within), buckets.filter(within), edges)


def hour_totals(
    facts: QuerySet[ConversationFact], *, since: dt.datetime, until: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """The whole UTC hours ``[start, end)`` of ``[since, until)`` that ``HourTotal``
    answers: when ``facts`` are every conversation (no scope, no filter) and the current
    zone's hours are UTC hours. None otherwise."""
    query = facts.query
    if facts.model is not ConversationFact or len(query.alias_map) > 1 or query.annotations:
        return None
    if query.where.children or query.is_sliced or query.distinct:
        return None
    bounds = _whole_hours(since, until)
    if bounds is None or _epoch("hour") is None:
        return None
    return bounds[2], bounds[3]


def total_columns(business_hours: bool) -> dict[str, tuple[str, int]]:
    """``HourTotal``'s column of each of the selectors' sums (``t_*``), with the divisor
    that turns it into their unit (raw seconds are kept in microseconds), and of the
    median and p90 (``p50``, ``p90``)."""
    bh = "_bh" if business_hours else ""
    unit = {
        name: (f"{name}_bh_s", 1) if business_hours else (f"{name}_us", MICRO) for name in TIMED
    }
    return {
        "t_sessions": ("sessions", 1),
        "t_answered": ("answered", 1),
        "t_abandoned": ("abandoned", 1),
        "t_abandoned_late": (f"abandoned_late{bh}", 1),
        "t_on_target": (f"on_target{bh}", 1),
        "t_waits": ("waits", 1),
        "t_wait_total": unit["wait"],
        "t_first_total": unit["first"],
        "t_handled": ("handled", 1),
        "t_handle_total": unit["handle"],
        "t_csat_count": ("csat_count", 1),
        "t_csat_total": ("csat_total", 1),
        "t_csat_good": ("csat_good", 1),
        "t_bot_sessions": ("bot", 1),
        "t_bot_resolved": ("bot_resolved", 1),
        "t_bot_handoffs": ("bot_handoffs", 1),
        "t_transfers": ("transfers", 1),
        "p50": (f"fr{bh}_p50", 1),
        "p90": (f"fr{bh}_p90", 1),
    }


def _epoch(column: str) -> str | None:
    """SQL for a UTC moment column in whole seconds since the epoch (a row's key costs
    no parsing of a timestamp); None on a database this is not written for."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::bigint"
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%s', {column}) AS INTEGER)"
    return None


def hour_total_rows(
    start: dt.datetime, end: dt.datetime, business_hours: bool
) -> list[tuple[int, dict[str, Any], tuple[float | None, float | None]]]:
    """Each UTC hour of ``[start, end)`` with conversations, in order: its start (seconds
    since the epoch), its sums (``t_*``, in the selectors' units) and its median and
    p90 of first response."""
    q = connection.ops.quote_name
    columns = total_columns(business_hours)
    names = [name for name in columns if name.startswith("t_")]
    hour = q("hour")
    sql = (
        f"SELECT {_epoch(hour)}, {', '.join(q(column) for column, _ in columns.values())} "
        f"FROM {q(HourTotal._meta.db_table)} "
        f"WHERE {hour} >= %s AND {hour} < %s AND {q('sessions')} > 0 ORDER BY {hour}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(start), adapt(end)])
        found = cursor.fetchall()
    micro = [name for name in names if columns[name][1] == MICRO]
    out = []
    for epoch, *values in found:
        sums = dict(zip(names, values, strict=False))  # the last two: the percentiles
        for name in micro:
            sums[name] /= MICRO
        p50, p90 = values[-2:]
        percentiles = (None if p50 is None else float(p50), None if p90 is None else float(p90))
        out.append((epoch, sums, percentiles))
    return out


def hours_histogram(hours: list[dt.datetime], business_hours: bool) -> tuple[str, Any]:
    """The hourly histogram of every conversation of the UTC ``hours``, keyed by the
    current zone's hour: SQL with columns ``k, b, n`` (see ``histogram_part``)."""
    none = ConversationFact.objects.none()
    part = Split("hour", none, HourBucket.objects.filter(hour__in=hours), none)
    return histogram_part(part, "hour", business_hours)


def _periods(first: dt.date, last: dt.date, months: bool) -> Q:
    """The daily tables' rows of the days ``[first, last)``: its whole months as month
    rows (with ``months``), the days outside them as day rows."""
    days = Q(grain=Grain.DAY, day__gte=first, day__lt=last)
    month = first if first.day == 1 else (first.replace(day=1) + dt.timedelta(days=32))
    month = month.replace(day=1)
    end = last.replace(day=1)
    if not months or month >= end:
        return days
    return (
        Q(grain=Grain.MONTH, day__gte=month, day__lt=end)
        | Q(grain=Grain.DAY, day__gte=first, day__lt=month)
        | Q(grain=Grain.DAY, day__gte=end, day__lt=last)
    )


TIMED = ("wait", "first", "handle")


def rollup_aggregates(business_hours: bool) -> dict[str, Any]:
    """The selectors' sums (``t_*``) over rollup rows; raw seconds in microseconds."""
    bh = "_bh" if business_hours else ""
    unit = {name: f"{name}_bh_s" if business_hours else f"{name}_us" for name in TIMED}
    return {
        "t_sessions": Sum("sessions"),
        "t_answered": Sum("answered"),
        "t_abandoned": Sum("abandoned"),
        "t_abandoned_late": Sum(f"abandoned_late{bh}"),
        "t_on_target": Sum(f"on_target{bh}"),
        "t_waits": Sum("waits"),
        "t_wait_total": Sum(unit["wait"]),
        "t_first_total": Sum(unit["first"]),
        "t_handled": Sum("handled"),
        "t_handle_total": Sum(unit["handle"]),
        "t_csat_count": Sum("csat_count"),
        "t_csat_total": Sum("csat_total"),
        "t_csat_good": Sum("csat_good"),
        "t_bot_sessions": Sum("bot"),
        "t_bot_resolved": Sum("bot_resolved"),
        "t_bot_handoffs": Sum("bot_handoffs"),
        "t_transfers": Sum("transfers"),
    }


TIMES = ("t_wait_total", "t_first_total", "t_handle_total")


def in_seconds(row: dict[str, Any], business_hours: bool) -> dict[str, Any]:
    """A rollup row's raw sums in seconds (they are kept in microseconds)."""
    if business_hours:
        return row
    return row | {name: None if row[name] is None else row[name] / MICRO for name in TIMES}


def merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two rows of sums added (None where both are None)."""
    out = dict(first)
    for name, value in second.items():
        if not name.startswith("t_"):
            continue
        mine = out.get(name)
        out[name] = value if mine is None else mine if value is None else mine + value
    return out


def key_expression(by: str | None, grain: str) -> Any:
    """The breakdown key over a rollup table, of the same type and value as the facts'
    key (NULL where the facts have no dimension)."""
    if by is None:
        return Value(0)
    if by == "day":
        return F("day")
    if by == "hour":
        return TruncHour("hour", tzinfo=timezone.get_current_timezone())
    return NullIf(F(f"{by}_id"), Value(0))


def histogram_part(part: Split, by: str | None, business_hours: bool) -> tuple[str, Any]:
    """The rollups' histogram for the key: SQL with columns ``k, b, n``."""
    counted = (
        part.buckets.filter(business=business_hours)
        .annotate(key=key_expression(by, part.grain))
        .values("key", "bucket")
        .annotate(cnt=Sum("n"))
        .order_by()
    )
    inner, params = counted.query.sql_with_params()
    q = connection.ops.quote_name
    return (
        f"SELECT {q('key')} AS k, {q('bucket')} AS b, {q('cnt')} AS n FROM ({inner}) AS r",
        params,
    )
