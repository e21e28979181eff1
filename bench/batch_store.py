"""CPU per message of the widget writer's store, alone: ``inbox.services.batching.
contact_messages_receive`` on batches of contact messages to dialogs with an open session
(the steady path: one statement per batch), and with ``--events`` the delivery of the
batch's ``MessageReceived`` to their listeners, as the writer's event thread does it.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/batch_store.py --batch 10 --batches 1500 --reps 3 --events
    python3 scripts/services.py down

Reports, per repetition, the CPU of this process (``time.process_time``) and of its
PostgreSQL backend (``/proc/<pid>/stat``) per message, in µs: figures that other work on
a shared machine moves far less than it moves latencies (it does move them some: compare
runs made side by side, A B A B). Needs DATABASE_URL (PostgreSQL); makes its own database
next to it (``<name>_messaging_bench``, as ``messaging_bench.py``) and drops it at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.messaging_bench import (  # noqa: E402
    bench_database_url,
    database_create,
    database_drop,
    product_env,
)


def backend_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    from contactcenter import events
    from inbox.models import Channel, Session, SessionStatus
    from inbox.services import batching, widget_visitor_create
    from inbox.services.batching import Incoming
    from routing.models import Group

    group = Group.objects.create(name="bench")
    channel = Channel.objects.create(type="widget", name="bench", default_group=group)
    dialogs = [widget_visitor_create(channel=channel)[0].dialog_id for _ in range(args.dialogs)]
    Session.objects.bulk_create(
        Session(dialog_id=d, group=group, status=SessionStatus.ACTIVE) for d in dialogs
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    text = "x" * 180

    def run(batches: int) -> None:
        for b in range(batches):
            batch = [
                Incoming(
                    dialogs[(b * args.batch + i) % len(dialogs)],
                    f"{text} {b}-{i}",
                    uuid.uuid4().hex,
                )
                for i in range(args.batch)
            ]
            received: list[events.Event] = []
            results = batching.contact_messages_receive(
                batch, on_events=received.extend, on_sends=lambda sends: None
            )
            if not all(isinstance(r, batching.Stored) for r in results):
                raise SystemExit(f"a message was not stored: {results}")
            for event in received if args.events else []:
                events.dispatch(event)

    run(50)  # warm: connection, prepared statement, caches
    for rep in range(args.reps):
        p0, g0 = time.process_time(), backend_cpu_s(backend)
        run(args.batches)
        p1, g1 = time.process_time(), backend_cpu_s(backend)
        n = args.batches * args.batch
        print(
            f"rep {rep}: batch {args.batch}, events {'on' if args.events else 'off'}: "
            f"python {1e6 * (p1 - p0) / n:.1f} µs/msg, postgres {1e6 * (g1 - g0) / n:.1f} µs/msg",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--batches", type=int, default=1500)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--dialogs", type=int, default=200)
    parser.add_argument("--events", action="store_true", help="deliver the events too")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child, on the bench database
        measure(args)
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must point at PostgreSQL")
    admin_url, url, name = bench_database_url(database_url)
    database_create(admin_url, name)
    try:
        env = product_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        run = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
        subprocess.run(run, cwd=ROOT, env=env, check=True, timeout=300)
        child = [sys.executable, __file__, "--measure", *sys.argv[1:]]
        subprocess.run(child, cwd=ROOT, env=env, check=True, timeout=900)
    finally:
        database_drop(admin_url, name)


if __name__ == "__main__":
    main()
