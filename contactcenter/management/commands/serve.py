"""``manage.py serve``: the whole product in one command, for a laptop or a demo.

Prepares the database (migrate, collectstatic, demo data), then runs as child processes:
the embedded Redis (when REDIS_URL is not set), the web server (Daphne), a Celery worker
and Celery beat. Ctrl-C or SIGTERM stops them all. Once all run, a child that dies is
started again and the console says so; one that dies during start-up, or keeps dying
(``processes.MAX_RESTARTS`` in a minute), stops the rest.
Production runs the same processes under its own supervisor instead (see the README).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.urls import reverse

from contactcenter.management import processes
from contactcenter.management.demo import DEMO_PASSWORD, USERS, demo_users_ready

REDIS_START_TIMEOUT_S = 15
WEB_START_TIMEOUT_S = 90
WORKER_START_TIMEOUT_S = 30


class Command(BaseCommand):
    help = (
        "Run the whole product: prepare the database and start Redis (embedded default), "
        "the web server, a Celery worker and Celery beat. Ctrl-C stops everything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address the web server binds.")
        parser.add_argument("--port", type=int, default=8000, help="Port of the web server.")
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Tasks the Celery worker runs at once."
        )
        parser.add_argument(
            "--pool",
            default="threads",
            choices=["threads", "prefork", "solo"],
            help=(
                "Celery worker pool. Threads by default: the tasks wait on the network and "
                "the database, and one process with threads is lighter than forked copies."
            ),
        )
        parser.add_argument(
            "--log-dir",
            type=Path,
            default=None,
            help="Where each process writes its log (default: var/log).",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Write the processes' output to their log files only, not to the console.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IN_PROCESS:
            raise CommandError(
                "REDIS_URL=memory:// keeps everything inside one process; serve runs several. "
                "Unset REDIS_URL for the embedded Redis, or point it at a Redis server."
            )
        host, port = options["host"], options["port"]
        log_dir: Path = options["log_dir"] or Path(settings.VAR_DIR) / "log"
        self._check_ports(host, port)
        self._prepare(load_demo=not options["no_demo"])

        supervisor = processes.Supervisor(
            cwd=Path(settings.BASE_DIR),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            console=None if options["quiet"] else cast(IO[str], self.stdout._out),
        )
        stopping = threading.Event()
        self._on_signals(stopping)
        try:
            self._start_all(supervisor, stopping, host, port, log_dir, options)
            if not stopping.is_set():
                supervisor.say(self.style.SUCCESS(self._banner(host, port, log_dir)))
            while not stopping.wait(0.25):
                self._restart_the_dead(supervisor)
            supervisor.say("serve: stopping...")
        finally:
            supervisor.stop()
        supervisor.say("serve: stopped.")

    # --- before the children ---------------------------------------------------------------

    def _check_ports(self, host: str, port: int) -> None:
        bind_host = "127.0.0.1" if host in ("localhost", "") else host
        if ":" not in bind_host and not processes.port_is_free(port, bind_host):
            raise CommandError(
                f"Port {port} on {host} is taken (another server, or serve already running). "
                "Pick another with --port."
            )
        if settings.REDIS_IS_EMBEDDED and not processes.port_is_free(settings.EMBEDDED_REDIS_PORT):
            raise CommandError(
                f"Port {settings.EMBEDDED_REDIS_PORT} for the embedded Redis is taken (is serve "
                "already running?). Stop it, or set EMBEDDED_REDIS_PORT to a free port."
            )

    def _prepare(self, *, load_demo: bool) -> None:
        self.stdout.write("serve: bringing the database up to date (migrate)")
        call_command("migrate", interactive=False, verbosity=0)
        # WhiteNoise serves from the app directories (WHITENOISE_USE_FINDERS), so this is
        # only for a manifest storage or a proxy reading STATIC_ROOT; unchanged files are
        # skipped, so it costs little after the first run.
        call_command("collectstatic", interactive=False, verbosity=0)
        if load_demo:
            call_command("demo_data", verbosity=1, stdout=self.stdout._out)
        connections.close_all()  # the children open their own

    def _on_signals(self, stopping: threading.Event) -> None:
        def handler(signum: int, frame: Any) -> None:
            stopping.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    # --- the children ----------------------------------------------------------------------

    def _start_all(
        self,
        supervisor: processes.Supervisor,
        stopping: threading.Event,
        host: str,
        port: int,
        log_dir: Path,
        options: dict[str, Any],
    ) -> None:
        loglevel = str(os.environ.get("LOG_LEVEL", "INFO")).upper()

        def healthy() -> bool:
            if stopping.is_set():
                return False
            self._raise_if_one_died(supervisor)
            return True

        if settings.REDIS_IS_EMBEDDED:
            redis_dir = Path(settings.VAR_DIR) / "redis"
            redis_dir.mkdir(parents=True, exist_ok=True)
            command = processes.redis_command(
                processes.redis_server_binary(), settings.EMBEDDED_REDIS_PORT, redis_dir
            )
            # Its start-up chatter (kernel tuning warnings meant for production) is noise
            # here; it stays in its log, which the message names if Redis ever dies.
            supervisor.start("redis", command, log_dir / "redis.log", echo=False)
        if not processes.wait_until(
            lambda: processes.redis_answers(settings.REDIS_URL), REDIS_START_TIMEOUT_S, healthy
        ):
            if stopping.is_set():
                return
            raise CommandError(f"Redis at {settings.REDIS_URL} does not answer PING.")

        supervisor.start("web", processes.web_command(host, port), log_dir / "web.log")
        supervisor.start(
            "worker",
            processes.worker_command(options["concurrency"], options["pool"], loglevel),
            log_dir / "worker.log",
        )
        supervisor.start("beat", processes.beat_command(loglevel), log_dir / "beat.log")

        health_url = f"http://{processes.local_address(host)}:{port}{reverse('healthz')}"
        if not processes.wait_until(
            lambda: processes.http_answers(health_url), WEB_START_TIMEOUT_S, healthy
        ):
            if stopping.is_set():
                return
            raise CommandError(
                f"The web server did not answer {health_url} in {WEB_START_TIMEOUT_S} s; "
                f"see {log_dir / 'web.log'}."
            )
        # The worker is ready a moment after the web; the banner waits for it so that it comes
        # after the worker's own start-up output instead of being buried in it.
        if not processes.wait_until(processes.worker_answers, WORKER_START_TIMEOUT_S, healthy):
            if stopping.is_set():
                return
            supervisor.say(
                f"serve: the worker has not answered a ping in {WORKER_START_TIMEOUT_S} s; "
                f"see {log_dir / 'worker.log'}."
            )

    def _restart_the_dead(self, supervisor: processes.Supervisor) -> None:
        """Once everything runs, a child that dies is started again (and it is said);
        one that keeps dying stops the whole."""
        try:
            supervisor.restart_dead()
        except processes.ChildKeepsDying as dying:
            child = dying.child
            raise CommandError(
                f"The {child.name} process exited again (code {child.poll()}) after "
                f"{dying.restarts} restarts in {processes.RESTART_WINDOW_S:.0f} s; its log is "
                f"{child.log_path}. The other processes were stopped."
            ) from None

    def _raise_if_one_died(self, supervisor: processes.Supervisor) -> None:
        child = supervisor.dead_child()
        if child is not None:
            raise CommandError(
                f"The {child.name} process (pid {child.pid}) exited unexpectedly with code "
                f"{child.poll()}; its log is {child.log_path}. The other processes were stopped."
            )

    # --- the banner ------------------------------------------------------------------------

    def _banner(self, host: str, port: int, log_dir: Path) -> str:
        base = f"http://{processes.local_address(host)}:{port}"
        lines = [
            "",
            "=" * 72,
            "  The contact center is running.",
            "",
            f"  Inbox (home)   {base}{reverse('home')}",
            f"  Admin          {base}{reverse('admin:index')}",
            f"  API docs       {base}{reverse('api-docs')}",
            f"  Demo website   {base}{reverse('demo')}",
            f"  Demo bot       {base}{reverse('demo')}?bot=1",
        ]
        if demo_users_ready():
            lines += ["", f"  Demo users (demo only), password for each: {DEMO_PASSWORD}"]
            lines += [f"    {user.username:<8} {user.role}" for user in USERS]
        if host not in ("127.0.0.1", "localhost", "::1"):
            lines += [
                "",
                "  Reaching it from other machines? Add their host name to ALLOWED_HOSTS.",
            ]
        lines += ["", f"  Logs in {log_dir}. Press Ctrl-C to stop.", "=" * 72, ""]
        return "\n".join(lines)
