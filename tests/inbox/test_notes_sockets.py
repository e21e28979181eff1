"""Private notes on the sockets: an operator writes one from the operator socket
(``internal: true``); a visitor connected to the widget never gets it, live or by sync."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from inbox.models import Message, SessionStatus
from tests import factories
from tests.inbox.test_widget_socket import _channel_and_visitor, _next, _operator_socket, _widget

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_note_from_the_operator_socket_never_reaches_the_visitor():
    channel, visitor, token = await sync_to_async(_channel_and_visitor)()
    operator = await sync_to_async(factories.OperatorFactory)(display_name="Boris")
    session = await sync_to_async(factories.SessionFactory)(
        dialog=visitor.dialog, status=SessionStatus.ACTIVE, operator=operator
    )
    widget = await _widget(channel, token)
    await _next(widget)
    op = await _operator_socket(operator.user)
    await op.receive_json_from()

    await op.send_json_to(
        {
            "type": "message",
            "session": session.pk,
            "text": "VIP, be nice",
            "client_id": "n-1",
            "internal": True,
        }
    )
    frames = [await op.receive_json_from(), await op.receive_json_from()]
    await op.send_json_to({"type": "message", "session": session.pk, "text": "Hello!"})
    live = await _next(widget)

    assert {f["type"] for f in frames} == {"ack", "message.created"}
    pushed = next(f for f in frames if f["type"] == "message.created")["message"]
    assert (pushed["text"], pushed["internal"]) == ("VIP, be nice", True)
    note = await sync_to_async(Message.objects.get)(client_id="n-1")
    assert note.internal and note.sender_type == "operator"
    assert live["message"]["text"] == "Hello!"  # the first frame the visitor got
    await widget.send_json_to({"type": "sync", "after": 0})
    synced = await _next(widget)
    assert synced["message"]["text"] == "Hello!"
    assert await widget.receive_nothing(timeout=0.3)
    await widget.disconnect()
    await op.disconnect()
