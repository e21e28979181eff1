"""A real Celery worker on the real Redis broker answers and runs a task, at a lower CPU
priority than the web processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

from tests.real.support import ROOT, Process, real

pytestmark = real


def niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])


def test_a_worker_on_the_real_broker_answers_ping_and_runs_a_task(
    product_env: dict[str, str],
) -> None:
    from contactcenter.celery import app

    # Its own queue and node name: other tests' tasks on the shared broker are not its.
    tag = uuid.uuid4().hex[:12]
    queue, node = f"test-{tag}", f"test-{tag}@{socket.gethostname()}"
    celery = [sys.executable, "-m", "celery", "-A", "contactcenter"]
    worker = Process(
        [
            *celery,
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--queues",
            queue,
            "--hostname",
            node,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=product_env,
    )
    try:
        worker.wait_for(r"\bready\.", timeout=60)

        ping = subprocess.run(
            [*celery, "inspect", "ping", "--timeout", "5", "--destination", node],
            cwd=ROOT,
            env=product_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert "pong" in ping.stdout
        # below the web processes' CPU priority (WORKER_NICE, default 10), as ours is 0
        assert niceness(worker.popen.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 10

        sent = app.send_task("contactcenter.ping", queue=queue)
        # results are ignored by design; the worker's own log says it ran
        worker.wait_for(
            rf"Task contactcenter\.ping\[{sent.id}\] succeeded in .*: 'pong'", timeout=30
        )
    finally:
        worker.stop()
