"""The prompter's background thread: work runs off the caller's thread, in order; too
much or too late is dropped instead of queued without bound."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import override_settings

from kb.prompter.runner import Runner


@override_settings(KB_PROMPTER_INLINE=False)
def test_jobs_run_in_order_in_another_thread():
    runner = Runner()
    seen: list[tuple[int, str]] = []

    for n in range(5):
        assert runner.submit(lambda n=n: seen.append((n, threading.current_thread().name)))
    runner.drain()

    assert [n for n, _ in seen] == [0, 1, 2, 3, 4]
    assert all(name.startswith("prompter") for _, name in seen)


@override_settings(KB_PROMPTER_INLINE=False)
def test_a_full_queue_drops_new_jobs_and_late_ones_are_skipped():
    runner = Runner(max_pending=2, max_wait_s=0.05)
    gate = threading.Event()
    ran: list[int] = []

    runner.submit(gate.wait)  # holds the thread
    runner.submit(lambda: ran.append(1))
    dropped_at_once = not runner.submit(lambda: ran.append(2))
    time.sleep(0.1)  # the queued job is now too old
    gate.set()
    runner.drain()

    assert dropped_at_once
    assert ran == []
    assert runner.dropped == 2


@override_settings(KB_PROMPTER_INLINE=True)
def test_inline_runs_in_place():
    runner = Runner()
    seen: list[str] = []

    runner.submit(lambda: seen.append(threading.current_thread().name))

    assert seen == [threading.current_thread().name]


@pytest.mark.django_db(transaction=True)
@override_settings(KB_PROMPTER_RUNNER="thread", KB_PROMPTER_INLINE=False)
def test_with_the_thread_runner_a_message_is_prompted_in_the_background(
    faq, active_session, django_capture_on_commit_callbacks
):
    from inbox import services as inbox_services
    from kb.prompter.models import Prompt
    from kb.prompter.runner import runner

    with django_capture_on_commit_callbacks(execute=True):
        stored = inbox_services.contact_message_receive(
            dialog_id=active_session.dialog_id, text="сколько стоит доставка"
        )
    runner.drain()

    assert Prompt.objects.filter(message=stored.message).exists()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_ids_are_published_as_one_task_in_order(monkeypatch):
    from contactcenter import jobs
    from kb.prompter.batching import Batcher

    published: list[tuple[str, list]] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, items: published.append((name, items)))
    batcher = Batcher(every_s=0.05, max_batch=3)

    batcher.add("message", 1)
    batcher.add("reply", 2)
    time.sleep(0.2)  # the timer publishes what gathered
    for n in (3, 4, 5):  # a full batch goes at once
        batcher.add("message", n)

    assert published == [
        ("kb.prompter_batch", [["message", 1], ["reply", 2]]),
        ("kb.prompter_batch", [["message", 3], ["message", 4], ["message", 5]]),
    ]
