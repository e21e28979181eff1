"""The socket server's process: its garbage collector is set for thousands of sockets."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from contactcenter import asgi


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()  # the test process's objects go back to the collector's care
    gc.set_threshold(*threshold)


def test_startup_objects_are_out_of_the_full_collections_sight() -> None:
    asgi.collector_tune()
    frozen = gc.get_freeze_count()
    # the modules, URL patterns and settings of the product: tens of thousands of objects
    # that a full collection no longer walks
    assert frozen > 10_000
    assert gc.collect() >= 0  # a full collection leaves them frozen
    assert gc.get_freeze_count() == frozen


def test_young_collections_wait_for_ten_thousand_new_objects() -> None:
    asgi.collector_tune()
    assert gc.get_threshold()[0] == asgi.YOUNG_COLLECTION_AFTER == 10_000
