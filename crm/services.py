"""Writes of the crm app: contacts, their identities, and contact merge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.api_common import StateConflict
from crm.models import Contact, ContactIdentity


class IdentitySpec(TypedDict):
    channel_type: str
    external_id: str


CONTACT_FIELDS = ("name", "email", "phone", "attributes")


@transaction.atomic
def contact_create(
    *,
    name: str = "",
    email: str = "",
    phone: str = "",
    attributes: dict[str, Any] | None = None,
    identities: Sequence[IdentitySpec] = (),
) -> Contact:
    """Creates a contact with its identities; an identity that already belongs to a
    contact is a conflict (``StateConflict``)."""
    contact = Contact(name=name, email=email, phone=phone, attributes=attributes or {})
    contact.full_clean()
    contact.save()
    for spec in identities:
        _identity_add(contact=contact, spec=spec)
    events.emit(events.ContactCreated(contact_id=contact.pk))
    return contact


def _identity_add(*, contact: Contact, spec: IdentitySpec) -> ContactIdentity:
    identity = ContactIdentity(contact=contact, **spec)
    identity.full_clean(exclude=["contact"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            identity.save()
    except IntegrityError:
        raise StateConflict(
            _("The identity %(type)s %(id)s already belongs to another contact.")
            % {"type": spec["channel_type"], "id": spec["external_id"]}
        ) from None
    return identity


@transaction.atomic
def contact_update(*, contact: Contact, data: dict[str, Any]) -> Contact:
    """Changes the fields present in ``data`` (``name``, ``email``, ``phone``,
    ``attributes``, the last replaced as a whole)."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.merged_into_id is not None:
        raise StateConflict(_("This contact was merged into another."))
    changed = tuple(f for f in CONTACT_FIELDS if f in data and getattr(contact, f) != data[f])
    for field in changed:
        setattr(contact, field, data[field])
    contact.full_clean()
    if changed:
        contact.save()
        events.emit(events.ContactUpdated(contact_id=contact.pk, changed=changed))
    return contact


@transaction.atomic
def contact_merge(*, target: Contact, source: Contact) -> Contact:
    """Folds ``source`` into ``target``: its identities, dialogs, leads and tasks move to
    the target; attributes are merged with the target's values winning; the target's
    empty name, e-mail and phone are filled from the source. The source is then marked
    ``merged_into`` the target and hidden everywhere.

    Both rows are locked in id order, so two merges of the same pair cannot deadlock nor
    fold contacts into each other."""
    if target.pk == source.pk:
        raise ValidationError({"source": [_("A contact cannot be merged into itself.")]})
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update()
        .filter(pk__in=[target.pk, source.pk])
        .order_by("pk")
    }
    target, source = locked[target.pk], locked[source.pk]
    if target.merged_into_id is not None:
        raise ValidationError({"non_field_errors": [_("This contact was merged into another.")]})
    if source.merged_into_id is not None:
        raise ValidationError({"source": [_("That contact was already merged into another.")]})

    source.identities.update(contact=target)
    source.dialogs.update(contact=target)  # inbox.Dialog, by its reverse relation
    source.leads.update(contact=target)
    source.tasks.update(contact=target)
    source.merged_contacts.update(merged_into=target)

    target.attributes = {**(source.attributes or {}), **(target.attributes or {})}
    for field in ("name", "email", "phone"):
        if not getattr(target, field):
            setattr(target, field, getattr(source, field))
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    events.emit(events.ContactsMerged(contact_id=target.pk, merged_contact_id=source.pk))
    return target
