"""WhatsApp's 24-hour window: outside it a free-form reply is refused (409
``window_closed``, in the API and on the operator's socket) and an approved template is
sent instead, against the local Graph API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import services
from inbox.connectors.whatsapp.models import TemplateMessage
from inbox.models import Message, SenderType, Session, SessionStatus
from tests import factories
from tests.conftest import api_as
from tests.inbox.connectors.whatsapp_support import NUMBER, post_signed, text_value


def _active_session(client, channel, api, *, hours_ago: float = 0):  # type: ignore[no-untyped-def]
    post_signed(client, channel, api, text_value("Hello, where is my order?"))
    message = Message.objects.get(dialog__channel=channel, sender_type=SenderType.CONTACT)
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago)
    )
    operator = factories.OperatorFactory(display_name="Olga")
    Session.objects.filter(pk=message.session_id).update(
        status=SessionStatus.ACTIVE, operator=operator
    )
    return message.session_id, operator


@pytest.mark.django_db(transaction=True)
def test_within_24_hours_a_free_reply_goes_out(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=23.5)

    answer = api_as(operator.user).post(
        f"/api/v1/sessions/{session_id}/messages/", {"text": "Still here!"}, format="json"
    )

    assert answer.status_code == 201
    assert graph_api.sent[-1]["text"]["body"] == "Still here!"


@pytest.mark.django_db(transaction=True)
def test_after_24_hours_a_free_reply_is_refused_with_window_closed(
    client, whatsapp_channel, graph_api
):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=25)
    sent_before = len(graph_api.sent)

    answer = api_as(operator.user).post(
        f"/api/v1/sessions/{session_id}/messages/", {"text": "Any news?"}, format="json"
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "window_closed"
    assert "24 hours" in answer.json()["detail"]
    assert not Message.objects.filter(text="Any news?").exists()
    assert len(graph_api.sent) == sent_before


@pytest.mark.django_db(transaction=True)
def test_after_24_hours_a_template_is_accepted_and_sent_as_a_template(
    client, whatsapp_channel, graph_api
):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=30)
    template = {"name": "order_update", "language": "en_US", "params": ["Ada", "42"]}

    answer = api_as(operator.user).post(
        f"/api/v1/sessions/{session_id}/messages/",
        {"template": template, "client_id": "tpl-1"},
        format="json",
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["text"] == "Template “order_update” sent: Hi Ada, your order 42 shipped."
    assert answer.json()["sender_type"] == "operator"
    assert graph_api.sent[-1] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": NUMBER,
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "42"}],
                }
            ],
        },
    }
    stored = Message.objects.get(pk=answer.json()["id"])
    assert stored.status == "sent"
    assert TemplateMessage.objects.get(message=stored).params == ["Ada", "42"]


@pytest.mark.django_db(transaction=True)
def test_a_repeated_template_client_id_sends_once(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=30)
    body = {"template": {"name": "follow_up", "language": "ru"}, "client_id": "tpl-2"}
    api = api_as(operator.user)

    first = api.post(f"/api/v1/sessions/{session_id}/messages/", body, format="json")
    again = api.post(f"/api/v1/sessions/{session_id}/messages/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert [s["type"] for s in graph_api.sent].count("template") == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ({"name": "nope", "language": "en_US"}, "no such template"),
        ({"name": "order_update", "language": "en_US", "params": ["Ada"]}, "takes 2 parameters"),
        ({"name": "order_update", "language": "en_US", "params": ["Ada", ""]}, "blank"),
        ("order_update", ""),
    ],
)
def test_a_template_the_channel_does_not_have_is_a_clear_400(
    client, whatsapp_channel, graph_api, template, problem
):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=30)

    answer = api_as(operator.user).post(
        f"/api/v1/sessions/{session_id}/messages/", {"template": template}, format="json"
    )

    assert answer.status_code == 400
    assert "template" in answer.json()
    assert problem in str(answer.json()["template"])


@pytest.mark.django_db(transaction=True)
def test_the_composer_learns_the_window_and_the_templates(client, whatsapp_channel, graph_api):
    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=25)

    state = api_as(operator.user).get(f"/api/v1/sessions/{session_id}/templates/").json()

    assert state["window_open"] is False
    assert state["window_closes_at"] is not None
    assert [(t["name"], t["language"], t["param_count"]) for t in state["templates"]] == [
        ("order_update", "en_US", 2),
        ("follow_up", "ru", 0),
    ]


@pytest.mark.django_db
def test_a_widget_session_has_no_window_and_no_templates():
    session = factories.SessionFactory(status=SessionStatus.ACTIVE)
    operator = factories.OperatorFactory()
    Session.objects.filter(pk=session.pk).update(operator=operator)

    state = api_as(operator.user).get(f"/api/v1/sessions/{session.pk}/templates/").json()

    assert state == {"window_open": True, "window_closes_at": None, "templates": []}


@pytest.mark.django_db(transaction=True)
def test_a_file_after_24_hours_is_refused_too(client, whatsapp_channel, graph_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session_id, operator = _active_session(client, whatsapp_channel, graph_api, hours_ago=25)

    with pytest.raises(services.WindowClosed):
        services.operator_attachment_send(
            session_id=session_id,
            user=operator.user,
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        )


@pytest.fixture
def late_session(whatsapp_channel, graph_api):
    """A session whose customer last wrote 25 hours ago, made before the test's event
    loop runs (the webhook's async view runs its own loop, as under a server)."""
    from django.test import Client

    return _active_session(Client(), whatsapp_channel, graph_api, hours_ago=25)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_operator_socket_refuses_a_free_reply_after_24_hours_with_window_closed(
    late_session,
):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from rest_framework.authtoken.models import Token

    from contactcenter.asgi import application

    session_id, operator = late_session
    key = await sync_to_async(lambda: Token.objects.create(user=operator.user).key)()
    ws = WebsocketCommunicator(
        application,
        "/ws/operator/",
        headers=[(b"origin", b"http://localhost"), (b"authorization", f"Token {key}".encode())],
    )
    assert (await ws.connect())[0]
    await ws.receive_json_from()  # hello

    await ws.send_json_to(
        {"type": "message", "session": session_id, "text": "Any news?", "client_id": "w1"}
    )
    frames = [await ws.receive_json_from(timeout=3)]
    while frames[-1]["type"] != "error":
        frames.append(await ws.receive_json_from(timeout=3))

    assert (frames[-1]["code"], frames[-1]["client_id"]) == ("window_closed", "w1")
    assert not await sync_to_async(Message.objects.filter(text="Any news?").exists)()
    await ws.disconnect()
