"""crm.services: contact writes and merge, at the service level."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contactcenter.api_common import StateConflict
from crm import selectors, services
from crm.models import Contact, Task
from tests import factories

pytestmark = pytest.mark.django_db


def test_merge_moves_tasks_and_earlier_merges_to_the_target():
    # given
    target, source = factories.ContactFactory(), factories.ContactFactory()
    older = factories.ContactFactory()
    services.contact_merge(target=source, source=older)
    task = Task.objects.create(title="Call back", contact=source)
    # when
    services.contact_merge(target=target, source=source)
    # then
    task.refresh_from_db()
    older.refresh_from_db()
    assert task.contact_id == target.pk
    assert older.merged_into_id == target.pk


def test_merge_fills_only_empty_fields_and_target_attributes_win():
    target = factories.ContactFactory(name="", email="t@x.org", phone="", attributes={"a": 1})
    source = factories.ContactFactory(
        name="Src", email="s@x.org", phone="+1", attributes={"a": 2, "b": 3}
    )
    merged = services.contact_merge(target=target, source=source)
    assert (merged.name, merged.email, merged.phone) == ("Src", "t@x.org", "+1")
    assert merged.attributes == {"a": 1, "b": 3}


def test_merge_reads_the_locked_rows_not_the_stale_objects():
    # given: a stale copy of a source that another request already merged
    target, source, other = (factories.ContactFactory() for _ in range(3))
    stale = Contact.objects.get(pk=source.pk)
    services.contact_merge(target=other, source=source)
    # when / then
    with pytest.raises(ValidationError):
        services.contact_merge(target=target, source=stale)
    assert Contact.objects.get(pk=source.pk).merged_into_id == other.pk


def test_a_merged_contact_cannot_be_updated():
    target, source = factories.ContactFactory(), factories.ContactFactory()
    services.contact_merge(target=target, source=source)
    with pytest.raises(StateConflict):
        services.contact_update(contact=source, data={"name": "Ghost"})


def test_update_without_changes_saves_nothing(django_capture_on_commit_callbacks):
    contact = factories.ContactFactory(name="Same")
    with django_capture_on_commit_callbacks() as callbacks:
        services.contact_update(contact=contact, data={"name": "Same"})
    assert callbacks == []


def test_search_ignores_nul_characters():
    contact = factories.ContactFactory(name="Anna")
    admin = factories.AdminUserFactory()
    assert list(selectors.contact_list(user=admin, search="An\x00na")) == [contact]


def test_an_anonymous_user_sees_no_contacts():
    from django.contrib.auth.models import AnonymousUser

    factories.ContactFactory()
    assert not selectors.contact_list(user=AnonymousUser()).exists()


def test_values_set_on_several_contacts_at_once_are_kept_and_announced(
    django_capture_on_commit_callbacks,
):
    from contactcenter import events

    ann, bob = (
        factories.ContactFactory(name="", attributes={"plan": "gold"}),
        factories.ContactFactory(),
    )
    seen: list[events.ContactUpdated] = []
    events.subscribe(events.ContactUpdated, seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refused = services.contacts_values_set(
                [
                    (ann.pk, "name", "Ann"),
                    (ann.pk, "attributes.city", "Riga"),
                    (bob.pk, "phone", "+37120000000"),
                ]
            )
    finally:
        events.unsubscribe(events.ContactUpdated, seen.append)

    assert refused == {}
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.name, ann.attributes) == ("Ann", {"plan": "gold", "city": "Riga"})
    assert bob.phone == "+37120000000"
    assert sorted(e.contact_id for e in seen) == sorted([ann.pk, bob.pk])


def test_a_contact_that_refuses_a_value_keeps_none_of_them_and_the_others_are_kept():
    ann = factories.ContactFactory(name="Ann", email="ann@example.org")
    bob = factories.ContactFactory(name="Bob")

    refused = services.contacts_values_set(
        [(ann.pk, "name", "Anna"), (ann.pk, "email", "not an e-mail"), (bob.pk, "name", "Robert")]
    )

    assert sorted(refused) == [0, 1]
    assert isinstance(refused[1], ValidationError)
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.name, ann.email, bob.name) == ("Ann", "ann@example.org", "Robert")


def test_a_value_for_a_merged_contact_goes_to_its_survivor():
    survivor, merged = factories.ContactFactory(), factories.ContactFactory()
    services.contact_merge(target=survivor, source=merged)

    assert services.contacts_values_set([(merged.pk, "attributes.city", "Oslo")]) == {}

    survivor.refresh_from_db()
    assert survivor.attributes.get("city") == "Oslo"
