"""Background lanes (contactcenter.lanes) with ``linger_s``: a burst is carried out in
a few large batches, never larger than ``max_batch``, and a full batch or a request to
let go of the connection does not wait for the linger to end."""

from __future__ import annotations

import threading
import time

import pytest

from contactcenter import lanes


@pytest.fixture(autouse=True)
def _no_database(monkeypatch):
    # the lanes here run no queries: no connection to check
    monkeypatch.setattr(lanes, "close_old_connections", lambda: None)


def lane(**options) -> tuple[lanes.Lane[int], list[list[int]]]:
    batches: list[list[int]] = []
    lock = threading.Lock()

    def run(batch: list[int]) -> None:
        with lock:
            batches.append(list(batch))

    return lanes.Lane("test", run, **options), batches


def trickle(target: lanes.Lane[int], items: range, every_s: float) -> None:
    for item in items:
        target._put(item)  # the lane's thread, as on PostgreSQL outside a transaction
        time.sleep(every_s)


def test_a_lingering_lane_gathers_a_trickle_into_one_batch():
    lingering, batches = lane(linger_s=0.5)

    trickle(lingering, range(5), every_s=0.03)

    assert lingering.wait_idle(5)
    assert batches == [[0, 1, 2, 3, 4]]


def test_without_linger_a_trickle_is_carried_out_as_it_comes():
    eager, batches = lane()

    trickle(eager, range(5), every_s=0.03)

    assert eager.wait_idle(5)
    assert len(batches) > 1
    assert [item for batch in batches for item in batch] == [0, 1, 2, 3, 4]


def test_a_full_batch_does_not_wait_for_the_linger():
    lingering, batches = lane(linger_s=3, max_batch=3)
    started = time.monotonic()

    trickle(lingering, range(7), every_s=0)
    lingering.wait_idle(1)

    assert batches[:2] == [[0, 1, 2], [3, 4, 5]]
    assert time.monotonic() - started < 2
    assert lingering.wait_idle(5)
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]


def test_letting_go_ends_the_linger():
    lingering, batches = lane(linger_s=10)
    started = time.monotonic()
    lingering._put(1)

    assert lingering.let_go(timeout=3)
    assert batches == [[1]]
    assert time.monotonic() - started < 3
