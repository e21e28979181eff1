"""Tasks queued by name (``contactcenter.jobs``): every name the services use is
registered at start-up, and an unknown name fails at once."""

from __future__ import annotations

import pytest
from celery import current_app

from contactcenter import jobs


@pytest.mark.parametrize("name", ["routing.queue_positions_push", "bots.webhook_deliver"])
def test_the_tasks_services_queue_by_name_are_registered_at_start_up(name):
    assert name in current_app.tasks


def test_an_unknown_task_name_fails_at_once():
    with pytest.raises(KeyError):
        jobs.enqueue("routing.no_such_task", 1)
