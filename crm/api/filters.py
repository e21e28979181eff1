"""The crm API's query filters: FilterSets that parse and check ``?name=value`` (a bad
value is a 400 naming it), the selectors filter. Their parameters as the OpenAPI schema
documents them sit next to each FilterSet."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter

from contactcenter.api_filters import (
    FlagFilter,
    IdFilter,
    IdOrMeFilter,
    OneOfFilter,
    SelectorFilterSet,
    TextFilter,
)
from crm import selectors
from crm.models import Contact, Lead, LeadStatus, Task

LEAD_ORDERING_CHOICES = [p + key for key in selectors.LEAD_ORDERINGS for p in ("", "-")]


class ContactFilterSet(SelectorFilterSet):
    search = TextFilter()

    class Meta:
        model = Contact
        fields: list[str] = []

    def apply(self, queryset: QuerySet[Any], values: dict[str, Any]) -> QuerySet[Any]:
        return selectors.contacts_search(contacts=queryset, search=values.get("search", ""))


CONTACT_PARAMETERS = [
    OpenApiParameter(
        "search",
        str,
        description="Part of the name, e-mail, phone or an identity's external id.",
    )
]


class LeadFilterSet(SelectorFilterSet):
    status = OneOfFilter(
        allowed=LeadStatus.values, message=f"One of: {', '.join(LeadStatus.values)}."
    )
    pipeline = IdFilter()
    stage = IdFilter()
    owner = IdOrMeFilter()
    contact = IdFilter()
    session = IdFilter()
    search = TextFilter()
    ordering = OneOfFilter(
        allowed=LEAD_ORDERING_CHOICES,
        message=f'One of: {", ".join(selectors.LEAD_ORDERINGS)} ("-" first: descending).',
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def apply(self, queryset: QuerySet[Any], values: dict[str, Any]) -> QuerySet[Any]:
        if values.get("owner") == "me":
            values["owner"] = self.request.user.pk
        return selectors.leads_filter(leads=queryset, filters=cast(selectors.LeadFilters, values))


LEAD_PARAMETERS = [
    OpenApiParameter("status", str, enum=LeadStatus.values, description="Only this status."),
    OpenApiParameter("pipeline", int, description="Only leads of this pipeline."),
    OpenApiParameter("stage", int, description="Only leads on this stage."),
    OpenApiParameter("owner", str, description='A user id, or "me" for the caller.'),
    OpenApiParameter("contact", int, description="Only leads of this contact."),
    OpenApiParameter("session", int, description="Only leads from this session."),
    OpenApiParameter("search", str, description="Part of the title, the contact's name or e-mail."),
    OpenApiParameter(
        "ordering",
        str,
        enum=LEAD_ORDERING_CHOICES,
        description='Sort key, "-" for descending; default "-id" (newest first).',
    ),
]


class TaskFilterSet(SelectorFilterSet):
    mine = FlagFilter()
    done = FlagFilter()
    overdue = FlagFilter()
    assignee = IdFilter()
    lead = IdFilter()
    contact = IdFilter()

    class Meta:
        model = Task
        fields: list[str] = []

    def apply(self, queryset: QuerySet[Any], values: dict[str, Any]) -> QuerySet[Any]:
        return selectors.tasks_filter(
            tasks=queryset, user=self.request.user, filters=cast(selectors.TaskFilters, values)
        )


TASK_PARAMETERS = [
    OpenApiParameter("mine", bool, description="1: only the caller's tasks."),
    OpenApiParameter("done", bool, description="1: only done; 0: only open."),
    OpenApiParameter("overdue", bool, description="1: only open tasks past due."),
    OpenApiParameter("assignee", int, description="Only tasks of this user."),
    OpenApiParameter("lead", int, description="Only tasks about this lead."),
    OpenApiParameter("contact", int, description="Only tasks about this contact."),
]
