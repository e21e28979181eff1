"""The Celery application: ``celery -A contactcenter worker`` and ``... beat``."""

import logging
import os

from celery import Celery
from celery.signals import celeryd_init, task_prerun
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks that run every second or so. Beat's "sending due task" and the worker's
# "received" and "succeeded" lines about them would fill the console with two or three
# lines a second; the tasks log by themselves when a run actually does something.
QUIET_TASKS = frozenset(
    {"routing.sweep", "bots.webhook_deliveries_sweep", "reports.sla_alerts_scan"}
)
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


class BrokerRestartSafeConsumer(Consumer):
    """The worker's consumer, surviving a broker that goes away while it holds unacked
    messages (``acks_late``: a task running or prefetched).

    On a lost connection Celery first ``collect()``s the connection, which closes its
    default channel; on Redis that close stops early, before the channel is marked
    closed, because deleting the remote-control fanout queues fails (Redis is down; the
    error is ignored), and the connection's transport then loses its client. Celery
    then ``close()``s the same connection again: the default channel, not marked
    closed, is closed once more, tries to give the unacked messages back, and builds a
    Redis client from a transport without one: ``AttributeError: 'NoneType' object has
    no attribute 'hostname'``, which is no connection error, so the worker exited for
    good ("Unrecoverable error"). Here the channel is forgotten once ``collect()`` has
    run: nothing could be given back to a Redis that is down anyway, and what Redis
    kept is redelivered by the transport's visibility timeout."""

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        connection = self.connection
        if connection is not None:
            collect = connection.collect

            def collect_and_forget_channel(*args: object, **kwargs: object) -> None:
                try:
                    collect(*args, **kwargs)
                finally:
                    connection._default_channel = None

            connection.collect = collect_and_forget_channel
        super().on_connection_error_after_connected(exc)


@celeryd_init.connect
def lower_priority(**kwargs: object) -> None:
    """The worker runs at a lower CPU priority than the web processes (``WORKER_NICE``,
    default 10, inherited by its pool): on a machine they share, a burst of chats and
    assignments gets the cores first, and what follows it on the workers (the reports'
    recording, queue positions, bots' reactions, the prompter) catches up in the time
    left. Where the workers have cores of their own it changes nothing."""
    from django.conf import settings

    nice = max(0, min(19, int(getattr(settings, "WORKER_NICE", 10))))
    if nice:
        try:
            os.nice(nice)
        except OSError as error:
            logging.getLogger(__name__).warning("WORKER_NICE=%s not applied: %s", nice, error)


@task_prerun.connect
def connections_checked(task: object = None, **kwargs: object) -> None:
    """Before a task in a worker: Django's own handling of connections between requests
    (``close_old_connections``: closed past ``CONN_MAX_AGE`` or when broken, checked
    once before their next use), instead of a new connection for every task
    (``CELERY_DB_REUSE_MAX``). Not for a task run in place (eager): it runs inside its
    caller's request and transaction."""
    request = getattr(task, "request", None)
    if getattr(request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@app.task(name="contactcenter.ping")
def ping() -> str:
    """A no-op task: health checks and tests use it to prove a worker answers."""
    return "pong"
