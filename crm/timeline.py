"""Reads for a contact's identity: its timeline across every channel and its open
merge suggestions. Sessions are reached through the contact's dialogs (``inbox``, by
their reverse relations and string lookups: crm imports nothing above it)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from contactcenter import roles
from crm.models import Contact, Lead, MergeSuggestion


def _session_model() -> Any:
    return Lead._meta.get_field("session").related_model


def contact_timeline(*, user: Any, contact: Contact) -> QuerySet[Any]:
    """The contact's sessions in every dialog and channel, newest first, with channel,
    group and operator, and the text of the session's first customer message
    (``first_message_text``). Admins and CRM managers see all of them; anyone else the
    sessions of the groups they belong to or supervise and their own."""
    session_model = _session_model()
    message_model = session_model._meta.get_field("messages").related_model
    first = message_model._default_manager.filter(
        session=OuterRef("pk"), sender_type="contact", internal=False
    ).order_by("id")
    sessions = session_model._default_manager.filter(dialog__contact=contact)
    if not roles.is_crm_manager(user):
        visible = session_model._default_manager.filter(
            Q(group__memberships__operator__user=user)
            | Q(group__supervisors__user=user)
            | Q(operator__user=user)
        ).values("pk")
        sessions = sessions.filter(pk__in=visible)
    return (
        sessions.select_related("dialog__channel", "group", "operator__user", "topic")
        .annotate(first_message_text=Subquery(first.values("text")[:1]))
        .order_by("-created_at", "-id")
    )


def merge_suggestions_open(*, contact: Contact) -> QuerySet[MergeSuggestion]:
    """Unresolved suggestions naming the contact on either side, newest first."""
    return (
        MergeSuggestion.objects.filter(Q(contact=contact) | Q(candidate=contact), resolved=False)
        .filter(contact__merged_into__isnull=True, candidate__merged_into__isnull=True)
        .select_related("contact", "candidate")
        .order_by("-id")
    )
