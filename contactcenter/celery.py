"""The Celery application: ``celery -A contactcenter worker`` and ``... beat``."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks that run every second or so. Beat's "sending due task" and the worker's
# "received" and "succeeded" lines about them would fill the console with two or three
# lines a second; the tasks log by themselves when a run actually does something.
QUIET_TASKS = frozenset({"routing.sweep", "bots.webhook_deliveries_sweep"})
# The loggers of those routine lines: beat's scheduler, the worker's intake, the tracer.
ROUTINE_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


class RoutineTaskFilter(logging.Filter):
    """Drops the routine INFO lines about ``QUIET_TASKS``; warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is not ours to judge
            return True
        return not any(name in message for name in QUIET_TASKS)


def quiet_routine_tasks() -> None:
    for name in ROUTINE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RoutineTaskFilter) for f in logger.filters):
            logger.addFilter(RoutineTaskFilter())


quiet_routine_tasks()


@app.task(name="contactcenter.ping")
def ping() -> str:
    """A no-op task: health checks and tests use it to prove a worker answers."""
    return "pong"
