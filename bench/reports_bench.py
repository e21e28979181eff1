"""Reports over a year of conversations, on PostgreSQL: the summary and each breakdown
for a month, a quarter and a year, beside one full scan of the metric events table.

    python3 scripts/services.py ...   (or any PostgreSQL: DATABASE_URL)
    .venv/bin/python bench/reports_bench.py              # about 3 minutes
    .venv/bin/python bench/reports_bench.py --conversations 100000 --reps 5

The benchmark makes its own database next to DATABASE_URL's (``<name>_reports_bench``),
migrates it and drops it at the end. It generates, in the server (INSERT ... SELECT over
``generate_series``: no rows cross the socket), ``--conversations`` conversations spread
over 2025 in 50 groups, 500 operators (10 per group) and 5 channels, stored in the
order they started (as they arrive in production): their per-conversation figures
(``reports_conversationfact``, what the reports read) and up to three metric events
each (``reports_metricevent``: opened; first reply or abandon; the close). About 85 % are
answered, 9 % abandoned, 20 % rated, 10 % begin with a bot, 5 % are transferred. The
daily and hourly rollups (and the hourly totals over all conversations, with each
hour's median and p90) are then built from the facts in the server
(``reports.rollups.rollups_rebuild``, what ``manage.py reports_rollup_rebuild`` runs).

Then each query is timed ``--reps`` times through ``reports.selectors`` (what the API
views call; the HTTP layer is left out) as an admin sees it: ``summary`` and
``breakdown`` by group, operator, channel, day and hour, in calendar time and with
``business_hours``. Printed per period and query: p50 and p99 (the maximum, with so
few repetitions), and the time of ``SELECT count(*), sum(seconds)`` over the whole
events table in the same run, as the floor a query that reads the raw events would pay.
The periods are whole days, so they read the rollups alone; ``--facts-only`` reads the
facts instead (the figures before the rollups), for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.messaging_bench import (  # noqa: E402
    database_create,
    database_drop,
    product_env,
    psycopg_url,
)

GROUPS, OPERATORS, CHANNELS = 50, 500, 5
YEAR = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
PERIODS = {
    "month": (dt.datetime(2025, 12, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
    "quarter": (dt.datetime(2025, 10, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
    "year": (YEAR, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
}

ROLLUP_TABLES = (
    "reports_dayrollup",
    "reports_daybucket",
    "reports_hourrollup",
    "reports_hourbucket",
    "reports_hourtotal",
)
FACTS_SQL = """
INSERT INTO reports_conversationfact (
    conversation_id, started_at, group_id, operator_id, channel_id, schedule_version,
    answered, first_response_s, first_response_bh_s, fr_bucket_s, fr_bucket_bh_s,
    on_target, on_target_bh, abandoned, abandoned_late, abandoned_late_bh,
    waits, wait_s, wait_bh_s, handled, handle_s, handle_bh_s, transfers,
    bot, bot_resolved, bot_handoff, rating, updated_at)
SELECT i, started, g, CASE WHEN answered THEN op END, ch, 'always',
    answered, CASE WHEN answered THEN fr END, CASE WHEN answered THEN fr_bh END,
    CASE WHEN answered THEN bucket(fr) END, CASE WHEN answered THEN bucket(fr_bh) END,
    answered AND fr <= 60, answered AND fr_bh <= 60,
    abandoned, abandoned AND fr > 60, abandoned AND fr_bh > 60,
    CASE WHEN answered THEN 1 ELSE 0 END, CASE WHEN answered THEN fr / 2 ELSE 0 END,
    CASE WHEN answered THEN fr_bh / 2 ELSE 0 END,
    answered, CASE WHEN answered THEN 60 + r3 * 1200 ELSE 0 END,
    CASE WHEN answered THEN floor(r3 * 900)::int ELSE 0 END,
    CASE WHEN r4 < 0.05 THEN 1 ELSE 0 END,
    r4 > 0.9, r4 > 0.97, r4 > 0.9 AND r4 <= 0.97,
    CASE WHEN answered AND r5 < 0.2 THEN 1 + floor(r5 * 25)::int END, now()
FROM (
    SELECT i, %(start)s::timestamptz + (random() * interval '365 days') AS started,
        1 + i %% %(groups)s AS g,
        1 + (i %% %(groups)s) * 10 + (i / %(groups)s) %% 10 AS op,
        1 + i %% %(channels)s AS ch,
        r1 < 0.85 AS answered, r1 >= 0.85 AND r1 < 0.94 AS abandoned,
        round((r2 * r2 * 600)::numeric, 1)::float AS fr, floor(r2 * r2 * 300)::int AS fr_bh,
        r3, r4, r5
    FROM (
        SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
            random() AS r5
        FROM generate_series(1, %(n)s) AS i
    ) AS draws
) AS rows
ORDER BY started  -- rows arrive in time order in production too
"""
BUCKET_SQL = """
CREATE OR REPLACE FUNCTION bucket(s float) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN s <= 60 THEN greatest(5, ceil(s / 5) * 5)::int
                WHEN s <= 300 THEN (ceil(s / 10) * 10)::int
                ELSE (ceil(s / 60) * 60)::int END
$$
"""
EVENTS_SQL = """
INSERT INTO reports_metricevent (kind, conversation_id, ref, session_id, group_id,
    operator_id, channel_id, occurred_at, seconds, business_seconds, schedule_version, score)
SELECT 'opened', conversation_id, 0, conversation_id, group_id, NULL, channel_id,
    started_at, NULL::float, NULL::int, 'always', NULL::smallint FROM reports_conversationfact
UNION ALL
SELECT CASE WHEN answered THEN 'first_human_reply' ELSE 'abandoned' END, conversation_id,
    CASE WHEN answered THEN 0 ELSE conversation_id END, conversation_id, group_id,
    operator_id, channel_id, started_at + make_interval(secs => coalesce(first_response_s, 30)),
    first_response_s, first_response_bh_s, 'always', NULL
FROM reports_conversationfact WHERE answered OR abandoned
UNION ALL
SELECT 'resolved', conversation_id, conversation_id, conversation_id, group_id, operator_id,
    channel_id, started_at + make_interval(secs => handle_s), handle_s, handle_bh_s,
    'always', NULL FROM reports_conversationfact WHERE handled
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def setup_django(env: dict[str, str]) -> None:
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")})
    os.environ.update(HTTPS="false", DEBUG="false", DJANGO_SETTINGS_MODULE="contactcenter.settings")
    import django

    django.setup()


def generate(conversations: int) -> dict[str, float]:
    """Groups, operators and channels as rows of the product; the year in the server."""
    from django.contrib.auth.models import User
    from django.db import connection

    from inbox.models import Channel
    from routing.models import Group, Operator

    took: dict[str, float] = {}
    start = time.perf_counter()
    groups = Group.objects.bulk_create(Group(name=f"Group {i:02}") for i in range(GROUPS))
    users = User.objects.bulk_create(User(username=f"operator{i:03}") for i in range(OPERATORS))
    Operator.objects.bulk_create(Operator(user=u, display_name=u.username) for u in users)
    Channel.objects.bulk_create(
        Channel(type="widget", name=f"Site {i}", key=f"bench-{i}", default_group=groups[0])
        for i in range(CHANNELS)
    )
    with connection.cursor() as cursor:
        cursor.execute(BUCKET_SQL)
        cursor.execute(
            FACTS_SQL,
            {"start": YEAR, "groups": GROUPS, "channels": CHANNELS, "n": conversations},
        )
        took["facts_s"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(EVENTS_SQL)
        took["events_s"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute("VACUUM ANALYZE reports_conversationfact")
        cursor.execute("VACUUM ANALYZE reports_metricevent")
        took["analyze_s"] = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM reports_metricevent")
        took["events"] = cursor.fetchone()[0]
    return took | rollups_generate()


def rollups_generate() -> dict[str, float]:
    """The daily and hourly rollups, built from the facts in the server (the rebuild's
    ``INSERT ... SELECT``), as the listeners would have kept them."""
    from django.db import connection

    from reports import rollups

    start = time.perf_counter()
    rollups.rollups_rebuild()
    took: dict[str, float] = {"rollups_s": time.perf_counter() - start}
    with connection.cursor() as cursor:
        for table in ROLLUP_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(f"SELECT count(*) FROM {table}")
            took[table] = cursor.fetchone()[0]
    return took


def timed(call: Any, reps: int) -> dict[str, float]:
    call()  # one warm-up: plans and caches, as a server that has run for a while
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p99_ms": round(pct(times, 99), 1)}


def events_scan_ms(reps: int) -> dict[str, float]:
    from django.db import connection

    def scan() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), sum(seconds) FROM reports_metricevent")
            cursor.fetchone()

    return timed(scan, reps)


def measure(reps: int, facts_only: bool) -> dict[str, Any]:
    from reports import selectors
    from reports.models import ConversationFact

    facts = ConversationFact.objects.all()
    if facts_only:  # a filter the rollups cannot carry: the facts alone, as before them
        facts = facts.filter(started_at__isnull=False)
    results: dict[str, Any] = {"events_full_scan": events_scan_ms(reps)}
    print("# events full scan", json.dumps(results["events_full_scan"]), flush=True)
    for period, (since, until) in PERIODS.items():
        for business_hours in (False, True):
            label = f"{period}{' business' if business_hours else ''}"
            row: dict[str, Any] = {}
            row["summary"] = timed(
                lambda s=since, u=until, b=business_hours: selectors.summary(
                    facts=facts, since=s, until=u, business_hours=b
                ),
                reps,
            )
            for by in selectors.BREAKDOWNS:
                row[by] = timed(
                    lambda s=since, u=until, b=business_hours, k=by: selectors.breakdown(
                        facts=facts, by=k, since=s, until=u, business_hours=b
                    ),
                    reps,
                )
            results[label] = row
            print(f"# {label}", json.dumps(row), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--out", help="also write the results as JSON here")
    parser.add_argument(
        "--facts-only", action="store_true", help="read the facts alone (the rollups unused)"
    )
    args = parser.parse_args()
    if not 1000 <= args.conversations <= 5_000_000:
        sys.exit("--conversations: 1,000 to 5,000,000")

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL (SQLite is refused).")
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_reports_bench"
    bench_url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    env = product_env(bench_url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    results: dict[str, Any] = {"args": vars(args)}
    database_create(psycopg_url(admin_url), name)
    try:
        setup_django(env)
        results["generate"] = generate(args.conversations)
        print("# generated", json.dumps(results["generate"]), flush=True)
        results |= measure(args.reps, args.facts_only)
    finally:
        from django.db import connections

        connections.close_all()
        database_drop(psycopg_url(admin_url), name)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
