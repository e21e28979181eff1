"""The routing floor: assignment done in raw SQL with row locks, no Django.

One transaction per assignment, the same rules as the product's dispatcher:

1. lock the head of the group's queue (``FOR UPDATE SKIP LOCKED``, so concurrent workers
   take the next session);
2. pick the least busy available member with a free seat (fewest active sessions, then
   the oldest last assignment) and lock their row (``FOR UPDATE OF o SKIP LOCKED``);
3. count their active sessions again under that lock (a new statement, so a fresh
   snapshot: what other workers committed meanwhile is seen) and give up on them if full;
4. update the session and the operator, commit.

``bench/routing_bench.py`` runs this in worker processes next to the product's
dispatcher, in the same run, and reports the ratio. It is not meant to be run alone.
"""

from __future__ import annotations

import time
from typing import Any

PER_CALL = 50  # assignments in a row from one group before moving to the next

HEAD = """
SELECT id FROM inbox_session
 WHERE group_id = %s AND status = 'queued'
 ORDER BY priority DESC, queued_at, id
 LIMIT 1
 FOR UPDATE SKIP LOCKED
"""

# The limit: the operator's own, else the largest default of their groups, else 3.
LIMIT = """
COALESCE(o.max_sessions,
         (SELECT max(g.default_max_sessions) FROM routing_groupmembership m2
            JOIN routing_group g ON g.id = m2.group_id WHERE m2.operator_id = o.id),
         3)
"""

ACTIVE = "(SELECT count(*) FROM inbox_session s WHERE s.operator_id = o.id AND s.status = 'active')"

PICK = f"""
SELECT o.id, {LIMIT} AS lim
  FROM routing_operator o
  JOIN routing_groupmembership m ON m.operator_id = o.id AND m.group_id = %s
  JOIN auth_user u ON u.id = o.user_id AND u.is_active
 WHERE o.status = 'online' AND (o.open_sockets > 0 OR o.last_seen_at >= now() - interval '30 s')
   AND {ACTIVE} < {LIMIT}
 ORDER BY {ACTIVE}, o.last_assigned_at ASC NULLS FIRST, o.id
 LIMIT 1
 FOR UPDATE OF o SKIP LOCKED
"""

RECOUNT = "SELECT count(*) FROM inbox_session WHERE operator_id = %s AND status = 'active'"

ASSIGN = """
UPDATE inbox_session SET status = 'active', operator_id = %s, assigned_at = now()
 WHERE id = %s AND status = 'queued'
"""

TOUCH = "UPDATE routing_operator SET last_assigned_at = now() WHERE id = %s"


def assign_head(conn: Any, group_id: int) -> bool:
    """One assignment in one transaction; False when the queue is empty (or every head is
    locked) or no member has a free seat."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(HEAD, (group_id,))
        head = cur.fetchone()
        if head is None:
            return False
        cur.execute(PICK, (group_id,))
        picked = cur.fetchone()
        if picked is None:
            return False
        operator_id, limit = picked
        cur.execute(RECOUNT, (operator_id,))
        if cur.fetchone()[0] >= limit:
            return False  # filled up between the pick and the lock: leave the head queued
        cur.execute(ASSIGN, (operator_id, head[0]))
        assert cur.rowcount == 1, "the head was locked, so it must still be queued"
        cur.execute(TOUCH, (operator_id,))
        return True


def worker(
    dsn: str, group_ids: list[int], ready: Any, go: Any, results: Any, max_seconds: float
) -> None:
    """A process of the floor: dispatches every group in turn until two whole passes
    assign nothing. Puts its latencies (ms, start of transaction to commit) on
    ``results``."""
    import psycopg

    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("SELECT 1")
    ready.put(1)
    go.wait()
    started_cpu = time.process_time()
    latencies: list[float] = []
    deadline = time.monotonic() + max_seconds
    idle_passes = 0
    while idle_passes < 2 and time.monotonic() < deadline:
        assigned_in_pass = 0
        for group_id in group_ids:
            for _ in range(PER_CALL):
                if time.monotonic() >= deadline:
                    break
                t0 = time.perf_counter()
                if not assign_head(conn, group_id):
                    break
                latencies.append((time.perf_counter() - t0) * 1000)
                assigned_in_pass += 1
        idle_passes = 0 if assigned_in_pass else idle_passes + 1
    results.put(
        {
            "assigned": len(latencies),
            "latencies_ms": latencies,
            "finished_at": time.time(),
            "cpu_s": time.process_time() - started_cpu,
            "timed_out": time.monotonic() >= deadline,
        }
    )
    conn.close()
