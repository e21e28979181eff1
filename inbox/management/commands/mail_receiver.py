"""``manage.py mail_receiver --host 127.0.0.1 --port 2525``: the SMTP server that takes
customers' e-mail for the e-mail channels (see docs/email.md)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inbox.connectors.email.parse import MAX_MESSAGE_BYTES
from inbox.connectors.email.receiver import controller


class Command(BaseCommand):
    help = "Receive e-mail for the e-mail channels over SMTP until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on.")
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=MAX_MESSAGE_BYTES,
            help="Larger messages are refused (SMTP 552).",
        )
        parser.add_argument(
            "--hostname", default=None, help="The name the server greets with (default: FQDN)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        server = controller(
            host=options["host"],
            port=options["port"],
            max_bytes=options["max_bytes"],
            server_hostname=options["hostname"],
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        server.start()
        self.stdout.write(f"Receiving e-mail on {options['host']}:{options['port']}")
        try:
            stop.wait()
        finally:
            server.stop()
