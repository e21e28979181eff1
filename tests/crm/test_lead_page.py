"""A lead's page /crm/leads/<id>/: its facts, customer and conversations, notes and
tasks, and a form to move it on; the same permissions as the API."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from crm.models import Lead, LeadNote, Task
from tests import factories

pytestmark = pytest.mark.django_db


def browser(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def page_url(lead: Lead) -> str:
    return f"/crm/leads/{lead.pk}/"


@pytest.fixture
def lead_from_chat():
    pipeline = factories.PipelineFactory(name="Sales", is_default=True)
    new = factories.StageFactory(pipeline=pipeline, name="New", position=0)
    factories.StageFactory(pipeline=pipeline, name="Proposal", position=1)
    session = factories.SessionFactory()
    contact = session.dialog.contact
    contact.name, contact.email = "Ivan Petrov", "ivan@example.org"
    contact.save()
    return factories.LeadFactory(
        contact=contact, session=session, title="Ivan — seeds", pipeline=pipeline, stage=new
    )


def test_a_crm_manager_sees_the_lead_with_status_and_stage_once(lead_from_chat):
    html = browser(factories.CrmManagerFactory()).get(page_url(lead_from_chat)).content.decode()
    assert 'id="lead-title">Ivan — seeds<' in html
    assert re.search(r'id="lead-status">New<', html)
    assert "New in Sales" in html
    assert "Ivan Petrov" in html and "ivan@example.org" in html
    assert "new · New" not in html


def test_conversations_link_to_the_inbox_only_for_operators_who_may_open_them(lead_from_chat):
    session = lead_from_chat.session
    member = factories.MembershipFactory(group=session.group).operator.user
    # when
    as_operator = browser(member).get(page_url(lead_from_chat)).content.decode()
    as_manager = browser(factories.CrmManagerFactory()).get(page_url(lead_from_chat))
    # then
    assert f'href="/inbox/?session={session.pk}"' in as_operator
    assert "/inbox/?session=" not in as_manager.content.decode()
    assert "this lead's chat" in as_manager.content.decode()


def test_a_lead_someone_may_not_see_is_a_404(lead_from_chat):
    outsider = factories.MembershipFactory().operator.user
    assert browser(outsider).get(page_url(lead_from_chat)).status_code == 404
    assert browser(factories.CrmManagerFactory()).get("/crm/leads/999999/").status_code == 404


def test_a_note_is_added_signed_and_dated(lead_from_chat):
    manager = factories.CrmManagerFactory(first_name="Marta")
    client = browser(manager)
    # when
    response = client.post(page_url(lead_from_chat), {"action": "note", "text": "Wants 12 packs."})
    html = client.get(page_url(lead_from_chat)).content.decode()
    # then
    assert response.status_code == 302
    note = LeadNote.objects.get(lead=lead_from_chat)
    assert (note.text, note.author) == ("Wants 12 packs.", manager)
    assert "Wants 12 packs." in html and "Marta" in html


def test_an_empty_note_is_a_form_error(lead_from_chat):
    response = browser(factories.CrmManagerFactory()).post(
        page_url(lead_from_chat), {"action": "note", "text": "   "}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not LeadNote.objects.exists()


def test_a_crm_manager_adds_a_task_about_the_lead_and_sees_it_listed(lead_from_chat):
    manager = factories.CrmManagerFactory()
    client = browser(manager)
    # when
    client.post(
        page_url(lead_from_chat),
        {
            "action": "task",
            "title": "Send the offer",
            "due_at": "2030-01-05T10:00",
            "assignee": manager.pk,
        },
    )
    html = client.get(page_url(lead_from_chat)).content.decode()
    # then
    task = Task.objects.get()
    assert (task.lead, task.contact, task.assignee) == (
        lead_from_chat,
        lead_from_chat.contact,
        manager,
    )
    assert f'data-task-id="{task.pk}"' in html and "Send the offer" in html


def test_operators_get_no_task_form_and_cannot_post_one(lead_from_chat):
    member = factories.MembershipFactory(group=lead_from_chat.session.group).operator.user
    client = browser(member)
    html = client.get(page_url(lead_from_chat)).content.decode()
    response = client.post(
        page_url(lead_from_chat), {"action": "task", "title": "x", "assignee": member.pk}
    )
    assert 'value="task"' not in html
    assert response.status_code == 400
    assert not Task.objects.exists()


def test_the_lead_moves_to_another_stage_and_status(lead_from_chat):
    manager = factories.CrmManagerFactory()
    proposal = lead_from_chat.pipeline.stages.get(name="Proposal")
    # when
    response = browser(manager).post(
        page_url(lead_from_chat),
        {"action": "change", "status": "in_progress", "stage": proposal.pk, "owner": manager.pk},
    )
    # then
    assert response.status_code == 302
    lead_from_chat.refresh_from_db()
    assert (lead_from_chat.status, lead_from_chat.stage, lead_from_chat.owner) == (
        "in_progress",
        proposal,
        manager,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"action": "change", "status": "sold", "owner": "1"},
        {"action": "change", "status": "new", "stage": "999999"},
        {"action": "change", "status": "new", "stage": "x", "owner": "y"},
        {"action": "whatever"},
    ],
)
def test_bad_posts_are_a_400_and_change_nothing(lead_from_chat, data):
    response = browser(factories.CrmManagerFactory()).post(page_url(lead_from_chat), data)
    assert response.status_code == 400
    lead_from_chat.refresh_from_db()
    assert lead_from_chat.status == "new"


def test_an_operator_cannot_hand_a_lead_to_someone_else(lead_from_chat):
    member = factories.MembershipFactory(group=lead_from_chat.session.group).operator.user
    other = factories.CrmManagerFactory()
    # when
    response = browser(member).post(
        page_url(lead_from_chat),
        {"action": "change", "status": "new", "stage": lead_from_chat.stage_id, "owner": other.pk},
    )
    # then
    assert response.status_code == 400  # not one of their choices
    lead_from_chat.refresh_from_db()
    assert lead_from_chat.owner != other


def test_lead_titles_in_the_list_and_on_the_board_open_the_lead(lead_from_chat):
    client = browser(factories.CrmManagerFactory())
    assert f'href="{page_url(lead_from_chat)}"' in client.get("/crm/leads/").content.decode()
    assert f'href="{page_url(lead_from_chat)}"' in client.get("/crm/board/").content.decode()
