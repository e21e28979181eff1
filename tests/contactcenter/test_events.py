"""The event kernel: delivery after commit, never on rollback, listeners isolated."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.db import transaction

from contactcenter import events


@dataclass(frozen=True, slots=True, kw_only=True)
class Pinged(events.Event):
    """An event only these tests emit, so no app's listener reacts to it."""

    n: int


class Recorder:
    def __init__(self) -> None:
        self.seen: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        self.seen.append(event)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    events.subscribe(Pinged, rec)
    yield rec
    events.unsubscribe(Pinged, rec)


class Boom(RuntimeError):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_listener_gets_the_event_only_after_commit(recorder: Recorder) -> None:
    with transaction.atomic():
        events.emit(Pinged(n=1))
        assert recorder.seen == []

    assert recorder.seen == [Pinged(n=1)]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_delivered_when_the_transaction_rolls_back(recorder: Recorder) -> None:
    with pytest.raises(Boom), transaction.atomic():
        AuthGroup.objects.create(name="rolled back")
        events.emit(Pinged(n=1))
        raise Boom

    assert recorder.seen == []
    assert not AuthGroup.objects.filter(name="rolled back").exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_from_a_rolled_back_savepoint_is_dropped_and_the_rest_delivered(
    recorder: Recorder,
) -> None:
    with transaction.atomic():
        events.emit(Pinged(n=1))
        with pytest.raises(Boom), transaction.atomic():
            events.emit(Pinged(n=2))
            raise Boom
        events.emit(Pinged(n=3))

    assert recorder.seen == [Pinged(n=1), Pinged(n=3)]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_event_is_delivered_at_once(recorder: Recorder) -> None:
    events.emit(Pinged(n=7))

    assert recorder.seen == [Pinged(n=7)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_listener_is_logged_and_stops_neither_the_others_nor_the_write(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(event: Pinged) -> None:
        AuthGroup.objects.create(name="written by the failing listener")
        raise Boom("listener broke")

    after = Recorder()
    events.subscribe(Pinged, failing)
    events.subscribe(Pinged, after)
    try:
        with caplog.at_level(logging.ERROR, logger="contactcenter.events"), transaction.atomic():
            AuthGroup.objects.create(name="the caller's write")
            events.emit(Pinged(n=1))
    finally:
        events.unsubscribe(Pinged, failing)
        events.unsubscribe(Pinged, after)

    # the listeners before and after the failing one both ran
    assert recorder.seen == [Pinged(n=1)]
    assert after.seen == [Pinged(n=1)]
    # the caller's write stands; the failing listener's own write was rolled back
    assert AuthGroup.objects.filter(name="the caller's write").exists()
    assert not AuthGroup.objects.filter(name="written by the failing listener").exists()
    [record] = [r for r in caplog.records if r.name == "contactcenter.events"]
    assert "failing" in record.getMessage()
    assert "Pinged" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is Boom


def test_subscribing_the_same_listener_twice_registers_it_once(recorder: Recorder) -> None:
    events.subscribe(Pinged, recorder)

    assert events.listeners_of(Pinged).count(recorder) == 1


@pytest.mark.django_db(transaction=True)
def test_a_listener_subscribed_twice_is_called_once(recorder: Recorder) -> None:
    events.subscribe(Pinged, recorder)

    events.emit(Pinged(n=1))

    assert recorder.seen == [Pinged(n=1)]


def test_unsubscribed_listeners_hear_nothing() -> None:
    rec = Recorder()
    events.subscribe(Pinged, rec)
    events.unsubscribe(Pinged, rec)
    events.unsubscribe(Pinged, rec)  # a second time is harmless

    assert rec not in events.listeners_of(Pinged)


@pytest.mark.django_db
def test_inside_a_test_transaction_the_event_waits_for_the_captured_commit(
    recorder: Recorder, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.emit(Pinged(n=1))
        assert recorder.seen == []

    assert len(callbacks) == 1
    assert recorder.seen == [Pinged(n=1)]


def test_an_event_is_named_after_its_class_and_is_immutable() -> None:
    event = Pinged(n=1)

    assert event.name == "Pinged"
    with pytest.raises(AttributeError):
        event.n = 2  # type: ignore[misc]


def test_every_kernel_event_takes_keyword_arguments_only() -> None:
    kinds = [
        value
        for value in vars(events).values()
        if isinstance(value, type) and issubclass(value, events.Event) and value is not events.Event
    ]

    assert kinds, "the kernel names its events"
    for kind in kinds:
        with pytest.raises(TypeError):
            kind(1)


class AtomicWitness:
    """Notes whether it ran inside an atomic block."""

    def __init__(self) -> None:
        self.in_atomic: list[bool] = []

    def __call__(self, event: events.Event) -> None:
        self.in_atomic.append(transaction.get_connection().in_atomic_block)


@pytest.mark.django_db(transaction=True)
def test_a_listener_subscribed_without_atomic_runs_bare_after_commit_and_others_keep_theirs() -> (
    None
):
    bare, wrapped = AtomicWitness(), AtomicWitness()
    events.subscribe(Pinged, bare, atomic=False)
    events.subscribe(Pinged, wrapped)
    try:
        with transaction.atomic():
            events.emit(Pinged(n=1))
        events.dispatch(Pinged(n=2))
    finally:
        events.unsubscribe(Pinged, bare)
        events.unsubscribe(Pinged, wrapped)

    assert bare.in_atomic == [False, False]
    assert wrapped.in_atomic == [True, True]


@pytest.mark.django_db(transaction=True)
def test_a_failing_bare_listener_is_logged_and_the_next_listener_still_hears_the_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing(event: Pinged) -> None:
        raise Boom("listener broke")

    after = Recorder()
    events.subscribe(Pinged, failing, atomic=False)
    events.subscribe(Pinged, after)
    try:
        with caplog.at_level(logging.ERROR, logger="contactcenter.events"):
            failed = events.dispatch(Pinged(n=1))
    finally:
        events.unsubscribe(Pinged, failing)
        events.unsubscribe(Pinged, after)

    assert failed == [failing]
    assert after.seen == [Pinged(n=1)]
    [record] = [r for r in caplog.records if r.name == "contactcenter.events"]
    assert "failing" in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_a_bare_listener_still_gets_its_savepoint() -> None:
    def failing(event: Pinged) -> None:
        AuthGroup.objects.create(name="written by the failing listener")
        raise Boom("listener broke")

    events.subscribe(Pinged, failing, atomic=False)
    try:
        with transaction.atomic():
            AuthGroup.objects.create(name="the caller's write")
            events.dispatch(Pinged(n=1))
    finally:
        events.unsubscribe(Pinged, failing)

    assert AuthGroup.objects.filter(name="the caller's write").exists()
    assert not AuthGroup.objects.filter(name="written by the failing listener").exists()


def test_subscribing_again_with_atomic_gives_the_listener_its_block_back() -> None:
    rec = Recorder()
    events.subscribe(Pinged, rec, atomic=False)
    events.subscribe(Pinged, rec)
    try:
        assert (Pinged, id(rec)) not in events._plain
    finally:
        events.unsubscribe(Pinged, rec)
