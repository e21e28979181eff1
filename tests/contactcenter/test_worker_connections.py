"""A worker keeps its database connection between tasks (``CELERY_DB_REUSE_MAX``), and
checks it before each one the way Django does between requests
(``contactcenter.celery.connections_checked``); a task run in place is left alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings

from contactcenter import celery


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: calls.append("checked"))
    return calls


def test_celery_does_not_close_the_connection_after_every_task():
    from contactcenter.celery import app

    assert app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX >= 10**6


def test_a_task_in_a_worker_gets_its_connections_checked(checked):
    celery.connections_checked(task=SimpleNamespace(request=SimpleNamespace(is_eager=False)))
    assert checked == ["checked"]


def test_a_task_run_in_place_keeps_its_callers_connection(checked):
    celery.connections_checked(task=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert checked == []
