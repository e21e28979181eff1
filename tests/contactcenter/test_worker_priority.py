"""The Celery worker lowers its own CPU priority when it starts (``WORKER_NICE``): a burst
of chats on a shared machine gets the cores before the work that follows it."""

from __future__ import annotations

import logging

import pytest

from contactcenter import celery


@pytest.fixture
def niced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(celery.os, "nice", lambda n: calls.append(n) or n)
    return calls


def test_the_worker_starts_ten_steps_below_by_default(niced):
    celery.lower_priority()
    assert niced == [10]


@pytest.mark.parametrize(("setting", "applied"), [(0, []), (-5, []), (3, [3]), (40, [19])])
def test_the_setting_is_kept_within_what_nice_allows(settings, niced, setting, applied):
    settings.WORKER_NICE = setting
    celery.lower_priority()
    assert niced == applied


def test_a_refused_nice_is_a_warning_not_a_dead_worker(monkeypatch, caplog):
    def refused(n: int) -> int:
        raise PermissionError("Operation not permitted")

    monkeypatch.setattr(celery.os, "nice", refused)
    with caplog.at_level(logging.WARNING):
        celery.lower_priority()
    assert "WORKER_NICE=10 not applied" in caplog.text
