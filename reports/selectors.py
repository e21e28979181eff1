"""Report figures: sums and counts over per-conversation facts (``ConversationFact``),
never averages of averages. Definitions: the contract's "Reports" sections and
docs/reports.md."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from contactcenter import roles
from inbox.models import Channel
from reports import rollup_reads
from reports.models import ConversationFact
from routing.models import Group, Operator

BREAKDOWNS = ("group", "operator", "channel", "day", "hour")
# per breakdown key: the median and p90 of first response
Percentiles = dict[Any, tuple[float | None, float | None]]


def facts_visible(*, user: Any) -> QuerySet[ConversationFact] | None:
    """Conversations whose figures the user may see: admins all; supervisors their
    groups' and their own; operators their own (the ones they first replied in). None
    when the user may see no reports at all."""
    if roles.is_admin(user):
        return ConversationFact.objects.all()
    operator = Operator.objects.filter(user=user).first() if user.is_authenticated else None
    if operator is None:
        return None
    supervised = list(Group.objects.filter(supervisors=operator).values_list("pk", flat=True))
    return ConversationFact.objects.filter(Q(group_id__in=supervised) | Q(operator_id=operator.pk))


def report_groups(*, user: Any) -> QuerySet[Group]:
    """The groups whose reports the user may open on the reports page: admins every
    group, supervisors the groups they supervise, anyone else none."""
    if roles.is_admin(user):
        return Group.objects.order_by("name")
    if not getattr(user, "is_authenticated", False):
        return Group.objects.none()
    return Group.objects.filter(supervisors__user=user).order_by("name").distinct()


def reports_page_allowed(*, user: Any) -> bool:
    """Admins and the supervisors of at least one group."""
    return roles.is_admin(user) or report_groups(user=user).exists()


def report_page_facts(*, user: Any, group: Group | None = None) -> QuerySet[ConversationFact]:
    """The conversations the reports page counts: one group the user may report on,
    else every one for admins and the supervised groups' for supervisors."""
    facts = facts_visible(user=user)
    if facts is None:
        return ConversationFact.objects.none()
    if group is not None:
        return facts.filter(group_id=group.pk)
    if roles.is_admin(user):
        return facts
    return facts.filter(group_id__in=list(report_groups(user=user).values_list("pk", flat=True)))


def _aggregates(business_hours: bool) -> dict[str, Any]:
    bh = "_bh" if business_hours else ""
    return {
        "t_sessions": Count("id"),
        "t_answered": Count("id", filter=Q(answered=True)),
        "t_abandoned": Count("id", filter=Q(abandoned=True)),
        "t_abandoned_late": Count("id", filter=Q(**{f"abandoned_late{bh}": True})),
        "t_on_target": Count("id", filter=Q(answered=True, **{f"on_target{bh}": True})),
        "t_waits": Sum("waits"),
        "t_wait_total": Sum(f"wait{bh}_s"),
        "t_first_total": Sum(f"first_response{bh}_s"),
        "t_handled": Count("id", filter=Q(handled=True)),
        "t_handle_total": Sum(f"handle{bh}_s"),
        "t_csat_count": Count("rating"),
        "t_csat_total": Sum("rating"),
        "t_csat_good": Count("id", filter=Q(rating__gte=4)),
        "t_bot_sessions": Count("id", filter=Q(bot=True)),
        "t_bot_resolved": Count("id", filter=Q(bot_resolved=True)),
        "t_bot_handoffs": Count("id", filter=Q(bot_handoff=True)),
        "t_transfers": Sum("transfers"),
    }


def figures_of(row: dict[str, Any], percentiles: tuple[Any, Any]) -> dict[str, Any]:
    """The contract's figures from one row of sums and counts: each ratio rounded, None
    where its whole is 0 (written out, no helper call: a year by hour makes 8,760 of
    these)."""
    answered, sessions, abandoned = row["t_answered"], row["t_sessions"], row["t_abandoned"]
    waits, handled, rated = row["t_waits"], row["t_handled"], row["t_csat_count"]
    on_target, reached = row["t_on_target"] or 0, answered + row["t_abandoned_late"]
    return {
        "sessions": sessions,
        "answered": answered,
        "abandoned": abandoned,
        "avg_queue_wait_s": round((row["t_wait_total"] or 0) / waits, 1) if waits else None,
        "avg_first_response_s": (
            round((row["t_first_total"] or 0) / answered, 1) if answered else None
        ),
        "median_first_response_s": percentiles[0],
        "p90_first_response_s": percentiles[1],
        "avg_handle_s": round((row["t_handle_total"] or 0) / handled, 1) if handled else None,
        "sla_pct": round(100 * on_target / answered, 1) if answered else None,
        "service_level_pct": round(100 * on_target / reached, 1) if reached else None,
        "abandon_rate_pct": round(100 * (abandoned or 0) / sessions, 1) if sessions else None,
        "csat_avg": round((row["t_csat_total"] or 0) / rated, 2) if rated else None,
        "csat_count": rated,
        "csat_pct": round(100 * (row["t_csat_good"] or 0) / rated, 1) if rated else None,
        "bot_sessions": row["t_bot_sessions"],
        "bot_resolved": row["t_bot_resolved"],
        "bot_handoffs": row["t_bot_handoffs"],
        "transfers": row["t_transfers"] or 0,
    }


def facts_in_range(
    facts: QuerySet[ConversationFact], *, since: dt.datetime, until: dt.datetime
) -> QuerySet[ConversationFact]:
    """Conversations that started in ``[since, until)``."""
    return facts.filter(started_at__gte=since, started_at__lt=until)


def summary(
    *,
    facts: QuerySet[ConversationFact],
    since: dt.datetime,
    until: dt.datetime,
    business_hours: bool = False,
) -> dict[str, Any]:
    """The figures over the conversations that started in ``[since, until)``: its whole
    days from the daily rollups, its edges from the facts (``reports.rollup_reads``)."""
    part = rollup_reads.split(facts, since=since, until=until, grain="day", months=True)
    ranged = facts_in_range(facts, since=since, until=until) if part is None else part.edges
    row = ranged.aggregate(**_aggregates(business_hours))
    extra = []
    if part is not None:
        rolled = part.rows.aggregate(**rollup_reads.rollup_aggregates(business_hours))
        row = rollup_reads.merged(row, rollup_reads.in_seconds(rolled, business_hours))
        extra.append(rollup_reads.histogram_part(part, None, business_hours))
    found = _percentiles(ranged, business_hours, key=None, extra=extra)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "business_hours": business_hours,
    } | figures_of(row, found.get(None, (None, None)))


def _percentiles(
    ranged: QuerySet[ConversationFact],
    business_hours: bool,
    *,
    key: str | None,
    extra: list[tuple[str, Any]] | None = None,
) -> dict[Any, tuple[float | None, float | None]]:
    """The median and p90 of first response per breakdown key (None: one for all), by
    nearest rank over the histogram: the upper edge of the bucket that holds the
    ``ceil(share * n)``-th smallest. The database counts the buckets (of the facts, and
    of the rollups in ``extra``: SQL with columns ``k, b, n``) and runs the ranks (window
    sums), so only one row per key comes back."""
    bucket = "fr_bucket_bh_s" if business_hours else "fr_bucket_s"
    fields = [key, bucket] if key else [bucket]
    counted = ranged.filter(answered=True).values(*fields).annotate(n=Count("id")).order_by()
    inner, params = counted.query.sql_with_params()
    k = connection.ops.quote_name(key) if key else "0"
    b = connection.ops.quote_name(bucket)
    parts = [f"SELECT {k} AS k, {b} AS b, n FROM ({inner}) AS counted"]
    all_params = list(params)
    for sql, more in extra or []:
        parts.append(sql)
        all_params.extend(more)
    sql = f"""
        SELECT k, MIN(b) FILTER (WHERE 100 * cum >= 50 * total),
            MIN(b) FILTER (WHERE 100 * cum >= 90 * total)
        FROM (SELECT k, b,
                SUM(n) OVER (PARTITION BY k ORDER BY b) AS cum,
                SUM(n) OVER (PARTITION BY k) AS total
            FROM (SELECT k, b, SUM(n) AS n FROM ({" UNION ALL ".join(parts)}) AS parts
                GROUP BY k, b HAVING SUM(n) > 0) AS histogram) AS ranked
        GROUP BY k"""
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        found = cursor.fetchall()
    convert = _converter(counted, key)
    return {convert(row_key): (_edge(p50), _edge(p90)) for row_key, p50, p90 in found}


def _converter(counted: QuerySet[Any], key: str | None) -> Any:
    """Turns a raw key from the cursor into what the ORM gives for it (a date or an
    aware hour from SQLite's text, for instance), as the ORM's own converters do."""
    if key is None:
        return lambda value: None
    expression = counted.query.annotations.get(key)
    if expression is None:
        return lambda value: value
    converters = connection.ops.get_db_converters(expression)
    converters += expression.get_db_converters(connection)

    def convert(value: Any) -> Any:
        for converter in converters:
            value = converter(value, expression, connection)
        return value

    return convert


def _edge(value: Any) -> float | None:
    return None if value is None else float(value)


def _key_expression(by: str) -> Any:
    if by == "day":
        return TruncDate("started_at", tzinfo=timezone.get_current_timezone())
    if by == "hour":
        return TruncHour("started_at", tzinfo=timezone.get_current_timezone())
    return F(f"{by}_id")


def _labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if by == "group":
        return dict(Group.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "operator":
        return {o.pk: o.name for o in Operator.objects.filter(pk__in=ids).select_related("user")}
    if by == "channel":
        return dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {}  # a day or an hour: its label is made from its key (``_moment_label``)


def _moment_label(value: Any) -> str:
    """A day's or an hour's label from its key as the API gives it (``_key_value``):
    ``2026-11-02``, ``2026-11-02 14:00``."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    if len(value) <= 10:
        return value
    return f"{value[:10]} {value[11:13]}:00"


def breakdown(
    *,
    facts: QuerySet[ConversationFact],
    by: str,
    since: dt.datetime,
    until: dt.datetime,
    business_hours: bool = False,
) -> dict[str, Any]:
    """The figures per group, operator (who first replied), channel, day or hour (in the
    server's time zone) of the conversations that started in ``[since, until)``. Rows
    of additive figures add up to the summary's; a conversation nobody answered has no
    operator (key None)."""
    if by not in BREAKDOWNS:
        raise ValueError(by)
    totalled = None if by != "hour" else _hours_totalled(facts, since, until, business_hours)
    if totalled is not None:
        rows, percentiles = totalled
    else:
        rows, percentiles = _keyed(facts, by, since, until, business_hours)
    labels = _labels(by, [r["key"] for r in rows])
    zone = timezone.get_current_timezone()
    return {
        "by": by,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "business_hours": business_hours,
        "rows": [_row(r, by, labels, percentiles, zone) for r in rows],
    }


def _row(
    row: dict[str, Any], by: str, labels: dict[Any, str], percentiles: Percentiles, zone: Any
) -> dict[str, Any]:
    key = row["key"]
    value = _key_value(key, zone)
    label = _moment_label(value) if by in ("day", "hour") else labels.get(key, "")
    return {"key": value, "label": label} | figures_of(row, percentiles.get(key, (None, None)))


def _keyed(
    facts: QuerySet[ConversationFact],
    by: str,
    since: dt.datetime,
    until: dt.datetime,
    business_hours: bool,
) -> tuple[list[dict[str, Any]], Percentiles]:
    """The rows of sums per key and each key's median and p90: whole periods from the
    rollups when they can answer, the rest from the facts."""
    grain = "hour" if by == "hour" else "day"
    part = rollup_reads.split(
        facts, since=since, until=until, grain=grain, months=by not in ("day", "hour")
    )
    ranged = facts_in_range(facts, since=since, until=until) if part is None else part.edges
    ranged = ranged.annotate(key=_key_expression(by))
    rows = _rows(ranged, by, part, business_hours)
    extra = [] if part is None else [rollup_reads.histogram_part(part, by, business_hours)]
    return rows, _percentiles(ranged, business_hours, key="key", extra=extra)


def _hours_totalled(
    facts: QuerySet[ConversationFact], since: dt.datetime, until: dt.datetime, business_hours: bool
) -> tuple[list[dict[str, Any]], Percentiles] | None:
    """``by=hour`` over every conversation: the whole UTC hours from ``HourTotal`` (one
    row an hour, its median and p90 stored), keyed by the current zone's hour in Python
    rather than per row in SQL; the partial hours at the edges from the facts. A key
    made of more than one part (the edges' hours; the repeated hour when the clocks go
    back) is ranked over its merged histograms. None when the totals cannot answer."""
    bounds = rollup_reads.hour_totals(facts, since=since, until=until)
    if bounds is None:
        return None
    start, end = bounds
    edges = facts.filter(
        Q(started_at__gte=since, started_at__lt=start)
        | Q(started_at__gte=end, started_at__lt=until)
    ).annotate(key=_key_expression("hour"))
    rows: dict[Any, dict[str, Any]] = {}
    if since != start or until != end:  # partial hours at the edges
        found = edges.values("key").annotate(**_aggregates(business_hours)).order_by()
        rows = {row["key"]: dict(row) for row in found}
    stored: Percentiles = {}
    first: dict[Any, int] = {}  # a whole hour's key: its UTC hour (seconds since the epoch)
    parted: list[int] = []  # the UTC hours of keys made of more than one part
    zone = timezone.get_current_timezone()
    for epoch, sums, percentiles in rollup_reads.hour_total_rows(start, end, business_hours):
        # the key the facts' TruncHour gives: the zone's hour, the first one when the
        # clocks go back (the repeated hour counts both)
        key = dt.datetime.fromtimestamp(epoch, zone).replace(fold=0)
        if key in rows:  # an edge's hour, or the hour lived twice
            rows[key] = rollup_reads.merged(rows[key], sums)
            stored.pop(key, None)
            parted.extend((epoch, first[key]) if key in first else (epoch,))
        else:
            sums["key"] = key
            rows[key], stored[key], first[key] = sums, percentiles, epoch
    if len(stored) < len(rows):  # keys to rank over their merged histograms
        hours = [dt.datetime.fromtimestamp(epoch, dt.UTC) for epoch in parted]
        extra = [rollup_reads.hours_histogram(hours, business_hours)] if hours else []
        stored |= _percentiles(edges, business_hours, key="key", extra=extra)
    kept = sorted((row for row in rows.values() if row.get("t_sessions")), key=lambda r: r["key"])
    return kept, stored


def _rows(
    ranged: QuerySet[ConversationFact],
    by: str,
    part: rollup_reads.Split | None,
    business_hours: bool,
) -> list[dict[str, Any]]:
    """The sums per key, in the key's order (the database's, None where it puts NULL)."""
    found = ranged.values("key").annotate(**_aggregates(business_hours)).order_by("key")  # type: ignore[misc]
    if part is None:
        return [dict(row) for row in found]
    rows: dict[Any, dict[str, Any]] = {row["key"]: dict(row) for row in found}
    rolled = (
        part.rows.annotate(key=rollup_reads.key_expression(by, part.grain))
        .values("key")
        .annotate(**rollup_reads.rollup_aggregates(business_hours))
        .order_by()
    )
    for row in rolled:
        sums = rollup_reads.in_seconds(dict(row), business_hours)
        rows[row["key"]] = rollup_reads.merged(rows.get(row["key"], {"key": row["key"]}), sums)
    kept = [row for row in rows.values() if row.get("t_sessions")]
    present = sorted((r for r in kept if r["key"] is not None), key=lambda r: r["key"])
    missing = [r for r in kept if r["key"] is None]
    return present + missing if connection.features.nulls_order_largest else missing + present


def _key_value(key: Any, zone: dt.tzinfo) -> Any:
    if isinstance(key, dt.datetime):
        return key.astimezone(zone).isoformat()
    if isinstance(key, dt.date):
        return key.isoformat()
    return key


def today_start(group: Group, now: dt.datetime) -> dt.datetime:
    """Midnight of today in the group's time zone."""
    local = now.astimezone(zoneinfo.ZoneInfo(group.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
