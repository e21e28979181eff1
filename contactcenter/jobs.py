"""Queueing Celery tasks by name, from services.

A ``tasks`` module imports the services it calls; a service that queues a task names it
here instead of importing that module back, so no app has an import cycle between its
services and its tasks. Every app's ``ready()`` imports its ``tasks``, so each name is
registered in every process (the web process too, which runs tasks in place when
``CELERY_TASK_ALWAYS_EAGER`` is on); a name that no task has is a ``KeyError`` at once,
never a message nobody consumes.
"""

from __future__ import annotations

from typing import Any

from celery import current_app


def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queues the task registered as ``name`` with ``args`` (now, or ``countdown``
    seconds from now). Call it after commit (``transaction.on_commit``) when the task
    reads what the caller writes."""
    task = current_app.tasks[name]
    if countdown:
        task.apply_async(args=list(args), countdown=countdown)
    else:
        task.delay(*args)
