"""bots.actions: each action's effect through the owning app's service."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bots import actions, selectors
from bots.models import WebhookDelivery, WebhookSubscription
from crm.models import Lead, LeadStatus, Task
from inbox.models import CloseReason, Message, SenderType, Session, SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session() -> Session:
    operator = factories.OperatorFactory(display_name="Olga")
    session = factories.SessionFactory(
        operator=operator,
        status=SessionStatus.ACTIVE,
        assigned_at=timezone.now(),
        dialog__identity__contact__name="Ann",
        dialog__identity__contact__attributes={"plan": "gold"},
    )
    session.group.supervisors.add(factories.OperatorFactory(display_name="Sam"))
    return session


def facts(session: Session, event: str = "session.opened") -> selectors.Facts:
    return selectors.facts_for_session(event=event, session_id=session.pk)


def run(type_: str, params: dict, f: selectors.Facts) -> str:
    assert actions.params_errors(type=type_, params=params) == []
    return actions.action_run(type=type_, params=params, facts=f, trigger="test")


def test_lead_create_maps_fields_from_session_and_contact(session: Session) -> None:
    f = facts(session)
    run(
        "lead_create",
        {
            "title": "Chat with {contact.name}",
            "fields": {
                "plan": "{contact.attributes.plan}",
                "group": "{session.group.name}",
                "nothing": "{contact.attributes.city}",
            },
        },
        f,
    )
    lead = Lead.objects.get()
    assert lead.title == "Chat with Ann"
    assert lead.session_id == session.pk and lead.contact_id == session.dialog.contact_id
    assert lead.owner == session.operator.user  # the session's operator by default
    assert lead.fields == {"plan": "gold", "group": session.group.name}  # empty left out
    assert f.lead is not None and f.lead.pk == lead.pk  # the next action sees it
    # once per session: a second run creates nothing
    run("lead_create", {"title": "Again"}, facts(session))
    assert Lead.objects.count() == 1


def test_lead_update_adds_fields_and_moves_status_only_from_listed(session: Session) -> None:
    lead = factories.LeadFactory(
        contact=session.dialog.contact, session=session, fields={"keep": 1}
    )
    params = {
        "fields": {"group": "{session.group.name}"},
        "status": "in_progress",
        "only_if_status": ["new"],
    }
    run("lead_update", params, facts(session))
    lead.refresh_from_db()
    assert lead.fields == {"keep": 1, "group": session.group.name}
    assert lead.status == LeadStatus.IN_PROGRESS
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.WON)
    run("lead_update", params, facts(session))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


@pytest.mark.parametrize(
    ("assignee", "who"),
    [("lead_owner", "owner"), ("group_supervisor", "Sam"), ("session_operator", "Olga")],
)
def test_task_create_goes_to_the_chosen_person(session: Session, assignee: str, who: str):
    owner = factories.UserFactory(username="owner")
    factories.LeadFactory(contact=session.dialog.contact, session=session, owner=owner)
    run(
        "task_create",
        {"title": "Call {contact.name}", "assignee": assignee, "due_in_hours": 2},
        facts(session),
    )
    task = Task.objects.get()
    assert task.title == "Call Ann"
    expected = {
        "owner": owner,
        "Sam": session.group.supervisors.get().user,
        "Olga": session.operator.user,
    }[who]
    assert task.assignee == expected
    assert task.due_at is not None and task.contact_id == session.dialog.contact_id


def test_task_for_the_lead_owner_without_a_lead_fails_in_plain_words(session: Session):
    with pytest.raises(actions.ActionFailed, match="no lead"):
        run("task_create", {"title": "x"}, facts(session))


def test_message_send_stores_a_system_message(session: Session) -> None:
    run("message_send", {"text": "Hello {contact.name}"}, facts(session))
    message = Message.objects.get(session=session)
    assert (message.sender_type, message.text, message.internal) == (
        SenderType.SYSTEM,
        "Hello Ann",
        False,
    )


def test_priority_set_changes_an_open_session(session: Session) -> None:
    run("priority_set", {"priority": 7}, facts(session))
    session.refresh_from_db()
    assert session.priority == 7


def test_transfer_moves_the_session_to_the_group(
    session: Session, django_capture_on_commit_callbacks
):
    target = factories.GroupFactory(name="Support")
    with django_capture_on_commit_callbacks(execute=True):
        run("transfer", {"group": "Support"}, facts(session))
    session.refresh_from_db()
    assert session.close_reason == CloseReason.TRANSFERRED
    opened = Session.objects.get(previous_session=session)
    assert opened.group == target
    assert "test" in opened.messages.get().text  # the note names the trigger


def test_tag_adds_to_the_contact_attributes_without_repeats(session: Session) -> None:
    contact = session.dialog.contact
    contact.attributes = {"plan": "gold", "tags": ["cold", "vip"]}
    contact.save()
    run("tag", {"tags": ["vip", "refund"], "remove": ["cold"]}, facts(session))
    contact.refresh_from_db()
    assert contact.attributes == {"plan": "gold", "tags": ["vip", "refund"]}


def test_webhook_queues_a_delivery_with_the_facts(session: Session) -> None:
    subscription = WebhookSubscription.objects.create(name="CRM", url="https://crm.example/h")
    run("webhook", {"subscription": "CRM"}, facts(session))
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == subscription and delivery.event == "trigger.fired"
    assert delivery.payload["trigger"] == "test"
    assert delivery.payload["session"]["id"] == session.pk
    assert delivery.payload["contact"]["attributes"] == {"plan": "gold"}


@pytest.mark.parametrize(
    ("type_", "params", "says"),
    [
        ("message_send", {}, "text is required"),
        ("message_send", {"text": "x", "colour": "red"}, "Unknown setting colour"),
        ("priority_set", {"priority": "high"}, "wrong type"),
        ("priority_set", {"priority": True}, "wrong type"),
        ("task_create", {"title": "x", "assignee": "boss"}, "one of"),
        ("transfer", {"group": "Nowhere"}, "no group Nowhere"),
        ("webhook", {"subscription": "missing"}, "no webhook subscription"),
        ("lead_update", {}, "fields, a status"),
        ("tag", {"tags": [""]}, "list of words"),
        ("message_send", {"text": "{customer.name}"}, "path starts with"),
    ],
)
def test_settings_are_validated_per_type(type_: str, params: dict, says: str) -> None:
    errors = actions.params_errors(type=type_, params=params)
    assert any(says in str(e) for e in errors), errors
