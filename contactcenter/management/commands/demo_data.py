"""``manage.py demo_data``: load the demo groups, users, channel and topics (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from contactcenter.management.demo import DEMO_PASSWORD, USERS, demo_data_load


class Command(BaseCommand):
    help = (
        "Create the demo data that is missing: groups Sales, Support and Billing, an admin, "
        "operators, a supervisor, a CRM manager, a sales pipeline and a widget channel with "
        "topics. Running it again creates nothing new and changes nothing that exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_data_load()
        if not created:
            self.stdout.write("Demo data is already in place; nothing created.")
            return
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(created.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))
        if options["verbosity"] >= 1 and created.get("user"):
            names = ", ".join(user.username for user in USERS)
            self.stdout.write(f"Demo users {names}; password for each: {DEMO_PASSWORD}")
