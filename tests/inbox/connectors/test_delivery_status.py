"""Delivery status of messages to the contact on external channels: it starts pending,
moves forward only, is pushed to the staff, and a failed message can be sent again.
The e-mail channel (against the capturing SMTP server on 127.0.0.1) stands for any
connector here; Telegram's own tests are in test_telegram*.py."""

from __future__ import annotations

import pytest

from contactcenter import realtime
from inbox import services
from inbox.models import DeliveryStatus, Message, SenderType, Session, SessionStatus
from tests import factories
from tests.conftest import api_as
from tests.inbox.connectors.test_email import _active_session_of_email


def _reply(channel, text="It ships today."):  # type: ignore[no-untyped-def]
    session_id, operator = _active_session_of_email(channel)
    reply = services.operator_message_send(session_id=session_id, user=operator.user, text=text)
    return Message.objects.get(pk=reply.message.pk), operator


@pytest.mark.django_db(transaction=True)
def test_a_reply_on_an_external_channel_is_sent_and_marked_sent(email_channel, outbox):
    reply, _ = _reply(email_channel)

    assert reply.status == DeliveryStatus.SENT
    assert reply.channel_message_id == outbox.messages[0]["Message-ID"]


@pytest.mark.django_db
def test_widget_messages_and_notes_have_no_delivery_status():
    session = factories.SessionFactory(status=SessionStatus.ACTIVE)
    operator = factories.OperatorFactory()
    Session.objects.filter(pk=session.pk).update(operator=operator)

    reply = services.operator_message_send(session_id=session.pk, user=operator.user, text="Hi")
    note = services.operator_note_add(session_id=session.pk, user=operator.user, text="psst")

    assert reply.message.status is None and note.message.status is None


@pytest.mark.django_db(transaction=True)
def test_the_status_never_moves_backwards(email_channel, outbox, sent_frames):
    reply, operator = _reply(email_channel)

    assert services.message_status_set(message_id=reply.pk, status="read")
    assert not services.message_status_set(message_id=reply.pk, status="delivered")  # late
    assert not services.message_status_set(message_id=reply.pk, status="failed")
    assert not services.message_status_set(message_id=reply.pk, status="sent")

    assert Message.objects.get(pk=reply.pk).status == DeliveryStatus.READ
    pushed = [
        (group, frame["message"])
        for group, frame in sent_frames
        if frame["type"] == "message.status"
    ]
    assert (
        realtime.operator_group(operator.pk),
        {
            "id": reply.pk,
            "dialog": reply.dialog_id,
            "session": reply.session_id,
            "status": "read",
        },
    ) in pushed
    mine = [m["status"] for g, m in pushed if g == realtime.operator_group(operator.pk)]
    assert mine == ["sent", "read"]


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_is_failed_in_the_api_and_a_retry_sends_it(email_channel, outbox):
    outbox.refuse = ["550 5.1.1 No such user"]
    reply, operator = _reply(email_channel)
    api = api_as(operator.user)
    url = f"/api/v1/sessions/{reply.session_id}/messages/"

    shown = {m["id"]: m for m in api.get(url).json()["results"]}
    assert shown[reply.pk]["status"] == "failed"
    note = Message.objects.get(sender_type=SenderType.SYSTEM, internal=True)
    assert "could not be delivered" in note.text

    answer = api.post(f"{url}{reply.pk}/retry/")

    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert Message.objects.get(pk=reply.pk).status == DeliveryStatus.SENT  # sent again
    assert len(outbox.messages) == 1
    again = api.post(f"{url}{reply.pk}/retry/")
    assert again.status_code == 409  # only a failed message is retried
    assert api.post(f"{url}999999/retry/").status_code == 404
    assert api.post(f"{url}abc/retry/").status_code in (400, 404)


@pytest.mark.django_db(transaction=True)
def test_a_retry_of_a_message_in_a_chat_one_cannot_see_is_404(email_channel, outbox):
    outbox.refuse = ["550 5.1.1 No such user"]
    reply, _ = _reply(email_channel)
    stranger = factories.OperatorFactory()

    answer = api_as(stranger.user).post(
        f"/api/v1/sessions/{reply.session_id}/messages/{reply.pk}/retry/"
    )

    assert answer.status_code == 404
    assert Message.objects.get(pk=reply.pk).status == DeliveryStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_system_messages_reach_an_external_contact_but_internal_ones_do_not(email_channel, outbox):
    session_id, _ = _active_session_of_email(email_channel)
    session = Session.objects.get(pk=session_id)

    told = services.system_message_send(session=session, text="We are away until 9:00.")
    services.system_message_send(session=session, text="for staff", internal=True)

    assert [m.get_content().strip() for m in outbox.messages] == ["We are away until 9:00."]
    assert Message.objects.get(pk=told.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_a_bot_message_carries_its_buttons_to_the_widget(
    sent_frames, django_capture_on_commit_callbacks
):
    session = factories.SessionFactory(status=SessionStatus.BOT)
    buttons = [{"id": 1, "title": "Delivery"}, {"id": 2, "title": "Refund"}]

    with django_capture_on_commit_callbacks(execute=True):
        message = services.bot_message_send(
            session=session, text="What is it about?", buttons=buttons, node=7
        )

    frames = [f for g, f in sent_frames if g == realtime.dialog_group(session.dialog_id)]
    assert frames[0]["message"]["buttons"] == buttons
    assert frames[0]["message"]["node"] == "7"  # ids travel as text (the contract's form)
    assert frames[0]["message"]["sender_type"] == "bot"
    assert message.status is None  # the widget's socket delivers it


@pytest.mark.django_db
@pytest.mark.parametrize(
    "buttons",
    [
        [],
        [{"id": 1}],
        [{"id": "no spaces", "title": "x"}],
        [{"id": "x" * 101, "title": "x"}],
        [{"id": 1, "title": "x"}, {"id": "1", "title": "y"}],
        [{"id": 1, "title": "x"}, {"id": 1, "title": "y"}],
        [{"id": 1, "title": "x" * 65}],
        [{"id": n, "title": "x"} for n in range(11)],
        "Delivery",
    ],
)
def test_bad_buttons_are_refused_with_a_clear_code(buttons):
    session = factories.SessionFactory(status=SessionStatus.BOT)

    with pytest.raises(services.MessageRejected) as refused:
        services.bot_message_send(session=session, text="?", buttons=buttons, node=1)

    assert refused.value.code == "bad_buttons"
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)  # the webhook reads in threads of its own
def test_a_webhook_for_an_unknown_channel_is_404_and_an_unverified_one_403(client, email_channel):
    assert (
        client.post("/hooks/telegram/nope/", b"{}", content_type="application/json").status_code
        == 404
    )
    answer = client.post(
        f"/hooks/email/{email_channel.key}/", b"{}", content_type="application/json"
    )
    assert answer.status_code == 403
    assert not Message.objects.exists()
