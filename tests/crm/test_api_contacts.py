"""contacts/ and contacts/{id}/merge/."""

from __future__ import annotations

import pytest

from contactcenter import events, roles
from crm.models import Contact, ContactIdentity
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


def detail(contact: Contact) -> str:
    return f"{URL}{contact.pk}/"


def merge_url(contact: Contact) -> str:
    return f"{URL}{contact.pk}/merge/"


def crm_manager():  # type: ignore[no-untyped-def]
    return factories.UserFactory(roles=[roles.CRM_MANAGERS])


def operator_with_contact():  # type: ignore[no-untyped-def]
    """An operator, and a contact who wrote to the operator's group."""
    session = factories.SessionFactory()
    operator = factories.MembershipFactory(group=session.group).operator
    return operator, session.dialog.contact


def test_admin_creates_a_contact_with_identities(admin_api, django_capture_on_commit_callbacks):
    # given
    seen: list[events.Event] = []
    events.subscribe(events.ContactCreated, seen.append)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            URL,
            {
                "name": "Ivan",
                "email": "ivan@example.org",
                "phone": "+79990001122",
                "attributes": {"plan": "gold"},
                "identities": [{"channel_type": "telegram", "external_id": "777"}],
            },
        )
    events.unsubscribe(events.ContactCreated, seen.append)
    # then
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["name"] == "Ivan"
    assert body["email"] == "ivan@example.org"
    assert body["phone"] == "+79990001122"
    assert body["attributes"] == {"plan": "gold"}
    assert body["identities"] == [{"channel_type": "telegram", "external_id": "777"}]
    assert body["created_at"].endswith(("Z", "+00:00"))
    contact = Contact.objects.get(pk=body["id"])
    assert contact.identities.get().external_id == "777"
    assert seen == [events.ContactCreated(contact_id=contact.pk)]


def test_an_identity_of_another_contact_is_a_409(admin_api):
    factories.IdentityFactory(channel_type="telegram", external_id="777")
    response = admin_api.post(
        URL, {"name": "Dup", "identities": [{"channel_type": "telegram", "external_id": "777"}]}
    )
    assert response.status_code == 409
    assert "777" in response.json()["detail"]
    assert not Contact.objects.filter(name="Dup").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"attributes": ["a", "list"]}, "attributes"),
        ({"attributes": "gold"}, "attributes"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "1" * 40}, "phone"),
        ({"identities": [{"channel_type": "fax", "external_id": "1"}]}, "identities"),
        ({"identities": [{"channel_type": "api"}]}, "identities"),
        (
            {"identities": [{"channel_type": "api", "external_id": "1"}] * 2},
            "identities",
        ),
        ({"name": {"first": "Ivan"}}, "name"),
    ],
)
def test_bad_contact_input_is_a_400(admin_api, payload, field):
    response = admin_api.post(URL, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_patch_changes_the_fields_sent(admin_api, django_capture_on_commit_callbacks):
    contact = factories.ContactFactory(name="Old", phone="123", attributes={"a": 1})
    seen: list[events.Event] = []
    events.subscribe(events.ContactUpdated, seen.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(detail(contact), {"name": "New", "attributes": {"b": 2}})
    events.unsubscribe(events.ContactUpdated, seen.append)
    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.attributes) == ("New", "123", {"b": 2})
    assert seen == [events.ContactUpdated(contact_id=contact.pk, changed=("name", "attributes"))]


def test_search_matches_name_email_phone_and_identity(admin_api):
    # given
    by_name = factories.ContactFactory(name="Anna Karenina", email="a@x.org")
    by_email = factories.ContactFactory(name="B", email="vronsky@army.ru")
    by_phone = factories.ContactFactory(name="C", phone="+7 900 555")
    by_identity = factories.IdentityFactory(external_id="tg-levin").contact
    factories.ContactFactory(name="Nobody", email="n@x.org")

    # when / then
    def found(term: str) -> list[int]:
        return [c["id"] for c in admin_api.get(URL, {"search": term}).json()["results"]]

    assert found("karenina") == [by_name.pk]
    assert found("VRONSKY") == [by_email.pk]
    assert found("900 555") == [by_phone.pk]
    assert found("levin") == [by_identity.pk]
    assert admin_api.get(URL).json()["count"] == 5


def test_crm_manager_sees_creates_and_changes_every_contact():
    contact = factories.ContactFactory()
    client = api_as(crm_manager())
    assert client.get(detail(contact)).status_code == 200
    assert client.patch(detail(contact), {"name": "Changed"}).status_code == 200
    assert client.post(URL, {"name": "Fresh"}).status_code == 201


def test_operator_sees_only_contacts_of_their_groups_sessions():
    # given
    operator, visible = operator_with_contact()
    hidden = factories.SessionFactory().dialog.contact  # a session of another group
    lonely = factories.ContactFactory()  # no session at all
    client = api_as(operator.user)
    # when
    ids = [c["id"] for c in client.get(URL).json()["results"]]
    # then
    assert ids == [visible.pk]
    assert client.get(detail(visible)).status_code == 200
    assert client.get(detail(hidden)).status_code == 404
    assert client.get(detail(lonely)).status_code == 404
    assert client.patch(detail(hidden), {"name": "X"}).status_code == 404


def test_supervisor_sees_contacts_of_supervised_groups():
    session = factories.SessionFactory()
    boss = factories.OperatorFactory()
    session.group.supervisors.add(boss)
    assert api_as(boss.user).get(detail(session.dialog.contact)).status_code == 200


def test_operator_edits_a_contact_card_they_see():
    operator, contact = operator_with_contact()
    response = api_as(operator.user).patch(detail(contact), {"phone": "+100"})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.phone == "+100"


def test_operator_may_not_create_nor_merge_contacts():
    operator, contact = operator_with_contact()
    other = factories.SessionFactory(
        dialog__channel__default_group=contact.dialogs.get().channel.default_group
    ).dialog.contact
    client = api_as(operator.user)
    assert client.post(URL, {"name": "New"}).status_code == 403
    assert client.post(merge_url(contact), {"source": other.pk}).status_code == 403


def test_a_user_without_role_or_groups_sees_no_contacts():
    factories.ContactFactory()
    client = api_as(factories.UserFactory())
    assert client.get(URL).json()["count"] == 0


def test_contacts_need_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_merge_moves_identities_dialogs_and_leads_and_hides_the_source(
    admin_api, django_capture_on_commit_callbacks
):
    # given
    target = factories.ContactFactory(name="Ivan", phone="", attributes={"plan": "gold"})
    source = factories.ContactFactory(
        name="Vanya", phone="+7999", attributes={"plan": "free", "city": "Riga"}
    )
    identity = factories.IdentityFactory(contact=source, channel_type="telegram")
    dialog = factories.DialogFactory(identity=identity)
    lead = factories.LeadFactory(contact=source)
    seen: list[events.Event] = []
    events.subscribe(events.ContactsMerged, seen.append)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(merge_url(target), {"source": source.pk})
    events.unsubscribe(events.ContactsMerged, seen.append)
    # then
    assert response.status_code == 200, response.data
    body = response.json()
    assert body["name"] == "Ivan"
    assert body["phone"] == "+7999"
    assert body["attributes"] == {"plan": "gold", "city": "Riga"}
    assert {"channel_type": "telegram", "external_id": identity.external_id} in body["identities"]
    dialog.refresh_from_db()
    lead.refresh_from_db()
    assert dialog.contact_id == target.pk
    assert lead.contact_id == target.pk
    assert admin_api.get(detail(source)).status_code == 404
    assert source.pk not in [c["id"] for c in admin_api.get(URL).json()["results"]]
    assert admin_api.patch(detail(source), {"name": "Ghost"}).status_code == 404
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert seen == [events.ContactsMerged(contact_id=target.pk, merged_contact_id=source.pk)]


def test_merging_a_contact_into_itself_is_a_400(admin_api):
    contact = factories.ContactFactory()
    response = admin_api.post(merge_url(contact), {"source": contact.pk})
    assert response.status_code == 400
    assert "source" in response.json()


@pytest.mark.parametrize("source", [0, -3, "abc", None, 10**30, 987654321])
def test_merging_an_unknown_source_is_a_400(admin_api, source):
    contact = factories.ContactFactory()
    response = admin_api.post(merge_url(contact), {"source": source})
    assert response.status_code == 400
    assert "source" in response.json()


def test_merging_an_already_merged_contact_is_a_400(admin_api):
    target, source = factories.ContactFactory(), factories.ContactFactory()
    admin_api.post(merge_url(target), {"source": source.pk})
    third = factories.ContactFactory()
    response = admin_api.post(merge_url(third), {"source": source.pk})
    assert response.status_code == 400
    assert not ContactIdentity.objects.filter(contact=third).exists()


def test_merging_into_a_merged_contact_is_a_404(admin_api):
    target, source = factories.ContactFactory(), factories.ContactFactory()
    admin_api.post(merge_url(target), {"source": source.pk})
    response = admin_api.post(merge_url(source), {"source": factories.ContactFactory().pk})
    assert response.status_code == 404


def test_crm_manager_merges():
    target, source = factories.ContactFactory(), factories.ContactFactory()
    response = api_as(crm_manager()).post(merge_url(target), {"source": source.pk})
    assert response.status_code == 200


def test_nul_characters_in_attributes_are_refused(admin_api):
    response = admin_api.post(URL, {"name": "N", "attributes": {"x": "a\u0000b"}})
    assert response.status_code == 400
    assert "attributes" in response.json()
