"""Triggers end to end: events from the real services, the shipped default trigger, the
run log, failures that never break the message flow, the dry run."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bots import services
from bots.models import RunStatus, Trigger, TriggerRun
from contactcenter import events
from crm.models import Lead, LeadStatus, Task
from inbox import services as inbox_services
from inbox.models import Message, SenderType, Session, SessionStatus
from tests import factories
from tests.bots.conftest import make_trigger

pytestmark = pytest.mark.django_db

DEFAULT = "Qualify the lead when the session closes"


@pytest.fixture
def answered() -> Session:
    operator = factories.OperatorFactory(display_name="Olga")
    return factories.SessionFactory(
        operator=operator,
        status=SessionStatus.ACTIVE,
        assigned_at=timezone.now(),
        rating=5,
        dialog__identity__contact__name="Ann",
    )


def close(session: Session, capture) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        inbox_services.session_close(session_id=session.pk)


def test_the_default_trigger_is_shipped_active() -> None:
    trigger = Trigger.objects.get(name=DEFAULT)
    assert trigger.is_active and trigger.event == "session.closed"
    assert [a.type for a in trigger.actions.all()] == ["lead_update", "task_create"]


def test_a_session_with_a_lead_closes_and_the_owner_gets_a_qualification_task(
    answered: Session, django_capture_on_commit_callbacks
) -> None:
    # given a session that produced a new lead owned by a manager
    owner = factories.UserFactory(username="manager")
    lead = factories.LeadFactory(
        contact=answered.dialog.contact, session=answered, owner=owner, title="Big deal"
    )
    # when the session closes
    close(answered, django_capture_on_commit_callbacks)
    # then the owner has a task about the lead, and the lead carries the session's data
    task = Task.objects.get()
    assert (task.assignee, task.lead) == (owner, lead)
    assert task.title == "Qualify the lead: Big deal"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_PROGRESS
    assert lead.fields["session_id"] == answered.pk
    assert lead.fields["group"] == answered.group.name
    assert lead.fields["operator"] == "Olga"
    assert lead.fields["rating"] == 5
    assert isinstance(lead.fields["duration_s"], int)
    run = TriggerRun.objects.get()
    assert (run.trigger_name, run.status, run.session_id) == (DEFAULT, "succeeded", answered.pk)
    assert len(run.done) == 2


def test_a_session_without_a_lead_closes_quietly(answered, django_capture_on_commit_callbacks):
    close(answered, django_capture_on_commit_callbacks)
    assert not Task.objects.exists()
    assert not TriggerRun.objects.exists()  # conditions that do not hold leave no run


def test_a_customer_message_fires_message_triggers(
    only_my_triggers, django_capture_on_commit_callbacks
) -> None:
    make_trigger(
        event="message.received",
        conditions=[
            ("message.text", "contains", "refund"),
            ("contact.attributes.plan", "equals", "gold"),
        ],
        actions=[
            ("tag", {"tags": ["refund"]}),
            ("priority_set", {"priority": 5}),
            ("message_send", {"text": "We will sort out your refund, {contact.name}."}),
        ],
    )
    dialog = factories.DialogFactory(
        identity__contact__name="Ann", identity__contact__attributes={"plan": "Gold"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        stored = inbox_services.contact_message_receive(
            dialog_id=dialog.pk, text="Refund please", client_id="c1"
        )
    session = stored.message.session
    session.refresh_from_db()
    dialog.contact.refresh_from_db()
    assert session.priority == 5
    assert dialog.contact.attributes["tags"] == ["refund"]
    assert Message.objects.filter(session=session, sender_type=SenderType.SYSTEM).get().text == (
        "We will sort out your refund, Ann."
    )
    assert TriggerRun.objects.get().status == RunStatus.SUCCEEDED


def test_conditions_that_do_not_hold_do_nothing(
    only_my_triggers, django_capture_on_commit_callbacks
):
    make_trigger(
        event="message.received",
        conditions=[("message.text", "contains", "refund")],
        actions=[("priority_set", {"priority": 5})],
    )
    dialog = factories.DialogFactory()
    with django_capture_on_commit_callbacks(execute=True):
        stored = inbox_services.contact_message_receive(dialog_id=dialog.pk, text="Hello")
    assert Session.objects.get(pk=stored.message.session_id).priority == 0
    assert not TriggerRun.objects.exists()


def test_any_match_fires_on_one_condition(only_my_triggers, django_capture_on_commit_callbacks):
    make_trigger(
        event="contact.created",
        match="any",
        conditions=[("contact.email", "contains", "@vip."), ("contact.name", "equals", "Ann")],
        actions=[("tag", {"tags": ["new"]})],
    )
    from crm import services as crm_services

    with django_capture_on_commit_callbacks(execute=True):
        contact = crm_services.contact_create(name="Ann")
    contact.refresh_from_db()
    assert contact.attributes == {"tags": ["new"]}


def test_a_failing_action_is_logged_rolls_back_its_trigger_and_the_message_is_stored(
    only_my_triggers, django_capture_on_commit_callbacks
) -> None:
    # given a trigger whose second action fails (no lead to give a task about)
    failing = make_trigger(
        event="message.received",
        actions=[("priority_set", {"priority": 9}), ("task_create", {"title": "Call"})],
    )
    # and a later trigger that works
    make_trigger(event="message.received", actions=[("tag", {"tags": ["seen"]})])
    dialog = factories.DialogFactory()
    # when the customer writes
    with django_capture_on_commit_callbacks(execute=True):
        stored = inbox_services.contact_message_receive(
            dialog_id=dialog.pk, text="Hi", client_id="x"
        )
    # then the message is stored, the failure logged, its first action rolled back
    assert Message.objects.filter(pk=stored.message.pk).exists()
    run = TriggerRun.objects.get(trigger=failing)
    assert run.status == RunStatus.FAILED
    assert "Create a task" in run.error and "no lead" in run.error
    assert Session.objects.get(pk=stored.message.session_id).priority == 0
    # and the next trigger still ran
    dialog.contact.refresh_from_db()
    assert dialog.contact.attributes["tags"] == ["seen"]


def test_operator_replies_are_not_message_received(
    only_my_triggers, django_capture_on_commit_callbacks
):
    make_trigger(event="message.received", actions=[("tag", {"tags": ["x"]})])
    session = factories.SessionFactory(
        operator=factories.OperatorFactory(), status=SessionStatus.ACTIVE
    )
    with django_capture_on_commit_callbacks(execute=True):
        inbox_services.operator_message_send(
            session_id=session.pk, user=session.operator.user, text="Hello"
        )
    assert not TriggerRun.objects.exists()


def test_one_occurrence_runs_a_trigger_once(only_my_triggers) -> None:
    trigger = make_trigger(event="session.opened", actions=[("message_send", {"text": "Hi"})])
    session = factories.SessionFactory()
    payload = {
        "session_id": session.pk,
        "dialog_id": session.dialog_id,
        "channel_id": session.dialog.channel_id,
    }
    services.event_react(event="session.opened", payload=payload, event_key="k1")
    services.event_react(event="session.opened", payload=payload, event_key="k1")  # redelivery
    assert TriggerRun.objects.filter(trigger=trigger).count() == 1
    assert Message.objects.filter(session=session).count() == 1


def test_a_trigger_that_keeps_firing_for_one_dialog_is_stopped(only_my_triggers) -> None:
    trigger = make_trigger(event="session.opened", actions=[("priority_set", {"priority": 1})])
    session = factories.SessionFactory()
    payload = {
        "session_id": session.pk,
        "dialog_id": session.dialog_id,
        "channel_id": session.dialog.channel_id,
    }
    for i in range(7):
        services.event_react(event="session.opened", payload=payload, event_key=f"k{i}")
    statuses = list(
        TriggerRun.objects.filter(trigger=trigger).order_by("id").values_list("status", flat=True)
    )
    assert statuses[:5] == ["succeeded"] * 5
    assert statuses[5:] == ["failed", "failed"]
    assert "loop" in TriggerRun.objects.filter(trigger=trigger).order_by("id").last().error


def test_a_lead_stage_change_fires_with_both_stage_names(
    only_my_triggers, django_capture_on_commit_callbacks
) -> None:
    from crm import services as crm_services

    make_trigger(
        event="lead.stage_changed",
        conditions=[("event.to_stage", "equals", "Won")],
        actions=[("lead_update", {"status": "won"})],
    )
    first = factories.StageFactory(name="New")
    won = factories.StageFactory(name="Won", pipeline=first.pipeline)
    lead = factories.LeadFactory(pipeline=first.pipeline, stage=first)
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.lead_update(lead=lead, data={"stage": won})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


def test_the_dry_run_shows_what_would_happen_without_doing_it(answered: Session) -> None:
    owner = factories.UserFactory(username="manager", first_name="Mia", last_name="Lee")
    factories.LeadFactory(
        contact=answered.dialog.contact, session=answered, owner=owner, title="Big deal"
    )
    [result] = services.triggers_dry_run(session_id=answered.pk, event="session.closed")
    assert result.trigger.name == DEFAULT and result.fires
    assert "holds" in str(result.checked[0])
    assert "in_progress" in result.steps[0]
    assert "Qualify the lead: Big deal" in result.steps[1] and "Mia Lee" in result.steps[1]
    # nothing was done: the session is still open, no task, the lead untouched, no run
    answered.refresh_from_db()
    assert answered.status == SessionStatus.ACTIVE
    assert not Task.objects.exists() and not TriggerRun.objects.exists()
    assert Lead.objects.get().status == LeadStatus.NEW


def test_the_dry_run_says_which_action_would_fail(only_my_triggers, answered: Session) -> None:
    make_trigger(
        event="session.closed",
        actions=[
            ("lead_create", {"title": "From {session.group.name}"}),
            ("task_create", {"title": "Follow up", "assignee": "group_supervisor"}),
        ],
    )
    [result] = services.triggers_dry_run(session_id=answered.pk, event="session.closed")
    assert "Create the lead “From" in result.steps[0]
    assert "would fail" in result.steps[1] and "no supervisor" in result.steps[1]
    assert not Lead.objects.exists()


def test_events_carry_what_the_listener_needs() -> None:
    # the listener turns events into task arguments: plain values only
    import dataclasses
    import json

    event = events.SessionClosed(session_id=1, dialog_id=2, reason="resolved")
    assert json.loads(json.dumps(dataclasses.asdict(event))) == {
        "session_id": 1,
        "dialog_id": 2,
        "reason": "resolved",
        "operator_id": None,
        "group_id": None,
    }
