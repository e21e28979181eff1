"""Private notes: written by staff from the composer (API ``sessions/{id}/notes/`` or the
operator socket with ``internal: true``), kept in the dialog's history, pushed to the
staff, never to the contact, and never taken for a reply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from inbox import selectors, services
from inbox.models import Dialog, Message, SenderType, Session, SessionStatus
from reports import facts as report_facts
from reports import selectors as report_selectors
from reports.models import ConversationFact
from routing.services import timers
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    """Ada asked in Support; Anna has her chat; Boris is in Support too; Vera
    supervises it."""
    group = factories.GroupFactory(name="Support", no_answer_timeout_s=30)
    anna = factories.OperatorFactory(display_name="Anna")
    boris = factories.OperatorFactory(display_name="Boris")
    vera = factories.OperatorFactory(display_name="Vera")
    for operator in (anna, boris):
        factories.MembershipFactory(group=group, operator=operator)
    group.supervisors.add(vera)
    channel = factories.ChannelFactory(default_group=group)
    visitor, _ = services.widget_visitor_create(channel=channel, name="Ada")
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="Refund?")
    session = first.message.session
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.ACTIVE, operator=anna, assigned_at=timezone.now()
    )
    return {"group": group, "anna": anna, "boris": boris, "vera": vera, "session": session}


@pytest.fixture
def received():
    seen: list[events.Event] = []
    events.subscribe(events.MessageReceived, seen.append)
    yield seen
    events.unsubscribe(events.MessageReceived, seen.append)


def test_a_note_is_kept_in_the_history_and_shown_to_staff_only(
    chat, sent_frames, received, django_capture_on_commit_callbacks
):
    session = chat["session"]
    before = Dialog.objects.get(pk=session.dialog_id).last_message_at

    with django_capture_on_commit_callbacks(execute=True):
        stored = services.operator_note_add(
            session_id=session.pk, user=chat["anna"].user, text="Refunded in January"
        )

    note = Message.objects.get(pk=stored.message.pk)
    assert (note.sender_type, note.sender_name, note.internal) == (
        SenderType.OPERATOR,
        "Anna",
        True,
    )
    staff = [
        (group, frame["message"]["text"])
        for group, frame in sent_frames
        if frame["type"] == "message.created"
    ]
    assert (realtime.operator_group(chat["anna"].pk), "Refunded in January") in staff
    assert (realtime.supervisor_group(chat["group"].pk), "Refunded in January") in staff
    assert not [g for g, _ in sent_frames if g == realtime.dialog_group(session.dialog_id)]
    assert received == []  # nothing that reacts to messages (connectors, webhooks) hears it
    contact_sees = selectors.dialog_messages_after(
        dialog_id=session.dialog_id, after_id=0, for_contact=True
    )
    assert [m["text"] for m in contact_sees] == ["Refund?"]
    staff_sees = selectors.dialog_messages(dialog_id=session.dialog_id)
    assert [m.text for m in staff_sees] == ["Refund?", "Refunded in January"]
    assert Dialog.objects.get(pk=session.dialog_id).last_message_at == before


def test_a_note_is_not_a_first_response_and_the_no_answer_timeout_still_runs(chat):
    session = chat["session"]

    services.operator_note_add(session_id=session.pk, user=chat["anna"].user, text="Checking")

    assert Session.objects.get(pk=session.pk).first_response_at is None
    later = timezone.now() + dt.timedelta(seconds=31)
    assert session.pk in timers.no_answer_expired(now=later)


def test_reports_do_not_count_a_note_as_the_answer(chat):
    session = chat["session"]
    services.operator_note_add(session_id=session.pk, user=chat["anna"].user, text="Hmm")
    since = timezone.now() - dt.timedelta(hours=1)
    until = timezone.now() + dt.timedelta(hours=1)

    figures = _summary(since, until)
    assert figures["answered"] == 0

    services.operator_message_send(session_id=session.pk, user=chat["anna"].user, text="Yes")
    figures = _summary(since, until)
    assert figures["answered"] == 1


def _summary(since, until):
    report_facts.conversations_backfill()
    return report_selectors.summary(facts=ConversationFact.objects.all(), since=since, until=until)


@pytest.mark.parametrize("who", ["boris", "vera"])
def test_colleagues_and_supervisors_who_see_the_chat_write_notes_in_it(chat, who):
    stored = services.operator_note_add(
        session_id=chat["session"].pk, user=chat[who].user, text="I know her"
    )

    assert stored.created and stored.message.sender_name == chat[who].name


def test_a_note_is_refused_on_a_chat_the_writer_cannot_see(chat):
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider)

    with pytest.raises(StateConflict):
        services.operator_note_add(session_id=chat["session"].pk, user=outsider.user, text="x")
    assert not Message.objects.filter(internal=True).exists()


def test_notes_through_the_api(chat):
    url = f"/api/v1/sessions/{chat['session'].pk}/notes/"
    boris = api_as(chat["boris"].user)

    created = boris.post(url, {"text": "Call her back", "client_id": "n-1"}, format="json")
    repeat = boris.post(url, {"text": "Call her back", "client_id": "n-1"}, format="json")
    empty = boris.post(url, {"text": "   "}, format="json")
    missing = boris.post(url, {}, format="json")

    assert created.status_code == 201
    body = created.json()
    assert (body["internal"], body["sender_type"], body["sender_name"]) == (
        True,
        "operator",
        "Boris",
    )
    assert (repeat.status_code, repeat.json()["id"]) == (200, body["id"])
    assert empty.status_code == 400 and "text" in empty.json()
    assert missing.status_code == 400
    assert Message.objects.filter(internal=True).count() == 1


def test_a_note_on_a_chat_the_caller_cannot_see_is_404(chat):
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider)

    response = api_as(outsider.user).post(
        f"/api/v1/sessions/{chat['session'].pk}/notes/", {"text": "x"}, format="json"
    )

    assert response.status_code == 404


def test_a_closed_chat_still_takes_notes_but_the_session_list_preview_ignores_them(chat):
    session = chat["session"]
    services.session_close(session_id=session.pk)

    response = api_as(chat["anna"].user).post(
        f"/api/v1/sessions/{session.pk}/notes/", {"text": "Follow up Monday"}, format="json"
    )
    row = api_as(chat["anna"].user).get(f"/api/v1/sessions/{session.pk}/").json()

    assert response.status_code == 201
    assert row["last_message"]["text"] == "Refund?"
