"""The reports' recording of domain events: CPU and statements per record, a lane batch
recorded set-based (``reports.services.events_record``) beside each record in its own
transaction (``reports.services.records_each``, how the lane recorded before).

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/report_recording.py --records 2000 --repeat 3
    python3 scripts/services.py down

Makes its own database next to DATABASE_URL's (``<name>_report_recording``) and drops
it at the end. 20 groups (one with working hours, so that business time is computed),
20 channels, 100 operators; ``--records`` sessions assigned, each with the contact's
first message, as a routing burst leaves them. Per repetition and way of recording,
from empty reports: (1) ``assigned`` for every session (new facts), then (2) after an
operator reply and a close written in bulk, ``first_reply`` and ``closed`` for every
session (facts updated, histogram and percentiles moved). The records go in lane
batches of ``--batch`` (as the reports lane hands them over). Measured in this one
process: CPU seconds (``time.process_time``: this process's Python, not PostgreSQL's)
per 1,000 records, statements per record, wall time. Both ways must leave the same
totals (checked)."""

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
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routing_bench import django_setup, recreate_database  # noqa: E402

GROUPS, OPERATORS = 20, 100
REPORT_TABLES = (
    "reports_conversationfact",
    "reports_metricevent",
    "reports_dayrollup",
    "reports_hourrollup",
    "reports_hourtotal",
    "reports_daybucket",
    "reports_hourbucket",
)


def bench_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_report_recording"
    return parts._replace(path="/" + name).geturl(), name


def prepare(records: int) -> list[int]:
    """Groups, channels, operators and ``records`` assigned sessions; their ids."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from crm.models import Contact
    from inbox.models import Channel, ChannelType, Dialog, Message, Session, SessionStatus
    from routing.models import Group, Operator

    now = timezone.now()
    groups = Group.objects.bulk_create(
        Group(name=f"Bench group {g}", always_open=g != 0) for g in range(GROUPS)
    )
    for day in range(5):
        groups[0].working_hours.create(weekday=day, start=dt.time(9), end=dt.time(17))
    channels = Channel.objects.bulk_create(
        Channel(type=ChannelType.WIDGET, name=f"Bench {g.name}", default_group=g) for g in groups
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-op-{i}", password="!") for i in range(OPERATORS)
    )
    operators = Operator.objects.bulk_create(
        Operator(user=u, display_name=f"Operator {i}") for i, u in enumerate(users)
    )
    contacts = Contact.objects.bulk_create(Contact(name=f"Customer {i}") for i in range(records))
    dialogs = Dialog.objects.bulk_create(
        Dialog(channel=channels[i % GROUPS], contact=c, last_message_at=now)
        for i, c in enumerate(contacts)
    )
    sessions = Session.objects.bulk_create(
        Session(
            dialog=d,
            group=groups[i % GROUPS],
            operator=operators[i % OPERATORS],
            status=SessionStatus.ACTIVE,
            queued_at=now - dt.timedelta(seconds=30),
            assigned_at=now - dt.timedelta(seconds=30 - (i % 25)),
        )
        for i, d in enumerate(dialogs)
    )
    Message.objects.bulk_create(
        Message(
            session=s,
            dialog_id=s.dialog_id,
            sender_type="contact",
            text="Hello",
        )
        for s in sessions
    )
    return [s.pk for s in sessions]


def reports_empty() -> None:
    from django.db import connection

    from inbox.models import Message, Session

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(REPORT_TABLES)}")
    Message.objects.filter(sender_type="operator").delete()
    Session.objects.update(status="active", closed_at=None, close_reason="")


def replies_and_closes(session_ids: list[int]) -> None:
    """An operator's reply 5-44 s after each assignment and a close 300 s after it, at
    the same times in every run (the totals are compared)."""
    from django.db import connection

    from inbox.models import Message, Session

    Message.objects.bulk_create(
        Message(session_id=s.pk, dialog_id=s.dialog_id, sender_type="operator", text="Hi")
        for s in Session.objects.filter(pk__in=session_ids)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inbox_message m SET created_at = s.assigned_at + make_interval("
            "secs => 5 + s.id % 40) FROM inbox_session s "
            "WHERE m.session_id = s.id AND m.sender_type = 'operator'"
        )
        cursor.execute(
            "UPDATE inbox_session SET status = 'closed', close_reason = 'resolved', "
            "closed_at = assigned_at + interval '300 seconds'"
        )


class Counter:
    """Counts the statements a connection runs (an execute wrapper; cheap)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


def record(how: str, records: list[Any], batch: int) -> dict[str, float]:
    from django.db import connection

    from reports import services

    run = services.events_record if how == "batch" else services.records_each
    counter = Counter()
    with connection.execute_wrapper(counter):
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, len(records), batch):
            run(records[start : start + batch])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "cpu_s_per_1000": round(cpu / len(records) * 1000, 3),
        "statements_per_record": round(counter.n / len(records), 2),
        "wall_s": round(wall, 2),
    }


def totals() -> tuple[Any, ...]:
    from django.db.models import Sum

    from reports.models import ConversationFact, HourTotal, MetricEvent

    sums = HourTotal.objects.aggregate(
        s=Sum("sessions"), a=Sum("answered"), h=Sum("handle_us"), f=Sum("first_us")
    )
    return (
        ConversationFact.objects.count(),
        MetricEvent.objects.count(),
        *sums.values(),
    )


def one_run(how: str, session_ids: list[int], batch: int) -> dict[str, Any]:
    reports_empty()
    assigned = record(how, [("assigned", sid, {}) for sid in session_ids], batch)
    replies_and_closes(session_ids)
    later = [("first_reply", sid, {}) for sid in session_ids]
    later += [("closed", sid, {"reason": "resolved"}) for sid in session_ids]
    closed = record(how, later, batch)
    return {"assigned": assigned, "reply_and_close": closed, "totals": totals()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50, help="records per lane batch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    if urlsplit(server_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        print("loopback only", file=sys.stderr)
        return 2
    url, name = bench_url(server_url)
    recreate_database(server_url, name)
    os.environ["DATABASE_URL"] = url
    os.environ["BACKGROUND_LANES_INLINE"] = "true"
    try:
        django_setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        session_ids = prepare(args.records)
        print(f"# {args.records} sessions, lane batches of {args.batch}", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {"each": [], "batch": []}
        for rep in range(1, args.repeat + 1):
            for how in ("each", "batch"):
                result = one_run(how, session_ids, args.batch)
                runs[how].append(result)
                print(f"run {rep} {how:5} {json.dumps(result)}", flush=True)
        summary(runs)
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2))
        same = {tuple(r["totals"]) for rs in runs.values() for r in rs}
        print("totals equal:", len(same) == 1, flush=True)
        return 0 if len(same) == 1 else 1
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(server_url, name, drop_only=True)


def summary(runs: dict[str, list[dict[str, Any]]]) -> None:
    print("\n| | phase | CPU s per 1,000 records | statements per record | wall s |")
    print("|---|---|---|---|---|")
    for how, results in runs.items():
        for phase in ("assigned", "reply_and_close"):
            cells = []
            for key in ("cpu_s_per_1000", "statements_per_record", "wall_s"):
                values = [r[phase][key] for r in results]
                cells.append(f"{statistics.median(values)} [{min(values)}-{max(values)}]")
            print(f"| {how} | {phase} | {' | '.join(cells)} |")


if __name__ == "__main__":
    sys.exit(main())
