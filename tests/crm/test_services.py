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
