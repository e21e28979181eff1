"""The socket server's process: its garbage collector is set for thousands of sockets."""

from __future__ import annotations

import asyncio
import gc
import json
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
    # (a frozen object may still die of its last reference, as another thread of the test
    # process lets go of one: a few, never the mass that unfreezing would move)
    assert gc.get_freeze_count() >= frozen - 100


def test_young_collections_wait_for_ten_thousand_new_objects() -> None:
    asgi.collector_tune()
    assert gc.get_threshold()[0] == asgi.YOUNG_COLLECTION_AFTER == 10_000


# --- BodyLimit: an oversized body is refused before it is read ---------------------------


def _http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(scope: dict, chunks: list[bytes]) -> tuple[list[dict], int]:
    """Runs the ASGI application; returns what it sent and how many chunks it read."""
    sent: list[dict] = []
    pending = list(chunks)
    read = 0

    async def receive() -> dict:
        nonlocal read
        if not pending:  # the client waits for the answer
            await asyncio.Event().wait()
        read += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict) -> None:
        sent.append(message)

    await asgi.application(scope, receive, send)
    return sent, read


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_a_declared_length_over_the_limit_is_a_413_and_no_byte_is_read(settings) -> None:
    settings.REQUEST_MAX_BYTES = 1000
    scope = _http_scope("/widget/api/anything/attachments/", [(b"content-length", b"104857600")])

    sent, read = await _call(scope, [b"x" * 1000] * 5)

    assert read == 0
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "too_large"


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_a_body_without_a_length_is_cut_off_once_it_passes_the_limit(settings) -> None:
    settings.REQUEST_MAX_BYTES = 1000
    scope = _http_scope("/api/v1/contacts/", [(b"content-type", b"application/json")])

    sent, read = await _call(scope, [b"[" * 600] * 100)

    assert read == 2  # the chunk that passed the limit, and no further
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_a_body_within_the_limit_reaches_the_application(settings) -> None:
    settings.REQUEST_MAX_BYTES = 1000
    body = b'{"name": "Ada"}'
    scope = _http_scope(
        "/api/v1/contacts/",
        [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    )

    sent, _ = await _call(scope, [body])

    assert sent[0]["status"] == 401  # Django answered: no credentials were sent
