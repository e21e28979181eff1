"""The crm API's query filters (FilterSets): a bad value is a 400 that names the
parameter and says what it takes; filters narrow lists only, never one object's URL."""

from __future__ import annotations

import pytest

from crm import services
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

LEADS, TASKS, CONTACTS = "/api/v1/leads/", "/api/v1/tasks/", "/api/v1/contacts/"


def manager():  # type: ignore[no-untyped-def]
    return api_as(factories.CrmManagerFactory())


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("url", "params", "errors"),
    [
        (
            LEADS,
            {"status": "maybe"},
            {"status": ["One of: new, in_progress, qualified, disqualified, won, lost."]},
        ),
        (
            LEADS,
            {"ordering": "--title"},
            {
                "ordering": [
                    "One of: id, created_at, updated_at, title, status, stage "
                    '("-" first: descending).'
                ]
            },
        ),
        (LEADS, {"pipeline": "x"}, {"pipeline": ["A valid object id is a positive integer."]}),
        (LEADS, {"owner": "someone"}, {"owner": ["A valid object id is a positive integer."]}),
        (LEADS, {"contact": "9" * 40}, {"contact": ["A valid object id is a positive integer."]}),
        (TASKS, {"mine": "maybe"}, {"mine": ["Use 1 or 0."]}),
        (TASKS, {"lead": "²"}, {"lead": ["A valid object id is a positive integer."]}),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(url, params, errors):
    response = manager().get(url, params)
    assert response.status_code == 400
    assert response.json() == errors


def test_every_bad_parameter_is_named_at_once():
    response = manager().get(LEADS, {"status": "maybe", "stage": "-1"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "stage"}


def test_filters_do_not_apply_to_one_leads_url():
    # given: a new lead
    lead = factories.LeadFactory(status="new")
    api = manager()
    # when / then: a filter it does not match, or a bad one, changes nothing on its URL
    assert api.get(f"{LEADS}{lead.pk}/", {"status": "won"}).status_code == 200
    assert api.get(f"{LEADS}{lead.pk}/", {"status": "maybe"}).status_code == 200


def test_empty_filters_are_no_filters():
    lead = factories.LeadFactory()
    assert ids(manager().get(LEADS, {"status": "", "pipeline": "", "search": ""})) == [lead.pk]


def test_a_contact_search_with_a_nul_still_finds():
    ada = factories.ContactFactory(name="Ada Lovelace")
    factories.ContactFactory(name="Grace Hopper")
    response = manager().get(CONTACTS, {"search": "Ada\x00"})
    assert response.status_code == 200
    assert ids(response) == [ada.pk]


def test_flags_take_yes_and_no_words_in_any_case():
    # given: one done task and one open task of the caller
    user = factories.CrmManagerFactory()
    done = services.task_create(title="Sent the offer", assignee=user)
    services.task_done(task=done)
    open_ = services.task_create(title="Call back", assignee=user)
    api = api_as(user)
    # when / then
    assert ids(api.get(TASKS, {"done": "yes", "mine": "TRUE"})) == [done.pk]
    assert ids(api.get(TASKS, {"done": "No"})) == [open_.pk]
