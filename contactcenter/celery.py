"""The Celery application: ``celery -A contactcenter worker`` and ``... beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="contactcenter.ping")
def ping() -> str:
    """A no-op task: health checks and tests use it to prove a worker answers."""
    return "pong"
