"""Incoming contact messages stored in batches (inbox.services.batching) and the
per-process writer that batches the widget sockets' messages (inbox.writer)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.db.models import signals
from django.utils import timezone

from contactcenter import events, lanes, realtime
from inbox import payloads
from inbox import writer as writer_module
from inbox.models import Message, Session, SessionStatus
from inbox.services import MessageRejected, batching, conversations
from inbox.services.batching import Incoming
from tests import factories


@pytest.fixture
def received():
    seen: list[events.Event] = []
    kinds = (events.SessionOpened, events.MessageReceived)
    for kind in kinds:
        events.subscribe(kind, seen.append)
    yield seen
    for kind in kinds:
        events.unsubscribe(kind, seen.append)


@pytest.fixture
def batches(monkeypatch):
    """Every broadcast batch (list of (groups, frame)) instead of sending it; the
    prompter's batches of ``suggestions`` frames (its worker's, run inline here) are not
    the messages' and are left out."""
    sent: list[list[tuple[list[str], dict]]] = []

    def record(sends: list[tuple[list[str], dict]]) -> None:
        if not all(frame.get("type") == "suggestions" for _, frame in sends):
            sent.append(sends)

    monkeypatch.setattr(realtime, "send_batch_now", record)
    monkeypatch.setattr(realtime, "send_now", lambda group, frame: None)
    return sent


def _active_sessions(n):
    operator = factories.OperatorFactory()
    return [
        factories.SessionFactory(status=SessionStatus.ACTIVE, operator=operator) for _ in range(n)
    ]


def _frames(batches):
    return [(groups, frame) for batch in batches for groups, frame in batch]


@pytest.mark.django_db
class TestBatch:
    def test_many_messages_across_dialogs_in_one_batch(
        self, django_capture_on_commit_callbacks, batches, received
    ):
        sessions = _active_sessions(5)
        items = [
            Incoming(dialog_id=s.dialog_id, text=f"m{i}-{s.pk}", client_id=f"c{i}-{s.pk}")
            for i in range(4)
            for s in sessions
        ]
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(items)

        assert all(r.created for r in results)
        assert [r.message.text for r in results] == [i.text for i in items]
        for session in sessions:
            rows = list(Message.objects.filter(dialog_id=session.dialog_id).order_by("id"))
            assert [m.text for m in rows] == [f"m{i}-{session.pk}" for i in range(4)]
            assert {m.session_id for m in rows} == {session.pk}
            assert [m.sender_name for m in rows] == [session.dialog.contact.name] * 4
            session.refresh_from_db()
            assert session.last_contact_message_at == rows[-1].created_at
            assert session.dialog.last_message_at == rows[-1].created_at
        assert [r.message.pk for r in results] == [
            Message.objects.get(client_id=i.client_id).pk for i in items
        ]
        frames = _frames(batches)
        assert len(batches) == 1 and len(frames) == len(items)
        for (_groups, frame), item in zip(frames, items, strict=True):
            assert frame["type"] == "message.created"
            assert frame["message"]["text"] == item.text
        first_session = Session.objects.get(dialog_id=items[0].dialog_id)
        assert realtime.operator_group(first_session.operator_id) in frames[0][0]
        got = [e for e in received if isinstance(e, events.MessageReceived)]
        assert [e.message_id for e in got] == [r.message.pk for r in results]

    def test_repeats_within_and_across_batches_store_once(
        self, django_capture_on_commit_callbacks, batches, received
    ):
        (session,) = _active_sessions(1)
        d = session.dialog_id
        with django_capture_on_commit_callbacks(execute=True):
            first = batching.contact_messages_receive(
                [Incoming(d, "hello", "a"), Incoming(d, "hello again", "a"), Incoming(d, "x", "b")]
            )
        assert [r.created for r in first] == [True, False, True]
        assert first[0].message.pk == first[1].message.pk
        with django_capture_on_commit_callbacks(execute=True):
            second = batching.contact_messages_receive(
                [Incoming(d, "hello", "a"), Incoming(d, "y", "c")]
            )
        assert [r.created for r in second] == [False, True]
        assert second[0].message.pk == first[0].message.pk
        assert second[0].message.text == "hello"
        assert Message.objects.filter(dialog_id=d).count() == 3
        assert len(_frames(batches)) == 3  # a repeat is not pushed again
        assert len([e for e in received if isinstance(e, events.MessageReceived)]) == 3

    def test_a_first_message_opens_its_session_beside_steady_dialogs(
        self, django_capture_on_commit_callbacks, batches, received
    ):
        (session,) = _active_sessions(1)
        channel = factories.ChannelFactory()
        visitor, _ = conversations.widget_visitor_create(channel=channel, name="New")
        items = [
            Incoming(visitor.dialog_id, "first", "n1"),
            Incoming(session.dialog_id, "steady", "s1"),
            Incoming(visitor.dialog_id, "second", "n2"),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(items)
        assert all(r.created for r in results)
        opened = Session.objects.get(dialog_id=visitor.dialog_id)
        assert results[0].message.session_id == results[2].message.session_id == opened.pk
        assert results[0].message.pk < results[2].message.pk
        opening = next(e for e in received if isinstance(e, events.SessionOpened))
        assert opening.session_id == opened.pk

    def test_bad_input_is_refused_for_its_sender_only(self, django_capture_on_commit_callbacks):
        (session,) = _active_sessions(1)
        d = session.dialog_id
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(
                [Incoming(d, "  ", "a"), Incoming(d, "fine", "b"), Incoming(d, "x" * 10_001, "c")]
            )
        assert isinstance(results[0], MessageRejected) and results[0].code == "empty"
        assert results[1].created
        assert isinstance(results[2], MessageRejected) and results[2].code == "too_long"
        assert Message.objects.filter(dialog_id=d).count() == 1

    def test_text_that_cannot_be_stored_is_refused_before_the_batch(
        self, django_capture_on_commit_callbacks
    ):
        (session,) = _active_sessions(1)
        d = session.dialog_id
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(
                [Incoming(d, "a\x00b", "n"), Incoming(d, "fine", "f"), Incoming(d, "\ud800", "s")]
            )
        assert [getattr(r, "code", None) for r in results] == ["bad_text", None, "bad_text"]
        assert results[1].created
        assert list(Message.objects.filter(dialog_id=d).values_list("text", flat=True)) == ["fine"]

    def test_messages_without_client_id_keep_their_order(self, django_capture_on_commit_callbacks):
        (session,) = _active_sessions(1)
        d = session.dialog_id
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(
                [Incoming(d, "one"), Incoming(d, "two", "t"), Incoming(d, "three")]
            )
        assert all(r.created for r in results)
        texts = list(
            Message.objects.filter(dialog_id=d).order_by("id").values_list("text", flat=True)
        )
        assert texts == ["one", "two", "three"]

    def test_a_failing_batch_falls_back_to_one_by_one_without_losing_any(
        self, monkeypatch, django_capture_on_commit_callbacks, batches
    ):
        sessions = _active_sessions(3)
        if connection.vendor == "postgresql":
            # one statement: it breaks while inserting the rows (division by zero)
            broken = batching.STEADY_SQL.replace("%(contact)s,", "(1 / 0)::text,")
            assert broken != batching.STEADY_SQL
            monkeypatch.setattr(batching, "STEADY_SQL", broken)
        else:
            real_insert = batching._insert_new

            def insert_then_fail(messages):
                real_insert(messages)  # rows written, then the transaction breaks
                raise RuntimeError("connection lost")

            monkeypatch.setattr(batching, "_insert_new", insert_then_fail)
        real_alone = batching._store_alone

        def alone(item, *args):
            if item.dialog_id == sessions[1].dialog_id:
                raise RuntimeError("this one breaks too")
            return real_alone(item, *args)

        monkeypatch.setattr(batching, "_store_alone", alone)
        items = [Incoming(s.dialog_id, "hi", f"c{s.pk}") for s in sessions]
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(items)
        assert results[0].created and results[2].created
        assert isinstance(results[1], RuntimeError)
        # the failed batch's rows were rolled back: each stored message exists once
        assert Message.objects.filter(dialog_id=sessions[0].dialog_id).count() == 1
        assert not Message.objects.filter(dialog_id=sessions[1].dialog_id).exists()
        assert results[0].message.pk == Message.objects.get(dialog_id=sessions[0].dialog_id).pk

    def test_nothing_leaves_before_the_commit(self, django_capture_on_commit_callbacks, batches):
        (session,) = _active_sessions(1)
        with django_capture_on_commit_callbacks(execute=False) as pending:
            handed: list[list[events.Event]] = []
            batching.contact_messages_receive(
                [Incoming(session.dialog_id, "hi", "a")], on_events=handed.append
            )
            assert batches == [] and handed == []
        for callback in pending:
            callback()
        assert len(batches) == 1 and len(handed) == 1
        assert isinstance(handed[0][0], events.MessageReceived)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
class TestWriter:
    async def test_concurrent_messages_share_batches_and_each_gets_its_own_result(self, batches):
        sessions = await sync_to_async(_active_sessions)(10)
        writer = writer_module.MessageWriter(max_batch=50, linger_s=0.01)
        items = [Incoming(s.dialog_id, f"m{i}", f"c{i}-{s.pk}") for i in range(5) for s in sessions]
        items.append(Incoming(sessions[0].dialog_id, "", "empty"))
        outcomes = await asyncio.gather(
            *(writer.submit(item) for item in items), return_exceptions=True
        )
        assert isinstance(outcomes[-1], MessageRejected)
        stored = outcomes[:-1]
        assert [o.message.client_id for o in stored] == [i.client_id for i in items[:-1]]
        assert writer.batches < len(items)
        count = await sync_to_async(Message.objects.count)()
        assert count == len(stored)

    async def test_a_result_comes_only_after_commit(self, monkeypatch, batches):
        (session,) = await sync_to_async(_active_sessions)(1)
        real_insert = batching._insert_new
        calls = []

        def insert_then_fail(messages):
            calls.append(len(messages))
            real_insert(messages)
            if len(calls) == 1:
                raise RuntimeError("commit never happens")
            return real_insert(messages)

        monkeypatch.setattr(batching, "_insert_new", insert_then_fail)
        writer = writer_module.MessageWriter(linger_s=0)
        stored = await writer.submit(Incoming(session.dialog_id, "hi", "a"))
        rows = await sync_to_async(list)(Message.objects.filter(dialog_id=session.dialog_id))
        assert [m.pk for m in rows] == [stored.message.pk]  # the acked id is the committed row

    async def test_a_broken_store_fails_every_sender_of_the_batch(self):
        calls = []

        def broken_once(batch, on_sends=None):
            calls.append(batch)
            if len(calls) == 1:
                raise RuntimeError("database down")
            return [f"stored {item.text}" for item in batch]

        writer = writer_module.MessageWriter(store=broken_once, linger_s=0.01)
        outcomes = await asyncio.gather(
            writer.submit(Incoming(1, "a", "a")),
            writer.submit(Incoming(2, "b", "b")),
            return_exceptions=True,
        )
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        assert len(calls[0]) == 2
        assert await writer.submit(Incoming(3, "c", "c")) == "stored c"  # the writer goes on

    async def test_events_are_handed_over_after_commit_in_order(self, batches):
        sessions = await sync_to_async(_active_sessions)(3)
        handed: list[list[events.Event]] = []
        writer = writer_module.MessageWriter(on_events=handed.append, linger_s=0.01)
        results = await asyncio.gather(
            *(writer.submit(Incoming(s.dialog_id, "hi", f"c{s.pk}")) for s in sessions)
        )
        ids = [e.message_id for batch in handed for e in batch]
        assert ids == [r.message.pk for r in results]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_two_writers_in_threads_of_their_own_store_the_same_dialogs_once_and_in_order(
    batches,
):
    """As on PostgreSQL in production (``own_thread``): each writer writes in its own
    thread on its own connection, so two of them lock the same dialogs at the same time."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the real tier runs this")
    sessions = await sync_to_async(_active_sessions)(10)
    writers = [
        writer_module.MessageWriter(linger_s=0.002, max_batch=20, own_thread=True) for _ in range(2)
    ]
    submitted = {
        w: [
            Incoming(s.dialog_id, f"w{w}-m{i}", f"w{w}-{i}-{s.pk}")
            for i in range(8)
            for s in sessions
        ]
        for w in range(2)
    }
    outcomes = await asyncio.gather(
        *(
            writers[w].submit(item)
            for i in range(len(submitted[0]))
            for w in (0, 1)
            for item in [submitted[w][i]]
        )
    )

    assert all(o.created for o in outcomes)
    rows = await sync_to_async(list)(Message.objects.values_list("pk", "dialog_id", "client_id"))
    assert len(rows) == 2 * 8 * 10
    assert sorted(o.message.pk for o in outcomes) == sorted(pk for pk, _, _ in rows)
    by_client_id = {client_id: (pk, dialog_id) for pk, dialog_id, client_id in rows}
    for w in (0, 1):
        for s in sessions:
            mine = [i.client_id for i in submitted[w] if i.dialog_id == s.dialog_id]
            ids = [by_client_id[c][0] for c in mine]
            assert ids == sorted(ids)  # each socket's messages keep its order
    assert writers[0].batches > 1 and writers[1].batches > 1
    for writer in writers:  # each thread lets go of its connection
        assert writer.executor is not None
        await asyncio.get_running_loop().run_in_executor(writer.executor, _close_connection)
        writer.executor.shutdown()


def test_the_event_pump_delivers_in_order_and_holds_back_when_behind(monkeypatch):
    import threading

    delivered: list[int] = []
    gate = threading.Event()

    def slow_dispatch(event):
        gate.wait(5)
        delivered.append(event.message_id)

    monkeypatch.setattr(events, "dispatch", slow_dispatch)
    monkeypatch.setattr(lanes, "close_old_connections", lambda: None)
    pump = writer_module.EventPump(max_pending=2)

    def batch(i):
        return [events.MessageReceived(message_id=i, session_id=1, dialog_id=1, sender_type="c")]

    pump(batch(1))
    pump(batch(2))
    third = threading.Thread(target=pump, args=(batch(3),))
    third.start()
    third.join(0.2)
    assert third.is_alive()  # two batches behind: the caller waits
    gate.set()
    third.join(5)
    pump.executor.shutdown(wait=True)
    assert delivered == [1, 2, 3]


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def batch_sizes(monkeypatch):
    """The size of every batch the one store was given."""
    sizes: list[int] = []
    real = batching.contact_messages_receive

    def spy(batch, **kwargs):
        sizes.append(len(batch))
        return real(batch, **kwargs)

    monkeypatch.setattr(batching, "contact_messages_receive", spy)
    return sizes


@pytest.mark.django_db
class TestOneStore:
    """A single message is a batch of one: every contact message, whatever its edge,
    is written by ``batching.contact_messages_receive``."""

    def test_api_file_and_channel_messages_are_batches_of_one(self, batch_sizes):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from inbox import services

        (session,) = _active_sessions(1)
        text = services.contact_message_receive(
            dialog_id=session.dialog_id, text="hello", client_id="t1"
        )
        picture = services.contact_attachment_receive(
            dialog_id=session.dialog_id,
            upload=SimpleUploadedFile("p.png", PNG, content_type="image/png"),
            client_id="f1",
        )
        channel = factories.ChannelFactory(type="email")
        mail = services.channel_message_receive(
            channel=channel, external_id="ada@example.org", text="Where is it?", client_id="m1"
        )

        assert batch_sizes == [1, 1, 1]
        assert text.created and text.message.session_id == session.pk
        assert [a.name for a in picture.message.attachments.all()] == ["p.png"]
        assert mail.created and mail.message.session.status == SessionStatus.QUEUED

    def test_a_single_message_to_an_open_session_takes_the_batch_statement(
        self, monkeypatch, django_capture_on_commit_callbacks, batches, received
    ):
        (session,) = _active_sessions(1)
        opening: list[int] = []
        real_alone = batching._store_alone
        monkeypatch.setattr(
            batching, "_store_alone", lambda item, *a: opening.append(1) or real_alone(item, *a)
        )
        with django_capture_on_commit_callbacks(execute=True):
            first = conversations.contact_message_receive(
                dialog_id=session.dialog_id, text="hi", client_id="a"
            )
            repeat = conversations.contact_message_receive(
                dialog_id=session.dialog_id, text="hi", client_id="a"
            )

        assert opening == []  # the steady statement stored it, as for a socket batch
        assert first.created and not repeat.created
        assert repeat.message.pk == first.message.pk
        assert [e.message_id for e in received if isinstance(e, events.MessageReceived)] == [
            first.message.pk
        ]
        assert len(_frames(batches)) == 1

    @pytest.mark.parametrize(
        ("text", "client_id", "code"),
        [
            ("", None, "empty"),
            ("   ", None, "empty"),
            (42, None, "empty"),
            ("x" * 10_001, None, "too_long"),
            ("bad\x00text", None, "bad_text"),
            ("ok", "c" * 65, "bad_client_id"),
            ("ok", 7, "bad_client_id"),
        ],
    )
    def test_every_edge_refuses_the_same_input_with_the_same_code(self, text, client_id, code):
        from inbox import services

        (session,) = _active_sessions(1)
        with pytest.raises(MessageRejected) as public:
            services.text_clean(text)
            services.client_id_clean(client_id)
        (batched,) = batching.contact_messages_receive(
            [Incoming(session.dialog_id, text, client_id)]
        )
        with pytest.raises(MessageRejected) as single:
            services.contact_message_receive(
                dialog_id=session.dialog_id, text=text, client_id=client_id
            )

        assert isinstance(batched, MessageRejected)
        assert public.value.code == batched.code == single.value.code == code
        assert not Message.objects.filter(dialog_id=session.dialog_id).exists()


class TestRowsAsStored:
    """The batch statement's rows travel as one JSON array, and the batch stands for each
    stored row with ``batching.message_row`` instead of ``Message(...)``: what operators
    and senders get must be exactly what the table holds."""

    def test_a_row_made_cheaply_is_the_same_as_a_message_made_by_django(self):
        values = {
            "dialog_id": 7,
            "session_id": 3,
            "sender_type": "contact",
            "sender_name": "Anna",
            "text": "hello",
            "client_id": "c-1",
            "created_at": timezone.now(),
        }
        cheap, full = batching.message_row(**values), Message(**values)

        for field in Message._meta.concrete_fields:
            assert getattr(cheap, field.attname) == getattr(full, field.attname), field.name
        assert (cheap._state.adding, cheap._state.db) == (full._state.adding, full._state.db)
        # what Model.__init__ would have done besides setting fields: nobody listens
        assert not signals.pre_init.has_listeners(Message)
        assert not signals.post_init.has_listeners(Message)
        # defaults shared between rows must be immutable
        plain, _made = batching._message_defaults()
        assert all(isinstance(v, str | int | bool | type(None)) for v in plain.values()), plain

    @pytest.mark.django_db
    def test_each_frame_and_result_is_the_row_as_the_table_holds_it(
        self, django_capture_on_commit_callbacks, batches
    ):
        (session,) = _active_sessions(1)
        texts = [
            'quotes " and \\ backslash',
            "Привет, как дела? 👋",
            "two\nlines\tand a tab",
            '[1, {"json": null}]',
        ]
        items = [Incoming(session.dialog_id, t, f"k{i}") for i, t in enumerate(texts)]
        with django_capture_on_commit_callbacks(execute=True):
            results = batching.contact_messages_receive(items)

        frames = _frames(batches)
        assert len(frames) == len(texts)
        for result, (_groups, frame), text in zip(results, frames, texts, strict=True):
            row = Message.objects.get(pk=result.message.pk)
            assert row.text == text
            assert frame["message"] == payloads.message(row, attachments=[])
            assert result.message.client_id == row.client_id


def _close_connection() -> None:
    connection.close()  # the calling thread's own
