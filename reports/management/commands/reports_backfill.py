"""Builds the reports' conversation figures from the sessions already stored (for data
recorded before the reports listened, or after a definition changed), and their rollups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from reports import facts, rollups


class Command(BaseCommand):
    help = "Builds the report figures of past conversations from their sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="only conversations started on or after this date (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            day = parse_date(options["since"])
            if day is None:
                raise CommandError("--since is a date like 2026-11-01.")
            since = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        count = facts.conversations_backfill(since=since)
        # the facts' writes kept the rollups; a rebuild also mends any that drifted
        rollups.rollups_rebuild(since=since.date() if since else None)
        self.stdout.write(f"{count} conversations, rollups rebuilt")
