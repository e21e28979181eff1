"""Recomputes the reports' daily and hourly rollups from the conversations' figures
(after a restore, a change of ``TIME_ZONE``, or to check the deltas)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from reports import rollups


class Command(BaseCommand):
    help = "Recomputes the reports' daily and hourly rollups from the conversation figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="only the days from this one on (YYYY-MM-DD, the server's days)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            since = parse_date(options["since"])
            if since is None:
                raise CommandError("--since is a date like 2026-11-01.")
        rollups.rollups_rebuild(since=since)
        self.stdout.write("rollups rebuilt")
