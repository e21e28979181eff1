"""The database is the real PostgreSQL, migrated, and its constraints hold under races."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from inbox.models import Message, SenderType, Session, SessionStatus
from tests import factories
from tests.real.support import real

pytestmark = real

RACERS = 8


def race(action: Callable[[int], object]) -> list[str]:
    """Run ``action(i)`` in RACERS threads at once, each in its own transaction on its own
    connection; each holds its transaction open a moment after writing, so the others'
    writes meet it in flight. Returns "ok", "conflict" or the error, per thread."""
    start = threading.Barrier(RACERS, timeout=30)
    outcomes = ["not run"] * RACERS

    def run(i: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                action(i)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(0.05)")
            outcomes[i] = "ok"
        except IntegrityError:
            outcomes[i] = "conflict"
        except Exception as error:
            outcomes[i] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    return outcomes


@pytest.mark.django_db
def test_the_database_is_postgresql_with_every_migration_applied() -> None:
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 130000

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [["one_open_session_per_dialog", "message_client_id_unique_in_dialog"]],
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"one_open_session_per_dialog", "message_client_id_unique_in_dialog"}
    for definition in indexes.values():
        assert definition.startswith("CREATE UNIQUE INDEX")
        assert " WHERE " in definition  # partial: closed sessions, null client ids are free


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_leave_one_open_session_per_dialog() -> None:
    dialog = factories.DialogFactory()

    outcomes = race(
        lambda i: Session.objects.create(
            dialog=dialog, group=dialog.channel.default_group, status=SessionStatus.QUEUED
        )
    )

    assert sorted(outcomes) == ["conflict"] * (RACERS - 1) + ["ok"]
    assert Session.objects.filter(dialog=dialog).exclude(status=SessionStatus.CLOSED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_closed_sessions_do_not_count_against_the_one_open_session() -> None:
    dialog = factories.DialogFactory()

    outcomes = race(
        lambda i: Session.objects.create(
            dialog=dialog, status=SessionStatus.CLOSED, close_reason="resolved"
        )
    )

    assert outcomes == ["ok"] * RACERS
    assert Session.objects.filter(dialog=dialog).count() == RACERS


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_a_client_id_store_one_message() -> None:
    session = factories.SessionFactory()

    def store(i: int) -> None:
        Message.objects.create(
            dialog_id=session.dialog_id,
            session=session,
            sender_type=SenderType.CONTACT,
            text=f"attempt {i}",
            client_id="client-1",
        )

    outcomes = race(store)

    assert sorted(outcomes) == ["conflict"] * (RACERS - 1) + ["ok"]
    assert Message.objects.filter(dialog_id=session.dialog_id, client_id="client-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_messages_without_a_client_id_or_with_distinct_ones_all_store() -> None:
    session = factories.SessionFactory()

    def store(i: int) -> None:
        for client_id in (None, f"client-{i}"):
            Message.objects.create(
                dialog_id=session.dialog_id,
                session=session,
                sender_type=SenderType.CONTACT,
                text="hi",
                client_id=client_id,
            )

    outcomes = race(store)

    assert outcomes == ["ok"] * RACERS
    assert Message.objects.filter(dialog_id=session.dialog_id).count() == 2 * RACERS


@pytest.mark.django_db(transaction=True)
def test_the_event_pump_redelivers_what_a_killed_connection_made_a_listener_miss(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The writer's events thread checks its connection once a second, not before every
    batch. A backend killed in between (a database restart) makes the next listener's
    query fail; the pump reconnects and runs that listener again, so no event is missed."""
    from contactcenter import events
    from inbox import writer

    seen: list[tuple[int, int]] = []  # (message id, backend pid)

    def listener(event: events.MessageReceived) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen.append((event.message_id, cursor.fetchone()[0]))

    def batch(message_id: int) -> list[events.Event]:
        return [
            events.MessageReceived(
                message_id=message_id, session_id=1, dialog_id=1, sender_type="contact"
            )
        ]

    events.subscribe(events.MessageReceived, listener)
    pump = writer.EventPump()
    try:
        pump(batch(1))
        pump.pending[-1][0].result(10)
        first_pid = seen[0][1]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [first_pid])
        pump(batch(2))  # within the second: no health check before it
        pump(batch(3))
        pump.pending[-1][0].result(10)
    finally:
        events.unsubscribe(events.MessageReceived, listener)
        pump.executor.submit(lambda: connection.close()).result(10)
        pump.executor.shutdown(wait=True)
    assert [message_id for message_id, _ in seen] == [1, 2, 3]
    assert seen[1][1] != first_pid  # on a new connection
    assert "failed on" in caplog.text  # the first attempt did fail


@pytest.mark.django_db(transaction=True)
def test_the_event_pump_does_not_rerun_a_listener_that_fails_by_itself() -> None:
    from contactcenter import events
    from inbox import writer

    calls: list[int] = []

    def broken(event: events.MessageReceived) -> None:
        calls.append(event.message_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    events.subscribe(events.MessageReceived, broken)
    pump = writer.EventPump()
    try:
        for message_id in (1, 2):
            pump(
                [
                    events.MessageReceived(
                        message_id=message_id, session_id=1, dialog_id=1, sender_type="contact"
                    )
                ]
            )
        pump.pending[-1][0].result(10)
    finally:
        events.unsubscribe(events.MessageReceived, broken)
        pump.executor.submit(lambda: connection.close()).result(10)
        pump.executor.shutdown(wait=True)
    assert calls == [1, 2]  # once each: the connection works, the listener is at fault


@pytest.mark.django_db(transaction=True)
def test_a_translation_is_written_in_place_for_many_messages() -> None:
    # given customers' messages stored a batch at a time, as the writer commits them
    from inbox.services import translation_rows

    sessions = [factories.SessionFactory() for _ in range(10)]
    text = "Здравствуйте, сколько стоит доставка курьером до Казани, можно ли картой? " * 3
    ids: list[int] = []
    stayed = 0
    for _ in range(30):
        with transaction.atomic():
            made = Message.objects.bulk_create(
                [
                    Message(
                        dialog_id=s.dialog_id, session=s, sender_type=SenderType.CONTACT, text=text
                    )
                    for s in sessions * 2
                ]
            )
        ids += [m.pk for m in made]
        # when each batch's translations are written, as the translation thread does
        rows = translation_rows.incoming_rows([m.pk for m in made])
        for row in rows:
            row.language, row.status = "ru", "translated"
            row.translations = {"en": "Hello, how much is courier delivery to Kazan? " * 3}
        before = _pages(ids[-len(made) :])
        translation_rows.rows_write(rows)
        after = _pages(ids[-len(made) :])
        stayed += sum(1 for pk in before if before[pk] == after[pk])

    # then a good share of the rows were updated in their own page (PostgreSQL's HOT
    # update: no index touched), which full pages never allowed
    assert Message.objects.filter(pk__in=ids, translation_status="translated").count() == 600
    assert stayed >= 0.1 * len(ids), f"{stayed} of {len(ids)} in place"


def _pages(ids: list[int]) -> dict[int, int]:
    """Each row's page in the table (the first number of its ``ctid``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "id", (ctid::text::point)[0]::int FROM "inbox_message" WHERE "id" = ANY(%s)',
            [ids],
        )
        return dict(cursor.fetchall())
