"""Reads of the crm app: the contacts a user may see.

Admins and CRM managers see every live contact (not merged into another). Anyone else
sees the contacts that appear in sessions of the groups they are a member or supervisor
of. The lookups cross into ``inbox`` and ``routing`` by string, without importing them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from contactcenter import roles
from crm.models import Contact


def contact_list(*, user: Any, search: str = "") -> QuerySet[Contact]:
    contacts = Contact.objects.live()
    if not roles.is_crm_manager(user):
        if not getattr(user, "is_authenticated", False):
            return Contact.objects.none()
        in_their_sessions = Contact.objects.filter(
            Q(dialogs__sessions__group__memberships__operator__user=user)
            | Q(dialogs__sessions__group__supervisors__user=user)
        ).values("pk")
        contacts = contacts.filter(pk__in=in_their_sessions)
    search = search.replace("\x00", "").strip()
    if search:
        matching = Contact.objects.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
            | Q(identities__external_id__icontains=search)
        ).values("pk")
        contacts = contacts.filter(pk__in=matching)
    return contacts.prefetch_related("identities")


def contact_get(*, user: Any, contact_id: int) -> Contact | None:
    """The contact if ``user`` may see it (merged contacts are never found)."""
    return contact_list(user=user).filter(pk=contact_id).first()
