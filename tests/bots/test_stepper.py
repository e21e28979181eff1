"""The bots' step thread (bots.services.stepper): on PostgreSQL what contacts do in bot
sessions is answered in batches from a thread of its own; every step is answered once,
in order per session, and a step that fails costs only itself. On SQLite (and inside an
open transaction) steps run at once in the caller's thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from bots.models import BotMode
from bots.services import flows, stepper
from crm import services as crm_services
from crm.models import Contact
from inbox import services as inbox_services
from inbox.models import Message, SenderType
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def walk() -> dict[str, Any]:
    def ask(text: str, key: str, then: str) -> dict[str, Any]:
        return {"type": "input", "text": text, "field": f"attributes.{key}", "next": then}

    return {
        "start": "city",
        "nodes": {
            "city": ask("Your city?", "city", "order"),
            "order": ask("Order number?", "order", "city"),
        },
    }


@pytest.fixture(autouse=True)
def threaded(settings):
    """These tests are about the lane's own thread (tests/conftest.py runs lanes inline)."""
    settings.BACKGROUND_LANES_INLINE = False


@pytest.fixture
def channel():
    channel = factories.ChannelFactory(default_group=factories.GroupFactory())
    flows.bot_create(name="Walker", flow=walk(), channels=[channel], mode=BotMode.ALWAYS)
    return channel


def opened(channel, count: int) -> list[int]:
    """``count`` visitors who said hello: their dialogs, each greeted by the bot."""
    dialogs = []
    for _ in range(count):
        visitor, _token = inbox_services.widget_visitor_create(channel=channel)
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="hello")
        dialogs.append(visitor.dialog_id)
    assert stepper.steps_wait(20)
    return dialogs


def bot_texts(dialog_id: int) -> list[str]:
    return list(
        Message.objects.filter(dialog_id=dialog_id, sender_type=SenderType.BOT)
        .order_by("id")
        .values_list("text", flat=True)
    )


def writes_all(dialog_id: int, texts: tuple[str, ...]) -> None:
    try:
        for text in texts:
            inbox_services.contact_message_receive(dialog_id=dialog_id, text=text)
    finally:
        connection.close()


def test_many_contacts_writing_at_once_each_get_every_answer_in_order(channel):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the real tier runs this")
    dialogs = opened(channel, 30)
    threads = [
        threading.Thread(target=writes_all, args=(d, ("Riga", "10452", "Oslo"))) for d in dialogs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert stepper.steps_wait(30)
    for dialog_id in dialogs:
        assert bot_texts(dialog_id) == [
            "Your city?",
            "Order number?",
            "Your city?",
            "Order number?",
        ]
        contact = Contact.objects.get(dialogs__pk=dialog_id)
        assert contact.attributes == {"city": "Oslo", "order": "10452"}


def test_a_step_that_fails_costs_only_itself(channel, monkeypatch, caplog):
    good, bad = opened(channel, 2)
    bad_contact = Contact.objects.get(dialogs__pk=bad).pk
    real = crm_services.contacts_values_set

    def refusing(values):
        if any(contact_id == bad_contact for contact_id, _, _ in values):
            raise RuntimeError("the contacts' table is unwell")
        return real(values)

    monkeypatch.setattr(crm_services, "contacts_values_set", refusing)
    inbox_services.contact_message_receive(dialog_id=bad, text="Riga")
    inbox_services.contact_message_receive(dialog_id=good, text="Riga")
    assert stepper.steps_wait(20)

    assert bot_texts(good) == ["Your city?", "Order number?"]
    assert Contact.objects.get(dialogs__pk=good).attributes == {"city": "Riga"}
    assert bot_texts(bad) == ["Your city?"]  # its step rolled back whole
    assert "the contacts' table is unwell" in caplog.text


@pytest.mark.django_db(transaction=False)
def test_inside_an_open_transaction_the_bot_answers_at_once(
    channel, django_capture_on_commit_callbacks
):
    visitor, _token = inbox_services.widget_visitor_create(channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="hello")
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Riga")

    # no waiting: the caller's transaction is still open, so the step ran in this thread
    assert bot_texts(visitor.dialog_id) == ["Your city?", "Order number?"]
