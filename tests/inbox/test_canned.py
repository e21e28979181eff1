"""Canned responses with placeholders: filled in for the open session by the API, the
ones that cannot be filled reported, never sent, and refused by the admin form when
unknown."""

from __future__ import annotations

import pytest
from django.utils import translation

from inbox import canned, services
from inbox.admin import CannedResponseForm
from inbox.models import CannedResponse, Message, SenderType
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    """Anna has an active chat with a website visitor who gave no name."""
    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=group, operator=anna)
    channel = factories.ChannelFactory(
        name="Website chat", default_group=group, config={"title": "Greenleaf"}
    )
    visitor, _ = services.widget_visitor_create(channel=channel)
    session = services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi").message
    session = session.session
    session.refresh_from_db()
    if session.operator_id != anna.pk:
        session.operator, session.status = anna, "active"
        session.save(update_fields=["operator", "status"])
    return {"anna": anna, "session": session, "contact": session.dialog.contact}


def _list(user, **params):
    response = api_as(user).get("/api/v1/canned-responses/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_placeholders_are_filled_in_for_the_session(chat):
    chat["contact"].name = "Maria Schmidt"
    chat["contact"].email = "maria@example.com"
    chat["contact"].save()
    CannedResponse.objects.create(
        shortcut="hello",
        title="Greeting",
        text="Hello {contact_first_name}! My name is {operator} from {company}, {group} team. "
        "We write to {contact_email}.",
    )

    [item] = _list(chat["anna"].user, session=chat["session"].pk)

    assert item["text"] == (
        "Hello Maria! My name is Anna from Greenleaf, Support team. We write to maria@example.com."
    )
    assert item["raw_text"].startswith("Hello {contact_first_name}! My name is {operator}")
    assert item["unfilled"] == []


def test_a_customer_without_a_name_leaves_contact_unfilled_with_the_reason(chat):
    CannedResponse.objects.create(shortcut="hi", title="Hi", text="Hi {contact}, I am {operator}.")

    [item] = _list(chat["anna"].user, session=chat["session"].pk)

    assert item["text"] == "Hi {contact}, I am Anna."
    assert item["unfilled"] == [
        {"placeholder": "contact", "reason": "the customer's name is not known"}
    ]


def test_an_unknown_placeholder_stays_and_is_reported(chat):
    CannedResponse.objects.create(
        shortcut="x", title="X", text="Your order {order_id} is {operator}'s"
    )

    [item] = _list(chat["anna"].user, session=chat["session"].pk)

    assert item["text"] == "Your order {order_id} is Anna's"
    assert item["unfilled"] == [{"placeholder": "order_id", "reason": "unknown placeholder"}]


def test_without_a_session_the_text_is_as_written_and_every_placeholder_is_unfilled(chat):
    CannedResponse.objects.create(shortcut="hi", title="Hi", text="Hi {contact}")

    [item] = _list(chat["anna"].user)

    assert item["text"] == "Hi {contact}"
    assert [u["placeholder"] for u in item["unfilled"]] == ["contact"]


def test_a_session_the_caller_may_not_see_is_not_found_and_a_bad_id_is_a_400(chat):
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider)
    client = api_as(outsider.user)

    assert client.get(f"/api/v1/canned-responses/?session={chat['session'].pk}").status_code == 404
    bad = client.get("/api/v1/canned-responses/?session=abc")
    assert bad.status_code == 400
    assert "session" in bad.json()


def test_the_date_is_today_in_the_operators_language(chat):
    session = chat["session"]
    with translation.override("ru"):
        text = canned.render(text="{date}", session=session).text
    assert any(
        month in text
        for month in (
            "января",
            "февраля",
            "декабря",
            "ноября",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
        )
    )


def test_a_reply_with_an_unfilled_placeholder_never_reaches_the_customer(chat):
    client = api_as(chat["anna"].user)

    response = client.post(
        f"/api/v1/sessions/{chat['session'].pk}/messages/", {"text": "Hello {contact}!"}
    )

    assert response.status_code == 400
    assert "{contact}" in response.json()["text"][0]
    assert not Message.objects.filter(sender_type=SenderType.OPERATOR).exists()


def test_braces_that_are_no_placeholder_are_sent_as_typed(chat):
    stored = services.operator_message_send(
        session_id=chat["session"].pk, user=chat["anna"].user, text="Use the code {ABC-1} or {x y}"
    )

    assert stored.message.text == "Use the code {ABC-1} or {x y}"


def test_the_admin_form_refuses_an_unknown_placeholder_and_lists_the_known_ones():
    form = CannedResponseForm(
        data={"shortcut": "order", "title": "Order", "text": "Order {order_id} for {contact}"}
    )

    assert not form.is_valid()
    assert "{order_id}" in form.errors["text"][0]
    assert "{operator}" in str(form.fields["text"].help_text)
    assert "{contact}" in str(form.fields["text"].help_text)


def test_the_admin_form_accepts_known_placeholders():
    form = CannedResponseForm(
        data={"shortcut": "hello", "title": "Hello", "text": "Hello {contact}, I am {operator}."}
    )

    assert form.is_valid(), form.errors
