"""The translation threads: a batch that meets SQLite's refusal of a second writer runs
again as the same batch (its messages are not dropped for the next ones), and a job
that succeeded gives its thread back at once."""

from __future__ import annotations

import threading

from django.db import OperationalError

from inbox.services import translation_pool


def test_a_batch_refused_by_a_locked_database_runs_again_with_the_same_items():
    handled: list[list[int]] = []
    refused: list[bool] = []
    done = threading.Event()

    def handle(items: list[int]) -> None:
        if not refused:
            refused.append(True)
            raise OperationalError("database table is locked")
        handled.append(items)
        done.set()

    batched = translation_pool.Batched("test-lock", handle, linger_s=0.01)
    batched.add(1, 2, 3)
    assert done.wait(5)
    translation_pool.drain()

    assert refused
    assert handled == [[1, 2, 3]]


def test_a_job_that_succeeded_frees_its_thread_at_once(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(translation_pool.time, "sleep", pauses.append)

    translation_pool.submit("test-quick", lambda: None).result(timeout=5)

    assert pauses == []  # a pause is only for a job that runs again (it was 10 ms after each)
