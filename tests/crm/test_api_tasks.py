"""tasks/: CRM managers' to-dos, ?mine=1, done, and who sees and changes what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.models import Task
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/tasks/"


def detail(task: Task) -> str:
    return f"{URL}{task.pk}/"


def task_for(user, **kwargs) -> Task:  # type: ignore[no-untyped-def]
    return services.task_create(title=kwargs.pop("title", "Call back"), assignee=user, **kwargs)


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row["id"] for row in response.json()["results"]]


def test_a_crm_manager_creates_a_task_about_a_lead_for_a_colleague():
    # given
    manager, colleague = factories.CrmManagerFactory(), factories.CrmManagerFactory()
    lead = factories.LeadFactory()
    due = timezone.now() + timedelta(days=1)
    # when
    response = api_as(manager).post(
        URL,
        {
            "title": "Send the proposal",
            "lead": lead.pk,
            "assignee": colleague.pk,
            "due_at": due.isoformat(),
        },
    )
    # then: about the lead's contact too, open, not overdue
    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["assignee"], body["assignee_name"]) == (colleague.pk, colleague.username)
    assert (body["lead"], body["lead_title"]) == (lead.pk, lead.title)
    assert body["contact"] == lead.contact_id
    assert body["done"] is False
    assert body["done_at"] is None
    assert body["is_overdue"] is False


def test_the_assignee_defaults_to_the_caller():
    manager = factories.CrmManagerFactory()
    response = api_as(manager).post(URL, {"title": "Plan the week"})
    assert response.status_code == 201
    assert response.json()["assignee"] == manager.pk


def test_mine_lists_only_the_callers_tasks_open_first_by_due_date():
    # given
    manager, other = factories.CrmManagerFactory(), factories.CrmManagerFactory()
    now = timezone.now()
    later = task_for(manager, due_at=now + timedelta(days=2))
    sooner = task_for(manager, due_at=now + timedelta(hours=1))
    undated = task_for(manager)
    done = task_for(manager, due_at=now - timedelta(days=1))
    services.task_done(task=done)
    task_for(other)
    # when
    response = api_as(manager).get(URL, {"mine": "1"})
    # then
    assert ids(response) == [sooner.pk, later.pk, undated.pk, done.pk]


def test_done_and_overdue_filters():
    manager = factories.CrmManagerFactory()
    late = task_for(manager, due_at=timezone.now() - timedelta(hours=1))
    finished = task_for(manager)
    services.task_done(task=finished)
    client = api_as(manager)
    assert ids(client.get(URL, {"done": "1"})) == [finished.pk]
    assert ids(client.get(URL, {"done": "0"})) == [late.pk]
    overdue = client.get(URL, {"overdue": "1"})
    assert ids(overdue) == [late.pk]
    assert overdue.json()["results"][0]["is_overdue"] is True


def test_an_assignee_marks_their_task_done_and_not_done_again():
    # given: an operator with a task a manager gave them
    user = factories.UserFactory()
    task = task_for(user)
    client = api_as(user)
    # when
    done = client.patch(detail(task), {"done": True})
    undone = client.patch(detail(task), {"done": False})
    # then
    assert done.status_code == 200
    assert done.json()["done"] is True
    assert done.json()["done_at"]
    assert undone.json()["done"] is False
    assert undone.json()["done_at"] is None


def test_done_keeps_the_first_time_it_was_done():
    manager = factories.CrmManagerFactory()
    task = task_for(manager)
    first = api_as(manager).patch(detail(task), {"done": True}).json()["done_at"]
    again = api_as(manager).patch(detail(task), {"done": True}).json()["done_at"]
    assert again == first


def test_assignees_see_only_their_tasks_and_change_only_done():
    # given
    user = factories.UserFactory()
    mine, theirs = task_for(user), task_for(factories.UserFactory())
    client = api_as(user)
    # when / then
    assert ids(client.get(URL)) == [mine.pk]
    assert client.get(detail(theirs)).status_code == 404
    assert client.patch(detail(theirs), {"done": True}).status_code == 404
    assert client.patch(detail(mine), {"title": "Nothing"}).status_code == 403
    assert client.post(URL, {"title": "Self-made"}).status_code == 403
    assert client.delete(detail(mine)).status_code == 403
    assert Task.objects.get(pk=mine.pk).title == "Call back"


def test_crm_managers_see_and_delete_every_task():
    task = task_for(factories.UserFactory())
    client = api_as(factories.CrmManagerFactory())
    assert ids(client.get(URL)) == [task.pk]
    assert client.delete(detail(task)).status_code == 204
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("lead", 999999),
        ("lead", "x"),
        ("contact", 10**30),
        ("assignee", 999999),
        ("due_at", "tomorrow"),
        ("done", "perhaps"),
    ],
)
def test_bad_input_is_a_400(field, value):
    response = api_as(factories.CrmManagerFactory()).post(URL, {"title": "x", field: value})
    assert response.status_code == 400, response.data
    assert field in response.json()


def test_a_lead_of_another_contact_is_a_400():
    lead, contact = factories.LeadFactory(), factories.ContactFactory()
    response = api_as(factories.CrmManagerFactory()).post(
        URL, {"title": "x", "lead": lead.pk, "contact": contact.pk}
    )
    assert response.status_code == 400
    assert "contact" in response.json()


@pytest.mark.parametrize("params", [{"mine": "maybe"}, {"lead": "x"}, {"assignee": "-3"}])
def test_bad_query_parameters_are_a_400(params):
    assert api_as(factories.CrmManagerFactory()).get(URL, params).status_code == 400
