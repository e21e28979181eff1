"""Routing under a burst: how fast queued sessions reach operators, on PostgreSQL, with
the product's dispatcher in several processes at once, beside a raw-SQL floor.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/routing_bench.py            # 3 repetitions, about 2 minutes
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL; SQLite is refused) and REDIS_URL (the product's
broadcasts go through the real channel layer). The benchmark makes its own database
next to DATABASE_URL's (``<name>_routing_bench``), migrates it, and drops it at the end.

Per repetition:

1. Burst, ours. 20 groups (least busy), 500 operators online with an inbox socket open,
   limit 12 each from the group default (6,000 seats), 100 of them in two groups. 5,000
   sessions are put in the queues in bulk (as rows, the state a burst of first messages
   leaves when no dispatcher has run yet), then 4 worker processes run
   ``group_dispatch`` over all groups at once until two whole passes assign nothing.
   Measured: assignments/s (first worker start to last worker end), the latency of each
   assignment from the first statement of its transaction to its commit, and the queue
   wait (``queued_at`` to ``assigned_at``, which in a burst is mostly the place in line).
2. Freed capacity, ours. The queues are topped up past the free seats and dispatched
   until every seat is taken, then sessions are closed one by one (open loop, 20 a
   second) through ``inbox.services.session_close``: routing's listener dispatches the
   queue's head after the close commits. Measured: the close's commit to the commit of
   the assignment that took the freed seat.
3. Burst, floor. The same 5,000 sessions and operators, assigned by 4 processes doing the
   same thing in raw SQL with psycopg (``bench/routing_floor.py``).

The product's reports record every assignment (``reports.listeners``): with
``REPORTS_RECORDER=celery`` (the default) each dispatcher process hands its lane's
batches to the workers, so the benchmark runs one Celery worker (prefork, one process
in its pool) beside the dispatchers for the whole run, and after each of our phases waits
until every assignment's event is recorded: its CPU and the lag after the last
assignment are reported with ours. With ``REPORTS_RECORDER=thread`` the dispatchers'
processes record in a lane of their own, and no worker runs.

After each phase an SQL check counts operators over their limit (must be 0), sessions
whose status and operator disagree, and assignments recorded by the workers against the
active rows (a session assigned twice would show up as more recorded than active).
Loopback only; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import routing_floor  # noqa: E402
from bench.common import Worker  # noqa: E402

# --- statistics -------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median_range(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.4g} [{min(values):.4g}-{max(values):.4g}]"


# --- Django side ------------------------------------------------------------------------

# Diagnostic only (``--stub-broadcasts``): ``realtime.send_now`` does nothing, in every
# process, to show what the dispatcher costs without the frames sent after each commit.
STUB_ENV = "ROUTING_BENCH_STUB_BROADCASTS"
SWITCH_ENV = "ROUTING_BENCH_SWITCH_INTERVAL"

# Assignments per dispatch call before a worker moves to the next group (and looks at
# its deadline); the floor does the same.
PER_CALL = routing_floor.PER_CALL


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
    os.environ.setdefault("SECRET_KEY", "routing-bench-not-secret")
    os.environ.setdefault("HTTPS", "false")
    import django

    django.setup()
    if os.environ.get(SWITCH_ENV):
        sys.setswitchinterval(float(os.environ[SWITCH_ENV]))
    if os.environ.get(STUB_ENV):
        from contactcenter import realtime

        realtime.send_now = lambda group, frame: None


class TxRecorder:
    """Times every transaction of a Django connection from its first statement to its
    commit, and counts the assignments (``UPDATE inbox_session SET status ... assigned_at``)
    and closes in it. Installed as an execute wrapper and around ``commit``."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.started: float | None = None
        self.pending_assigned = 0
        self.pending_closed = 0
        self.latencies_ms: list[float] = []  # one per assignment
        self.commits: list[tuple[float, int, int]] = []  # (perf_counter, assigned, closed)
        self.keep_commits = False
        connection.execute_wrappers.append(self._wrap)
        real_commit, real_rollback = connection.commit, connection.rollback

        def commit() -> None:
            real_commit()
            self._committed()

        def rollback() -> None:
            real_rollback()
            self._reset()

        connection.commit, connection.rollback = commit, rollback

    @property
    def assigned(self) -> int:
        return len(self.latencies_ms)

    def _wrap(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        in_transaction = self.connection.in_atomic_block
        if in_transaction and self.started is None:
            self.started = time.perf_counter()
        result = execute(sql, params, many, context)
        if in_transaction and 'UPDATE "inbox_session" SET ' in sql:
            if '"assigned_at"' in sql and params and "active" in params:
                self.pending_assigned += context["cursor"].rowcount
            elif '"close_reason"' in sql:
                self.pending_closed += context["cursor"].rowcount
        return result

    def _committed(self) -> None:
        now = time.perf_counter()
        if self.started is not None and self.pending_assigned:
            self.latencies_ms.extend([(now - self.started) * 1000] * self.pending_assigned)
        if self.keep_commits and (self.pending_assigned or self.pending_closed):
            self.commits.append((now, self.pending_assigned, self.pending_closed))
        self._reset()

    def _reset(self) -> None:
        self.started, self.pending_assigned, self.pending_closed = None, 0, 0


def ours_worker(
    group_ids: list[int], ready: Any, go: Any, results: Any, max_seconds: float
) -> None:
    """A process of ours: ``group_dispatch`` over every group in turn until two whole
    passes assign nothing."""
    django_setup()
    from django.db import connection

    from contactcenter import lanes, realtime
    from routing.services import assignment

    recorder = TxRecorder(connection)
    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(count)
    connection.ensure_connection()
    realtime.send_now("bench.warmup", {"type": "warmup"})  # the channel layer's connection
    ready.put(1)
    go.wait()
    started_cpu = time.process_time()
    returned = 0
    deadline = time.monotonic() + max_seconds
    idle_passes = 0
    while idle_passes < 2 and time.monotonic() < deadline:
        in_pass = 0
        for group_id in group_ids:
            if time.monotonic() >= deadline:
                break
            # as the product calls it, bounded so that a call ends near the deadline
            in_pass += assignment.group_dispatch(group_id=group_id, limit=PER_CALL)
        returned += in_pass
        idle_passes = 0 if in_pass else idle_passes + 1
    finished_at, cpu_s = time.time(), time.process_time() - started_cpu
    timed_out = time.monotonic() >= deadline
    # what the assignments' listeners left to the process's background lanes (the
    # reports' records): its CPU counts too, once they are done
    lanes.lanes_wait(timeout=max_seconds)
    results.put(
        {
            "assigned": recorder.assigned,
            "returned": returned,
            "latencies_ms": recorder.latencies_ms,
            "finished_at": finished_at,
            "cpu_s": cpu_s,
            "cpu_with_lanes_s": time.process_time() - started_cpu,
            "statements": statements[0],
            "timed_out": timed_out,
        }
    )
    connection.close()


# --- database preparation ---------------------------------------------------------------


def bench_database_url(url: str) -> tuple[str, str]:
    """(URL of the benchmark's own database, its name) next to ``url``'s."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_routing_bench"
    return urlunsplit(parts._replace(path="/" + name)), name


def psycopg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def recreate_database(server_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(psycopg_dsn(server_url), autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Groups, channels, operators and memberships; contacts and dialogs for every session
    the run opens. Returns ids the phases need."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from crm.models import Contact
    from inbox.models import Channel, ChannelType, Dialog
    from routing.models import Group, GroupMembership, Operator, OperatorStatus, RoutingStrategy

    now = timezone.now()
    groups = Group.objects.bulk_create(
        Group(
            name=f"Bench group {g}",
            routing_strategy=RoutingStrategy.LEAST_BUSY,
            default_max_sessions=args.limit,
        )
        for g in range(args.groups)
    )
    channels = Channel.objects.bulk_create(
        Channel(type=ChannelType.WIDGET, name=f"Bench {g.name}", default_group=g) for g in groups
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-op-{i}", password="!") for i in range(args.operators)
    )
    operators = Operator.objects.bulk_create(
        Operator(
            user=u,
            display_name=f"Operator {i}",
            status=OperatorStatus.ONLINE,
            open_sockets=1,
            connected_at=now,
            last_seen_at=now,
        )
        for i, u in enumerate(users)
    )
    memberships = []
    for i, operator in enumerate(operators):
        primary, k = i % args.groups, i // args.groups
        memberships.append(GroupMembership(group=groups[primary], operator=operator, position=k))
        if k % 5 == 0:  # a fifth of each group also works in another one
            other = (primary + 1 + k) % args.groups
            memberships.append(
                GroupMembership(group=groups[other], operator=operator, position=1000 + k)
            )
    GroupMembership.objects.bulk_create(memberships)
    dialogs_needed = max(args.sessions, args.operators * args.limit + args.closes + 100)
    contacts = Contact.objects.bulk_create(
        Contact(name=f"Customer {i}") for i in range(dialogs_needed)
    )
    dialogs = Dialog.objects.bulk_create(
        Dialog(channel=channels[i % len(channels)], contact=c, last_message_at=now)
        for i, c in enumerate(contacts)
    )
    return {
        "group_ids": [g.pk for g in groups],
        "dialogs": [(d.pk, groups[i % len(groups)].pk) for i, d in enumerate(dialogs)],
        "shared_operators": sum(1 for m in memberships if m.position >= 1000),
    }


def reset_sessions(state: dict[str, Any], count: int) -> None:
    """No sessions but ``count`` queued ones, one per dialog, spread over the groups in
    the order customers wrote; operators with no assignment history."""
    from django.db import connection

    from routing.models import Group, Operator

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE inbox_session CASCADE")
    Operator.objects.update(last_assigned_at=None)
    Group.objects.update(round_robin_position=-1)
    queue_sessions(state["dialogs"][:count])
    vacuum()


def queue_sessions(dialogs: list[tuple[int, int]]) -> None:
    import datetime as dt

    from django.utils import timezone

    from inbox.models import Session, SessionStatus

    start = timezone.now() - dt.timedelta(milliseconds=len(dialogs) / 10)
    Session.objects.bulk_create(
        (
            Session(
                dialog_id=dialog_id,
                group_id=group_id,
                status=SessionStatus.QUEUED,
                queued_at=start + dt.timedelta(microseconds=100 * i),
                last_contact_message_at=start,
            )
            for i, (dialog_id, group_id) in enumerate(dialogs)
        ),
        batch_size=1000,
    )


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("inbox_session", "routing_operator"):
            cursor.execute(f"VACUUM ANALYZE {table}")


CHECK = """
WITH lim AS (
  SELECT o.id, COALESCE(o.max_sessions,
           (SELECT max(g.default_max_sessions) FROM routing_groupmembership m
              JOIN routing_group g ON g.id = m.group_id WHERE m.operator_id = o.id), 3) AS lim,
         (SELECT count(*) FROM inbox_session s
           WHERE s.operator_id = o.id AND s.status = 'active') AS active
    FROM routing_operator o
)
SELECT
  (SELECT count(*) FROM lim WHERE active > lim),
  (SELECT coalesce(max(active), 0) FROM lim),
  (SELECT coalesce(min(active), 0) FROM lim),
  (SELECT count(*) FROM inbox_session WHERE status = 'active'),
  (SELECT count(*) FROM inbox_session WHERE status = 'queued'),
  (SELECT count(*) FROM inbox_session WHERE status = 'closed'),
  (SELECT count(*) FROM inbox_session
    WHERE (status = 'active' AND (operator_id IS NULL OR assigned_at IS NULL))
       OR (status = 'queued' AND (operator_id IS NOT NULL OR assigned_at IS NOT NULL))),
  (SELECT coalesce(sum(lim - active), 0) FROM lim WHERE active < lim)
"""


def check() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CHECK)
        row = cursor.fetchone()
    keys = (
        "over_limit_operators",
        "max_load",
        "min_load",
        "active",
        "queued",
        "closed",
        "inconsistent",
        "free_seats",
    )
    return dict(zip(keys, (int(v) for v in row), strict=True))


def queue_waits_ms() -> list[float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(epoch FROM assigned_at - queued_at) * 1000 FROM inbox_session "
            "WHERE status = 'active' AND queued_at IS NOT NULL"
        )
        return [float(r[0]) for r in cursor.fetchall()]


# --- phases -----------------------------------------------------------------------------


def run_workers(target: Any, args_of: Any, workers: int, timeout: float) -> dict[str, Any]:
    """Starts ``workers`` processes (spawned: fresh interpreters, fresh connections),
    waits until each is connected, releases them at once, collects their results."""
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=target, args=(*args_of(i), ready, go, results, timeout), daemon=True)
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=120)
        started = time.time()
        go.set()
        outs = [results.get(timeout=timeout + 180) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
                p.join(timeout=10)
    finished = max(o["finished_at"] for o in outs)
    latencies = [x for o in outs for x in o["latencies_ms"]]
    assigned = sum(o["assigned"] for o in outs)
    return {
        "assigned": assigned,
        "returned": sum(o.get("returned", o["assigned"]) for o in outs),
        "seconds": finished - started,
        "per_s": assigned / (finished - started) if finished > started else 0.0,
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "worker_cpu_s": round(sum(o["cpu_s"] for o in outs), 2),
        # ours only: the lanes drained after the last assignment, and the statements of the
        # dispatcher's thread (the lanes' own are not counted)
        "worker_cpu_with_lanes_s": round(
            sum(o.get("cpu_with_lanes_s", o["cpu_s"]) for o in outs), 2
        ),
        "statements_per_assignment": round(
            sum(o.get("statements", 0) for o in outs) / max(1, assigned), 3
        ),
        "timed_out": any(o["timed_out"] for o in outs),
    }


def rotated(group_ids: list[int], i: int, workers: int) -> list[int]:
    shift = i * len(group_ids) // workers
    return group_ids[shift:] + group_ids[:shift]


RECORDED_SQL = (
    "SELECT count(*) FROM reports_metricevent e JOIN inbox_session s ON s.id = e.session_id "
    "WHERE e.kind = 'assigned'"
)


def _recorded() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RECORDED_SQL)
        return int(cursor.fetchone()[0])


def reports_recorded(reports: Any, assigned: int, timeout: float) -> dict[str, Any]:
    """Waits until the reports hold an ``assigned`` event for each of ``assigned``
    sessions: the seconds it took after the dispatchers ended, and the worker's CPU (if
    one records) since ``reports`` was read."""
    started, deadline = time.monotonic(), time.monotonic() + timeout
    while (recorded := _recorded()) < assigned and time.monotonic() < deadline:
        time.sleep(0.05)
    out: dict[str, Any] = {
        "reports_recorded": recorded,
        "reports_lag_s": round(time.monotonic() - started, 2),
    }
    if reports["worker"] is not None:
        out["reports_worker_cpu_s"] = round(reports["worker"].cpu_s() - reports["cpu_at"], 2)
    return out


def reports_settled(timeout: float) -> None:
    """Waits until the reports' count of assignments stays put for a second."""
    deadline = time.monotonic() + timeout
    last, still = -1, 0
    while still < 4 and time.monotonic() < deadline:
        now = _recorded()
        still, last = (still + 1 if now == last else 0), now
        time.sleep(0.25)


def reports_mark(reports: dict[str, Any]) -> None:
    """The worker's CPU so far: what it uses from now on is the next phase's."""
    if reports["worker"] is not None:
        reports["cpu_at"] = reports["worker"].cpu_s()


def phase_burst_ours(
    state: dict[str, Any], args: argparse.Namespace, reports: dict[str, Any]
) -> dict[str, Any]:
    reset_sessions(state, args.sessions)
    reports_mark(reports)
    result = run_workers(
        ours_worker,
        lambda i: (rotated(state["group_ids"], i, args.workers),),
        args.workers,
        args.max_seconds,
    )
    result.update(check())
    result.update(reports_recorded(reports, result["assigned"], args.max_seconds))
    waits = queue_waits_ms()
    result["queue_wait_p50_ms"], result["queue_wait_p99_ms"] = pct(waits, 50), pct(waits, 99)
    return result


def phase_freed_capacity(
    state: dict[str, Any], args: argparse.Namespace, recorder: TxRecorder
) -> dict[str, Any]:
    """Fills every seat with a queue left over, then closes sessions one by one."""
    from inbox import services as inbox_services
    from inbox.models import Session, SessionStatus
    from routing.models import GroupMembership
    from routing.services import assignment

    # the state: every seat taken, a queue in every group (prepared in raw SQL, since it
    # is not what is measured here), then one dispatch pass of ours to settle it
    seats = args.operators * args.limit
    reset_sessions(state, seats + args.closes + 100)
    with psycopg_connect() as conn:
        for group_id in state["group_ids"]:
            while routing_floor.assign_head(conn, group_id):
                pass
    assignment.groups_dispatch(group_ids=state["group_ids"])
    before = check()
    members: dict[int, list[int]] = {}
    for group_id, operator_id in GroupMembership.objects.values_list("group_id", "operator_id"):
        members.setdefault(group_id, []).append(operator_id)

    latencies: list[float] = []
    missed = 0
    interval = 1.0 / args.close_rate
    start = time.monotonic()
    for i in range(args.closes):
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        # a session of a member of a group that has a queue: its seat goes to that queue
        waiting_group = (
            Session.objects.filter(status=SessionStatus.QUEUED)
            .order_by("-priority", "queued_at", "pk")
            .values_list("group_id", flat=True)[i % 10 : i % 10 + 1]
        )
        group_id = waiting_group[0] if waiting_group else None
        if group_id is None:
            break
        victim = (
            Session.objects.filter(status=SessionStatus.ACTIVE, operator_id__in=members[group_id])
            .order_by("assigned_at")
            .values_list("pk", flat=True)
            .first()
        )
        recorder.keep_commits, recorder.commits = True, []
        inbox_services.session_close(session_id=victim)
        recorder.keep_commits = False
        closed_at = next((t for t, _a, c in recorder.commits if c), None)
        assigned_at = next((t for t, a, _c in recorder.commits if a), None)
        if closed_at is None or assigned_at is None:
            missed += 1
            continue
        latencies.append((assigned_at - closed_at) * 1000)
    after = check()
    return {
        "closes": args.closes,
        "reassigned": len(latencies),
        "missed": missed,
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "queued_before": before["queued"],
        "free_seats_before": before["free_seats"],
        "over_limit_operators": after["over_limit_operators"],
        "inconsistent": after["inconsistent"],
    }


def django_dsn() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return (
        f"host={db['HOST']} port={db['PORT']} dbname={db['NAME']} user={db['USER']} "
        f"password={db['PASSWORD']}"
    )


def psycopg_connect() -> Any:
    import psycopg

    return psycopg.connect(django_dsn(), autocommit=True)


def phase_burst_floor(state: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    reset_sessions(state, args.sessions)
    dsn = django_dsn()
    result = run_workers(
        routing_floor.worker,
        lambda i: (dsn, rotated(state["group_ids"], i, args.workers)),
        args.workers,
        args.max_seconds,
    )
    result.update(check())
    return result


# --- command ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--operators", type=int, default=500)
    parser.add_argument("--limit", type=int, default=12, help="group default session limit")
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--closes", type=int, default=100)
    parser.add_argument("--close-rate", type=float, default=20.0, help="closes a second")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="bound per burst")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--stub-broadcasts",
        action="store_true",
        help="diagnostic, not the product: send no websocket frames (realtime.send_now)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="diagnostic: sys.setswitchinterval in every process (Python's default 0.005 s)",
    )
    args = parser.parse_args()
    if args.stub_broadcasts:
        os.environ[STUB_ENV] = "1"
    if args.switch_interval:
        os.environ[SWITCH_ENV] = str(args.switch_interval)

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        print("DATABASE_URL must point at PostgreSQL (SQLite is refused): "
              'eval "$(python3 scripts/services.py up)"', file=sys.stderr)  # fmt: skip
        return 2
    if not os.environ.get("REDIS_URL", "").startswith("redis://"):
        print("REDIS_URL must point at Redis (the product broadcasts through it)", file=sys.stderr)
        return 2
    host = urlsplit(server_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"loopback only: DATABASE_URL's host is {host}", file=sys.stderr)
        return 2

    url, name = bench_database_url(server_url)
    recreate_database(server_url, name)
    os.environ["DATABASE_URL"] = url  # the spawned workers inherit it
    try:
        django_setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        recorder = TxRecorder(connection)
        state = prepare(args)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        print(
            f"# PostgreSQL {pg_version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
            f"{args.groups} groups, {args.operators} operators ({state['shared_operators']} in "
            f"two groups), limit {args.limit}, {args.sessions} sessions, {args.workers} workers"
            + ("; DIAGNOSTIC: broadcasts stubbed out" if args.stub_broadcasts else ""),
            flush=True,
        )
        runs = []
        reports: dict[str, Any] = {"worker": None, "cpu_at": 0.0}
        if os.environ.get("REPORTS_RECORDER", "celery") == "celery":
            log_dir = Path(tempfile.mkdtemp(prefix="routing-bench-"))
            reports["worker"] = Worker(dict(os.environ), log_dir, 1)
            reports["worker"].wait_idle()
            print(
                f"# a Celery worker (1 process in its pool, WORKER_NICE "
                f"{os.environ.get('WORKER_NICE', 'default 10')}), log in {log_dir}"
            )
        try:
            for rep in range(1, args.repeat + 1):
                ours = phase_burst_ours(state, args, reports)
                print(f"run {rep} ours  {json.dumps(rounded(ours))}", flush=True)
                freed = phase_freed_capacity(state, args, recorder)
                print(f"run {rep} freed {json.dumps(rounded(freed))}", flush=True)
                # the floor's burst does not share the machine with our recording
                reports_settled(args.max_seconds)
                floor = phase_burst_floor(state, args)
                print(f"run {rep} floor {json.dumps(rounded(floor))}", flush=True)
                runs.append({"ours": ours, "freed": freed, "floor": floor})
        finally:
            if reports["worker"] is not None:
                reports["worker"].stop()
        summarize(runs, args)
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2))
        failed = any(
            r[k]["over_limit_operators"] or r[k]["inconsistent"] for r in runs for k in r
        ) or any(r["ours"]["assigned"] != r["ours"]["active"] for r in runs)
        failed = failed or any(r["ours"]["reports_recorded"] != r["ours"]["assigned"] for r in runs)
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(server_url, name, drop_only=True)


def rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in d.items()}


def summarize(runs: list[dict[str, Any]], args: argparse.Namespace) -> None:
    def col(phase: str, key: str) -> list[float]:
        return [float(r[phase][key]) for r in runs]

    def spread(phase: str) -> str:
        loads = zip(col(phase, "max_load"), col(phase, "min_load"), strict=True)
        return median_range([a - b for a, b in loads])

    ratio = [o / f for o, f in zip(col("ours", "per_s"), col("floor", "per_s"), strict=True)]
    lines = [
        "",
        f"## median [range] of {len(runs)} runs",
        f"ours   assignments/s {median_range(col('ours', 'per_s'))}  "
        f"p50 {median_range(col('ours', 'p50_ms'))} ms  p99 {median_range(col('ours', 'p99_ms'))}"
        f" ms  max {median_range(col('ours', 'max_ms'))} ms",
        f"floor  assignments/s {median_range(col('floor', 'per_s'))}  "
        f"p50 {median_range(col('floor', 'p50_ms'))} ms  p99 "
        f"{median_range(col('floor', 'p99_ms'))} ms  max {median_range(col('floor', 'max_ms'))} ms",
        f"ratio ours/floor (assignments/s) {median_range(ratio)}",
        f"ours   assigned {median_range(col('ours', 'assigned'))} of {args.sessions}; "
        f"over-limit operators {sum(col('ours', 'over_limit_operators')):.0f}; inconsistent "
        f"{sum(col('ours', 'inconsistent')):.0f}; recorded-active "
        f"{sum(col('ours', 'assigned')) - sum(col('ours', 'active')):.0f}; load spread (max-min) "
        f"{spread('ours')}",
        f"ours   queue wait in the burst p50 {median_range(col('ours', 'queue_wait_p50_ms'))} ms "
        f"p99 {median_range(col('ours', 'queue_wait_p99_ms'))} ms",
        f"ours   worker CPU s {median_range(col('ours', 'worker_cpu_s'))} (with the lanes "
        f"drained {median_range(col('ours', 'worker_cpu_with_lanes_s'))}); floor "
        f"{median_range(col('floor', 'worker_cpu_s'))}; statements per assignment "
        f"{median_range(col('ours', 'statements_per_assignment'))}",
        f"ours   reports: recorded {sum(col('ours', 'reports_recorded')):.0f} of "
        f"{sum(col('ours', 'assigned')):.0f} assignments, "
        f"{median_range(col('ours', 'reports_lag_s'))} s after the last; the worker's CPU "
        + (
            f"{median_range(col('ours', 'reports_worker_cpu_s'))} s"
            if "reports_worker_cpu_s" in runs[0]["ours"]
            else "n/a (REPORTS_RECORDER=thread: in the dispatchers' processes)"
        ),
        f"floor  over-limit operators {sum(col('floor', 'over_limit_operators')):.0f}; load spread "
        f"{spread('floor')}",
        f"freed  close commit -> assignment commit p50 {median_range(col('freed', 'p50_ms'))} ms "
        f"p99 {median_range(col('freed', 'p99_ms'))} ms max {median_range(col('freed', 'max_ms'))}"
        f" ms; reassigned {median_range(col('freed', 'reassigned'))} of {args.closes}, missed "
        f"{sum(col('freed', 'missed')):.0f}; over-limit "
        f"{sum(col('freed', 'over_limit_operators')):.0f}",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
