"""``manage.py mail_imap``: reads the IMAP mailboxes of the e-mail channels until
stopped, waiting for new mail with IDLE where the server offers it (see docs/email.md).
``--once`` reads each mailbox once and exits."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crm.models import ChannelType
from inbox.connectors.email import imap
from inbox.models import Channel


class Command(BaseCommand):
    help = "Read the IMAP mailboxes of the e-mail channels until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Read each mailbox once.")
        parser.add_argument(
            "--idle",
            type=int,
            default=300,
            help="Seconds in IDLE before reading again (and taking up changed settings).",
        )
        parser.add_argument(
            "--interval",
            type=int,
            default=60,
            help="Seconds between reads of a server without IDLE, and after an error.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            for channel in _imap_channels():
                try:
                    result = imap.mailbox_poll(channel=channel)
                except imap.ImapError as error:
                    self.stderr.write(f"{channel.name}: {error}")
                    continue
                self.stdout.write(f"{channel.name}: {result.stored} new of {result.fetched}")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        watchers: dict[int, threading.Thread] = {}
        while not stop.is_set():
            # a channel added or changed in the admin is picked up within the interval
            for channel in _imap_channels():
                if channel.pk not in watchers or not watchers[channel.pk].is_alive():
                    watchers[channel.pk] = _watcher(channel.pk, stop, options)
                    self.stdout.write(f"Reading the mailbox of {channel.name}")
            stop.wait(options["interval"])
        for thread in watchers.values():
            thread.join(timeout=5)


def _imap_channels() -> list[Channel]:
    channels = Channel.objects.filter(type=ChannelType.EMAIL, is_active=True).order_by("pk")
    return [c for c in channels if (c.config or {}).get("imap_host")]


def _watcher(channel_id: int, stop: threading.Event, options: dict[str, Any]) -> threading.Thread:
    thread = threading.Thread(
        target=imap.mailbox_watch,
        kwargs={
            "channel_id": channel_id,
            "stop": stop,
            "idle_s": options["idle"],
            "interval_s": options["interval"],
        },
        daemon=True,
        name=f"imap-{channel_id}",
    )
    thread.start()
    return thread
