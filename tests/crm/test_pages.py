"""The CRM pages: the lead list with filters, the board by stage and "my tasks"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from crm import services
from crm.models import Pipeline
from tests import factories

pytestmark = pytest.mark.django_db


def browser(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def funnel(name: str = "Sales", *stages: str) -> Pipeline:
    pipeline = factories.PipelineFactory(name=name, is_default=name == "Sales")
    for position, stage in enumerate(stages or ("New", "Proposal", "Won")):
        factories.StageFactory(pipeline=pipeline, name=stage, position=position)
    return pipeline


def lead_rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="lead-row" data-lead-id="(\d+)"', html)]


@pytest.mark.parametrize("path", ["/crm/leads/", "/crm/board/", "/crm/tasks/"])
def test_the_pages_ask_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_lead_list_shows_leads_and_filters_them():
    # given
    sales = funnel()
    won = factories.LeadFactory(pipeline=sales, status="won", title="Big deal")
    fresh = factories.LeadFactory(pipeline=sales, title="Small deal")
    client = browser(factories.CrmManagerFactory())
    # when
    everything = client.get("/crm/leads/").content.decode()
    only_won = client.get("/crm/leads/", {"status": "won"}).content.decode()
    searched = client.get("/crm/leads/", {"search": "small"}).content.decode()
    # then
    assert sorted(lead_rows(everything)) == sorted([won.pk, fresh.pk])
    assert lead_rows(only_won) == [won.pk]
    assert lead_rows(searched) == [fresh.pk]
    assert "Big deal" in everything and "Won" in everything


def test_a_bad_filter_is_shown_and_ignored():
    lead = factories.LeadFactory(pipeline=funnel())
    response = browser(factories.CrmManagerFactory()).get(
        "/crm/leads/", {"status": "maybe", "pipeline": "x", "page": "999"}
    )
    assert response.status_code == 200
    assert lead_rows(response.content.decode()) == [lead.pk]
    assert 'class="errors"' in response.content.decode()


def test_an_operator_sees_only_the_leads_they_may_see():
    session = factories.SessionFactory()
    user = factories.MembershipFactory(group=session.group).operator.user
    sales = funnel()
    theirs = factories.LeadFactory(pipeline=sales, contact=session.dialog.contact)
    factories.LeadFactory(pipeline=sales)
    assert lead_rows(browser(user).get("/crm/leads/").content.decode()) == [theirs.pk]


def test_the_board_shows_the_stages_in_order_with_their_cards():
    # given
    sales = funnel("Sales", "New", "Proposal", "Won")
    new, proposal = sales.stages.get(name="New"), sales.stages.get(name="Proposal")
    a = factories.LeadFactory(pipeline=sales, stage=new, title="Alpha")
    b = factories.LeadFactory(pipeline=sales, stage=proposal, title="Beta")
    funnel("Partners", "Intro")
    # when
    html = browser(factories.CrmManagerFactory()).get("/crm/board/").content.decode()
    # then: the default pipeline's columns in order, each card in its column, draggable
    columns = re.findall(r'class="board-col" data-stage-id="(\d+)" data-stage-name="([^"]+)"', html)
    assert [name for _pk, name in columns] == ["New", "Proposal", "Won"]
    assert "Intro" not in html
    cards = dict(
        (int(lead), int(stage))
        for lead, stage in re.findall(
            r'class="board-card" draggable="true" data-lead-id="(\d+)" data-stage-id="(\d+)"', html
        )
    )
    assert cards == {a.pk: new.pk, b.pk: proposal.pk}
    assert "Alpha" in html and "Beta" in html
    assert "crm/crm.js" in html


def test_the_board_shows_the_pipeline_asked_for():
    funnel()
    partners = funnel("Partners", "Intro", "Signed")
    html = (
        browser(factories.CrmManagerFactory())
        .get("/crm/board/", {"pipeline": partners.pk})
        .content.decode()
    )
    assert re.findall(r'data-stage-name="([^"]+)"', html) == ["Intro", "Signed"]


def test_the_board_without_pipelines_explains_itself():
    response = browser(factories.CrmManagerFactory()).get("/crm/board/", {"pipeline": "x"})
    assert response.status_code == 200
    assert "There is no pipeline yet" in response.content.decode()


def test_my_tasks_shows_only_mine_and_marks_the_overdue_ones():
    # given
    me, someone = factories.CrmManagerFactory(), factories.CrmManagerFactory()
    now = timezone.now()
    late = services.task_create(title="Late call", assignee=me, due_at=now - timedelta(hours=2))
    upcoming = services.task_create(title="Next call", assignee=me, due_at=now + timedelta(days=1))
    finished = services.task_create(title="Old call", assignee=me, due_at=now - timedelta(days=3))
    services.task_done(task=finished)
    services.task_create(title="Not mine", assignee=someone)
    # when
    html = browser(me).get("/crm/tasks/").content.decode()
    # then
    assert "Not mine" not in html
    rows = re.findall(r'<li class="(task[^"]*)" data-task-id="(\d+)"', html)
    classes = {int(pk): cls.split() for cls, pk in rows}
    assert "overdue" in classes[late.pk]
    assert "overdue" not in classes[upcoming.pk]
    assert "done" in classes[finished.pk] and "overdue" not in classes[finished.pk]
    assert html.index("Late call") < html.index("Next call") < html.index("Old call")
    assert "1 task is overdue." in html
    assert 'class="task-done" checked' in html


def test_my_tasks_without_tasks_says_so():
    html = browser(factories.UserFactory()).get("/crm/tasks/").content.decode()
    assert "Nothing to do." in html


@pytest.mark.parametrize(
    "params",
    [
        {"pipeline": "9" * 30},
        {"stage": "9" * 30},
        {"owner": "9" * 30},
        {"page": "x"},
        {"search": "a\x00b"},
        {"ordering": "password"},
    ],
)
@pytest.mark.parametrize("path", ["/crm/leads/", "/crm/board/"])
def test_bad_query_parameters_never_break_the_pages(path, params):
    factories.LeadFactory(pipeline=funnel())
    assert browser(factories.CrmManagerFactory()).get(path, params).status_code == 200
