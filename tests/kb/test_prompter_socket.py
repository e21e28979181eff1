"""The operator hears the prompter's suggestions for their customer's message."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox import services as inbox_services
from kb.services import articles, matching
from tests import factories
from tests.kb.conftest import ITEMS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _given_an_active_chat():
    articles.articles_import(items=ITEMS)
    matching.index_reset()
    operator = factories.OperatorFactory(status="online")
    group = factories.GroupFactory()
    factories.MembershipFactory(group=group, operator=operator)
    session = factories.SessionFactory(
        dialog=factories.DialogFactory(channel=factories.ChannelFactory(default_group=group)),
        group=group,
        status="active",
        operator=operator,
    )
    return session, Token.objects.create(user=operator.user).key


async def _frame_of_type(ws, kind):
    frame = await ws.receive_json_from(timeout=3)
    while frame["type"] != kind:
        frame = await ws.receive_json_from(timeout=3)
    return frame


async def test_the_operator_gets_suggestions_for_the_customers_question():
    session, key = await sync_to_async(_given_an_active_chat)()
    ws = WebsocketCommunicator(
        application, "/ws/operator/", headers=[(b"authorization", f"Token {key}".encode())]
    )
    assert (await ws.connect())[0]
    await ws.receive_json_from()  # hello

    stored = await sync_to_async(inbox_services.contact_message_receive)(
        dialog_id=session.dialog_id, text="how long does the delivery take?"
    )
    frame = await _frame_of_type(ws, "suggestions")

    assert frame["session"] == session.pk and frame["message"] == stored.message.pk
    first = frame["suggestions"][0]
    assert set(first) >= {"id", "article", "text", "score", "title"}
    assert first["title"] == "Delivery times"
    assert first["text"] == "We deliver the next day after the order."
    assert len(frame["suggestions"]) <= 3
    await ws.disconnect()


async def test_a_question_with_no_match_gets_an_empty_frame():
    session, key = await sync_to_async(_given_an_active_chat)()
    ws = WebsocketCommunicator(
        application, "/ws/operator/", headers=[(b"authorization", f"Token {key}".encode())]
    )
    assert (await ws.connect())[0]
    await ws.receive_json_from()

    await sync_to_async(inbox_services.contact_message_receive)(
        dialog_id=session.dialog_id, text="what is the weather on mars"
    )
    frame = await _frame_of_type(ws, "suggestions")

    assert frame["suggestions"] == []
    await ws.disconnect()
