"""System checks of the reports' settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

RECORDERS = ("celery", "thread")


def check_recorder(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    value = getattr(settings, "REPORTS_RECORDER", "celery")
    if value not in RECORDERS:
        return [
            checks.Error(
                f"REPORTS_RECORDER is {value!r}; it must be one of: {', '.join(RECORDERS)}.",
                hint="celery records in the workers; thread in each process, for an "
                "installation without a worker.",
                id="reports.E001",
            )
        ]
    return []
