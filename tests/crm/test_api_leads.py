"""leads/ and pipelines/: defaults, stage changes and their event, filters, search,
ordering, permissions and bad input."""

from __future__ import annotations

import pytest

from contactcenter import events
from crm.models import Lead, Pipeline, Stage
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"
PIPELINES = "/api/v1/pipelines/"


def detail(lead: Lead) -> str:
    return f"{URL}{lead.pk}/"


def crm_manager():  # type: ignore[no-untyped-def]
    return factories.CrmManagerFactory()


def funnel(name: str = "Sales", *stages: str, default: bool = True) -> Pipeline:
    pipeline = factories.PipelineFactory(name=name, is_default=default)
    for position, stage in enumerate(stages or ("New", "Proposal", "Won")):
        factories.StageFactory(pipeline=pipeline, name=stage, position=position)
    return pipeline


def stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


def operator_with_session():  # type: ignore[no-untyped-def]
    """An operator, and a session of their group with a contact in it."""
    session = factories.SessionFactory()
    operator = factories.MembershipFactory(group=session.group).operator
    return operator.user, session


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row["id"] for row in response.json()["results"]]


# --- creating ---------------------------------------------------------------------------


def test_an_operator_creates_a_lead_from_a_chat_with_defaults(django_capture_on_commit_callbacks):
    # given: a default funnel and an operator chatting with a contact
    sales = funnel("Sales", "New", "Proposal")
    user, session = operator_with_session()
    seen: list[events.Event] = []
    events.subscribe(events.LeadCreated, seen.append)
    # when: the inbox's "Create lead" posts only the contact, the session and a title
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(user).post(
            URL,
            {"contact": session.dialog.contact_id, "session": session.pk, "title": "Ivan — 3 Mar"},
        )
    events.unsubscribe(events.LeadCreated, seen.append)
    # then: owned by the caller, new, on the default pipeline's first stage
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["title"] == "Ivan — 3 Mar"
    assert body["contact"] == session.dialog.contact_id
    assert body["session"] == session.pk
    assert body["owner"] == user.pk
    assert body["owner_name"] == user.username
    assert body["status"] == "new"
    assert body["pipeline"] == sales.pk
    assert body["stage"] == stage(sales, "New").pk
    assert body["stage_name"] == "New"
    assert body["fields"] == {}
    assert seen == [events.LeadCreated(lead_id=body["id"])]


def test_the_first_lead_makes_a_default_pipeline_when_there_is_none(admin_api):
    contact = factories.ContactFactory()
    response = admin_api.post(URL, {"contact": contact.pk, "title": "First"})
    assert response.status_code == 201, response.data
    pipeline = Pipeline.objects.get()
    assert pipeline.is_default
    assert response.json()["pipeline"] == pipeline.pk
    assert response.json()["stage"] == pipeline.stages.order_by("position").first().pk


def test_a_stage_alone_puts_the_lead_in_that_stages_pipeline(admin_api):
    funnel("Sales")
    other = funnel("Partners", "Intro", "Signed", default=False)
    contact = factories.ContactFactory()
    response = admin_api.post(
        URL,
        {
            "contact": contact.pk,
            "title": "Reseller",
            "stage": stage(other, "Signed").pk,
            "status": "qualified",
            "fields": {"budget": 1200},
        },
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["pipeline"], body["stage_name"]) == (other.pk, "Signed")
    assert body["status"] == "qualified"
    assert body["fields"] == {"budget": 1200}


DROP = object()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact", DROP),
        ("contact", 999999),
        ("contact", "abc"),
        ("contact", 10**30),
        ("contact", None),
        ("title", DROP),
        ("title", ""),
        ("title", "x" * 201),
        ("status", "maybe"),
        ("fields", ["not", "an", "object"]),
        ("fields", "text"),
        ("pipeline", 999999),
        ("pipeline", 10**30),
        ("pipeline", True),
        ("stage", "1; drop"),
        ("stage", {"id": 1}),
        ("owner", 999999),
        ("session", 999999),
        ("session", "x"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_api, field, value):
    # given
    funnel("Sales")
    body = {"contact": factories.ContactFactory().pk, "title": "x", field: value}
    if value is DROP:
        del body[field]
    # when
    response = admin_api.post(URL, body)
    # then
    assert response.status_code == 400, response.data
    assert field in response.json()
    assert not Lead.objects.exists()


def test_a_stage_of_another_pipeline_is_a_400(admin_api):
    sales, partners = funnel("Sales"), funnel("Partners", "Intro", default=False)
    contact = factories.ContactFactory()
    response = admin_api.post(
        URL,
        {
            "contact": contact.pk,
            "title": "x",
            "pipeline": sales.pk,
            "stage": stage(partners, "Intro").pk,
        },
    )
    assert response.status_code == 400
    assert "stage" in response.json()


def test_a_session_of_another_contact_is_a_400(admin_api):
    funnel("Sales")
    contact, session = factories.ContactFactory(), factories.SessionFactory()
    response = admin_api.post(URL, {"contact": contact.pk, "title": "x", "session": session.pk})
    assert response.status_code == 400
    assert "session" in response.json()


def test_an_operator_cannot_create_a_lead_for_a_contact_they_cannot_see():
    funnel("Sales")
    user, _session = operator_with_session()
    stranger = factories.SessionFactory().dialog.contact  # another group's chat
    response = api_as(user).post(URL, {"contact": stranger.pk, "title": "x"})
    assert response.status_code == 400
    assert "contact" in response.json()
    assert not Lead.objects.exists()


def test_only_crm_managers_give_a_lead_to_someone_else():
    # given
    funnel("Sales")
    user, session = operator_with_session()
    colleague = factories.UserFactory()
    payload = {"contact": session.dialog.contact_id, "title": "x", "owner": colleague.pk}
    # when / then
    assert api_as(user).post(URL, payload).status_code == 403
    response = api_as(crm_manager()).post(URL, payload)
    assert response.status_code == 201
    assert response.json()["owner"] == colleague.pk


# --- changing ---------------------------------------------------------------------------


def test_moving_a_lead_to_another_stage_fires_the_event_after_commit(
    admin_api, django_capture_on_commit_callbacks
):
    # given
    sales = funnel("Sales")
    lead = factories.LeadFactory(pipeline=sales, stage=stage(sales, "New"))
    seen: list[events.Event] = []
    events.subscribe(events.LeadStageChanged, seen.append)
    # when
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = admin_api.patch(detail(lead), {"stage": stage(sales, "Proposal").pk})
    # then: nothing delivered until the transaction commits
    assert response.status_code == 200, response.data
    assert response.json()["stage_name"] == "Proposal"
    assert seen == []
    for callback in pending:
        callback()
    events.unsubscribe(events.LeadStageChanged, seen.append)
    assert seen == [
        events.LeadStageChanged(
            lead_id=lead.pk,
            from_stage_id=stage(sales, "New").pk,
            to_stage_id=stage(sales, "Proposal").pk,
        )
    ]


def test_changing_other_fields_fires_no_stage_event(admin_api, django_capture_on_commit_callbacks):
    sales = funnel("Sales")
    lead = factories.LeadFactory(pipeline=sales, stage=stage(sales, "New"))
    seen: list[events.Event] = []
    events.subscribe(events.LeadStageChanged, seen.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(
            detail(lead), {"status": "won", "title": "Renamed", "fields": {"seats": 20}}
        )
    events.unsubscribe(events.LeadStageChanged, seen.append)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["title"]) == ("won", "Renamed")
    assert response.json()["fields"] == {"seats": 20}
    assert seen == []


def test_a_new_pipeline_without_a_stage_puts_the_lead_on_its_first_stage(admin_api):
    sales, partners = funnel("Sales"), funnel("Partners", "Intro", "Signed", default=False)
    lead = factories.LeadFactory(pipeline=sales, stage=stage(sales, "Proposal"))
    response = admin_api.patch(detail(lead), {"pipeline": partners.pk})
    assert response.status_code == 200
    assert response.json()["stage"] == stage(partners, "Intro").pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"stage": "other"}, "stage"),
        ({"stage": None}, "stage"),
        ({"status": "done"}, "status"),
        ({"fields": [1, 2]}, "fields"),
        ({"owner": 999999}, "owner"),
        ({"session": -1}, "session"),
    ],
)
def test_bad_changes_are_a_400(admin_api, payload, field):
    sales, partners = funnel("Sales"), funnel("Partners", "Intro", default=False)
    lead = factories.LeadFactory(pipeline=sales, stage=stage(sales, "New"))
    if payload.get("stage") == "other":
        payload = {"stage": stage(partners, "Intro").pk}
    response = admin_api.patch(detail(lead), payload)
    assert response.status_code == 400, response.data
    assert field in response.json()
    lead.refresh_from_db()
    assert lead.stage == stage(sales, "New")


# --- seeing -----------------------------------------------------------------------------


def test_an_operator_sees_their_own_leads_and_those_of_contacts_in_their_chats():
    # given
    sales = funnel("Sales")
    user, session = operator_with_session()
    of_their_contact = factories.LeadFactory(pipeline=sales, contact=session.dialog.contact)
    owned = factories.LeadFactory(pipeline=sales, owner=user)
    hidden = factories.LeadFactory(pipeline=sales)
    client = api_as(user)
    # when
    listed = client.get(URL)
    # then
    assert sorted(ids(listed)) == sorted([of_their_contact.pk, owned.pk])
    assert client.get(detail(hidden)).status_code == 404
    assert client.patch(detail(hidden), {"status": "won"}).status_code == 404
    assert client.patch(detail(owned), {"status": "won"}).status_code == 200


def test_crm_managers_see_every_lead():
    sales = funnel("Sales")
    leads = [factories.LeadFactory(pipeline=sales) for _ in range(3)]
    assert sorted(ids(api_as(crm_manager()).get(URL))) == sorted(lead.pk for lead in leads)


def test_a_user_without_a_role_sees_no_leads():
    factories.LeadFactory(pipeline=funnel("Sales"))
    assert api_as(factories.UserFactory()).get(URL).json()["count"] == 0


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(URL).status_code == 401


def test_filters_narrow_the_list(admin_api):
    # given
    sales, partners = funnel("Sales"), funnel("Partners", "Intro", default=False)
    owner = factories.UserFactory()
    session = factories.SessionFactory()
    a = factories.LeadFactory(pipeline=sales, stage=stage(sales, "New"), status="won", owner=owner)
    b = factories.LeadFactory(
        pipeline=sales,
        stage=stage(sales, "Proposal"),
        contact=session.dialog.contact,
        session=session,
    )
    c = factories.LeadFactory(pipeline=partners, stage=stage(partners, "Intro"))
    # when / then
    assert ids(admin_api.get(URL, {"status": "won"})) == [a.pk]
    assert sorted(ids(admin_api.get(URL, {"pipeline": sales.pk}))) == sorted([a.pk, b.pk])
    assert ids(admin_api.get(URL, {"stage": stage(partners, "Intro").pk})) == [c.pk]
    assert ids(admin_api.get(URL, {"owner": owner.pk})) == [a.pk]
    assert ids(admin_api.get(URL, {"contact": session.dialog.contact_id})) == [b.pk]
    assert ids(admin_api.get(URL, {"session": session.pk})) == [b.pk]


def test_owner_me_lists_the_callers_leads():
    manager = crm_manager()
    mine = factories.LeadFactory(pipeline=funnel("Sales"), owner=manager)
    factories.LeadFactory(pipeline=mine.pipeline)
    assert ids(api_as(manager).get(URL, {"owner": "me"})) == [mine.pk]


def test_search_finds_by_title_contact_name_and_email(admin_api):
    sales = funnel("Sales")
    by_title = factories.LeadFactory(pipeline=sales, title="Twenty seats of Pro")
    by_name = factories.LeadFactory(
        pipeline=sales, contact=factories.ContactFactory(name="Anna Karenina")
    )
    by_email = factories.LeadFactory(
        pipeline=sales, contact=factories.ContactFactory(email="boss@acme.test")
    )
    factories.LeadFactory(pipeline=sales, title="Unrelated")
    assert ids(admin_api.get(URL, {"search": "twenty"})) == [by_title.pk]
    assert ids(admin_api.get(URL, {"search": "karenina"})) == [by_name.pk]
    assert ids(admin_api.get(URL, {"search": "acme.test"})) == [by_email.pk]


def test_ordering_sorts_the_list(admin_api):
    sales = funnel("Sales")
    b = factories.LeadFactory(pipeline=sales, title="B")
    a = factories.LeadFactory(pipeline=sales, title="A")
    c = factories.LeadFactory(pipeline=sales, title="C")
    assert ids(admin_api.get(URL)) == [c.pk, a.pk, b.pk]  # newest first
    assert ids(admin_api.get(URL, {"ordering": "title"})) == [a.pk, b.pk, c.pk]
    assert ids(admin_api.get(URL, {"ordering": "-title"})) == [c.pk, b.pk, a.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "maybe"},
        {"pipeline": "x"},
        {"stage": "-1"},
        {"owner": "someone"},
        {"contact": "9" * 40},
        {"ordering": "password"},
        {"ordering": "--title"},
        {"page": "0"},
    ],
)
def test_bad_query_parameters_are_a_400(admin_api, params):
    assert admin_api.get(URL, params).status_code == 400


def test_the_list_is_paginated(admin_api):
    sales = funnel("Sales")
    for _ in range(3):
        factories.LeadFactory(pipeline=sales)
    body = admin_api.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_leads_are_not_deleted_through_the_api(admin_api):
    lead = factories.LeadFactory(pipeline=funnel("Sales"))
    assert admin_api.delete(detail(lead)).status_code == 405
    assert Lead.objects.filter(pk=lead.pk).exists()


# --- pipelines --------------------------------------------------------------------------


def test_anyone_signed_in_reads_pipelines_with_stages_in_order():
    funnel("Sales", "New", "Proposal", "Won")
    user, _session = operator_with_session()
    body = api_as(user).get(PIPELINES).json()
    assert body["count"] == 1
    [pipeline] = body["results"]
    assert pipeline["is_default"] is True
    assert [s["name"] for s in pipeline["stages"]] == ["New", "Proposal", "Won"]


def test_a_crm_manager_creates_a_default_pipeline_and_the_flag_moves():
    old = funnel("Sales")
    response = api_as(crm_manager()).post(
        PIPELINES,
        {"name": "Partners", "is_default": True, "stages": [{"name": "Intro"}, {"name": "Deal"}]},
    )
    assert response.status_code == 201, response.data
    assert [s["name"] for s in response.json()["stages"]] == ["Intro", "Deal"]
    old.refresh_from_db()
    assert not old.is_default
    assert Pipeline.objects.get(is_default=True).name == "Partners"


def test_stages_given_on_update_replace_the_list(admin_api):
    # given
    sales = funnel("Sales", "New", "Proposal", "Won")
    new, proposal = stage(sales, "New"), stage(sales, "Proposal")
    # when: swap two names, add one, drop "Won"
    response = admin_api.patch(
        f"{PIPELINES}{sales.pk}/",
        {
            "stages": [
                {"id": proposal.pk, "name": "New"},
                {"id": new.pk, "name": "Proposal"},
                {"name": "Contract"},
            ]
        },
    )
    # then
    assert response.status_code == 200, response.data
    stages = [(s["id"], s["name"], s["position"]) for s in response.json()["stages"]]
    assert stages[:2] == [(proposal.pk, "New", 0), (new.pk, "Proposal", 1)]
    assert stages[2][1:] == ("Contract", 2)


def test_a_stage_holding_leads_cannot_be_dropped(admin_api):
    sales = funnel("Sales", "New", "Won")
    factories.LeadFactory(pipeline=sales, stage=stage(sales, "Won"))
    response = admin_api.patch(
        f"{PIPELINES}{sales.pk}/", {"stages": [{"id": stage(sales, "New").pk, "name": "New"}]}
    )
    assert response.status_code == 409
    assert sales.stages.count() == 2


@pytest.mark.parametrize(
    "stages",
    [
        [{"name": "A"}, {"name": "A"}],
        [{"id": 999999, "name": "A"}],
        [{"name": ""}],
        "not a list",
    ],
)
def test_bad_stage_lists_are_a_400(admin_api, stages):
    sales = funnel("Sales")
    response = admin_api.patch(f"{PIPELINES}{sales.pk}/", {"stages": stages})
    assert response.status_code == 400, response.data


def test_operators_may_not_change_pipelines():
    sales = funnel("Sales")
    user, _session = operator_with_session()
    client = api_as(user)
    assert client.post(PIPELINES, {"name": "Mine"}).status_code == 403
    assert client.patch(f"{PIPELINES}{sales.pk}/", {"name": "Mine"}).status_code == 403
    assert client.delete(f"{PIPELINES}{sales.pk}/").status_code == 403


def test_a_pipeline_with_leads_cannot_be_deleted(admin_api):
    sales = funnel("Sales")
    factories.LeadFactory(pipeline=sales)
    assert admin_api.delete(f"{PIPELINES}{sales.pk}/").status_code == 409
    empty = funnel("Empty", default=False)
    assert admin_api.delete(f"{PIPELINES}{empty.pk}/").status_code == 204


# --- duplicates -------------------------------------------------------------------------


def test_a_second_create_from_the_same_chat_is_a_409_naming_the_first_lead():
    # given: a lead already made from this chat
    funnel("Sales", "New")
    user, session = operator_with_session()
    payload = {"contact": session.dialog.contact_id, "session": session.pk, "title": "Ivan"}
    first = api_as(user).post(URL, payload)
    # when: the same request again (a double click), even with another title
    again = api_as(user).post(URL, {**payload, "title": "Ivan, again"})
    # then: one lead, and the answer says which one
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["lead"] == first.json()["id"]
    assert again.json()["url"] == f"/crm/leads/{first.json()['id']}/"
    assert "already has an open lead" in again.json()["detail"]
    assert Lead.objects.filter(contact=session.dialog.contact_id).count() == 1


def test_a_closed_lead_does_not_block_a_new_one_from_the_same_chat(admin_api):
    funnel("Sales", "New")
    session = factories.SessionFactory()
    payload = {"contact": session.dialog.contact_id, "session": session.pk, "title": "Deal"}
    first = admin_api.post(URL, payload).json()
    admin_api.patch(f"{URL}{first['id']}/", {"status": "lost"}, format="json")
    # when
    again = admin_api.post(URL, payload)
    # then
    assert again.status_code == 201


def test_without_a_chat_only_the_same_title_is_a_duplicate(admin_api):
    funnel("Sales", "New")
    contact = factories.ContactFactory()
    # when
    first = admin_api.post(URL, {"contact": contact.pk, "title": "Annual plan"})
    same = admin_api.post(URL, {"contact": contact.pk, "title": "Annual plan"})
    other = admin_api.post(URL, {"contact": contact.pk, "title": "Extra seats"})
    # then
    assert (first.status_code, same.status_code, other.status_code) == (201, 409, 201)


def test_a_lead_carries_its_translated_status_and_its_page(admin_api):
    lead = factories.LeadFactory(status="in_progress")
    english = admin_api.get(detail(lead), HTTP_ACCEPT_LANGUAGE="en").json()
    russian = admin_api.get(detail(lead), HTTP_ACCEPT_LANGUAGE="ru").json()
    assert english["status"] == russian["status"] == "in_progress"
    assert english["url"] == f"/crm/leads/{lead.pk}/"
    assert english["status_display"] == "In progress"
    assert russian["status_display"] == "\u0412 \u0440\u0430\u0431\u043e\u0442\u0435"
