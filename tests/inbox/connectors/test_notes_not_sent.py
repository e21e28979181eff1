"""A private note in a conversation of a connector's channel (e-mail here) never leaves
through the connector, even when its task is run by hand."""

from __future__ import annotations

import pytest

from inbox import services
from inbox.connectors.tasks import connector_reply_send
from inbox.models import Session, SessionStatus
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_note_in_an_email_conversation_is_not_emailed(email_channel, outbox):
    stored = services.channel_message_receive(
        channel=email_channel,
        external_id="ada@example.org",
        text="Where is my order?",
        client_id="<first@example.org>",
        name="Ada",
        email="ada@example.org",
    )
    operator = factories.OperatorFactory(display_name="Olga")
    Session.objects.filter(pk=stored.message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )

    note = services.operator_note_add(
        session_id=stored.message.session_id, user=operator.user, text="Lost by the courier"
    ).message
    connector_reply_send.apply(args=[note.pk])
    services.operator_message_send(
        session_id=stored.message.session_id, user=operator.user, text="It ships today."
    )

    assert [m.get_content().strip() for m in outbox.messages] == ["It ships today."]
