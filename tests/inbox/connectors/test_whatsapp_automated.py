"""Everything the product says on its own reaches a WhatsApp contact, against the local
Graph API: the offline message, the queue notice, a trigger's message, a bot's buttons
and the rating request (in test_whatsapp.py), each marked sent."""

from __future__ import annotations

import pytest

from bots.models import Action, Trigger
from inbox.models import DeliveryStatus, Message, SenderType
from tests.inbox.connectors.whatsapp_support import NUMBER, post_signed, text_value

pytestmark = pytest.mark.queue_notices


def _texts(api):  # type: ignore[no-untyped-def]
    return [b["text"]["body"] for b in api.sent if b["type"] == "text"]


@pytest.mark.django_db(transaction=True)
def test_the_offline_message_reaches_a_whatsapp_contact(client, whatsapp_channel, graph_api):
    group = whatsapp_channel.default_group
    group.always_open = False
    group.offline_message = "We are closed. Back at 9."
    group.save()

    post_signed(client, whatsapp_channel, graph_api, text_value("Anyone there?"))

    assert "We are closed. Back at 9." in _texts(graph_api)
    assert all(b["to"] == NUMBER for b in graph_api.sent)
    notice = Message.objects.get(sender_type=SenderType.SYSTEM, text="We are closed. Back at 9.")
    assert notice.status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_the_queue_notice_reaches_a_whatsapp_contact(client, whatsapp_channel, graph_api):
    post_signed(client, whatsapp_channel, graph_api, text_value("Hello?"))

    [notice] = Message.objects.filter(sender_type=SenderType.SYSTEM, internal=False)
    assert "in line" in notice.text
    assert _texts(graph_api) == [notice.text]
    assert Message.objects.get(pk=notice.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_trigger_message_reaches_a_whatsapp_contact(client, whatsapp_channel, graph_api):
    Trigger.objects.update(is_active=False)
    trigger = Trigger.objects.create(name="Greet on WhatsApp", event="session.opened")
    Action.objects.create(
        trigger=trigger, type="message_send", params={"text": "Hi {contact.name}!"}, position=0
    )

    post_signed(client, whatsapp_channel, graph_api, text_value("Hello", name="Ada"))

    assert "Hi Ada!" in _texts(graph_api)
    greeting = Message.objects.get(text="Hi Ada!")
    assert greeting.status == DeliveryStatus.SENT
