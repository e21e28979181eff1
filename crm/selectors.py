"""Reads of the crm app: the contacts, leads, pipelines and tasks a user may see.

Admins and CRM managers see every live contact (not merged into another), every lead
and every task. Anyone else sees the contacts that appear in sessions of the groups they
are a member or supervisor of, the leads of those contacts and the leads they own, and
the tasks assigned to them. The lookups cross into ``inbox`` and ``routing`` by string,
without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from contactcenter import roles
from crm.models import Contact, Lead, LeadNote, Pipeline, Stage, Task


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
    return contacts_search(contacts=contacts, search=search).prefetch_related("identities")


def contacts_search(*, contacts: QuerySet[Contact], search: str) -> QuerySet[Contact]:
    """The contacts whose name, e-mail, phone or an identity's external id contains
    ``search`` (all of them for an empty search)."""
    search = search.replace("\x00", "").strip()
    if search:
        matching = Contact.objects.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
            | Q(identities__external_id__icontains=search)
        ).values("pk")
        contacts = contacts.filter(pk__in=matching)
    return contacts


def contact_get(*, user: Any, contact_id: int) -> Contact | None:
    """The contact if ``user`` may see it (merged contacts are never found)."""
    return contact_list(user=user).filter(pk=contact_id).first()


# --- pipelines --------------------------------------------------------------------------


def pipeline_list() -> QuerySet[Pipeline]:
    """Every pipeline with its stages in order (pipelines are configuration: anyone
    signed in may read them)."""
    return Pipeline.objects.prefetch_related("stages")


def pipeline_default() -> Pipeline | None:
    """The pipeline marked default, else the first by name, else none."""
    return Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()


# --- leads ------------------------------------------------------------------------------


class LeadFilters(TypedDict, total=False):
    status: str
    pipeline: int
    stage: int
    owner: int
    contact: int
    session: int
    search: str
    ordering: str


# ``?ordering=`` values (each also with a leading "-") and the columns they sort by.
LEAD_ORDERINGS = {
    "id": ("id",),
    "created_at": ("created_at", "id"),
    "updated_at": ("updated_at", "id"),
    "title": ("title", "id"),
    "status": ("status", "id"),
    "stage": ("stage__position", "stage_id", "id"),
}


def lead_list(*, user: Any, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    """The leads ``user`` may see, filtered, searched (title, contact name or e-mail) and
    ordered (``LEAD_ORDERINGS``; newest first by default)."""
    leads = Lead.objects.select_related("contact", "pipeline", "stage", "owner")
    if not roles.is_crm_manager(user):
        if not getattr(user, "is_authenticated", False):
            return Lead.objects.none()
        visible_contacts = contact_list(user=user).values("pk")
        leads = leads.filter(Q(owner=user) | Q(contact__in=visible_contacts))
    return leads_filter(leads=leads, filters=filters or {})


def leads_filter(*, leads: QuerySet[Lead], filters: LeadFilters) -> QuerySet[Lead]:
    """``leads`` filtered, searched (title, contact name or e-mail) and ordered."""
    for field in ("status", "pipeline", "stage", "owner", "contact", "session"):
        if field in filters:
            leads = leads.filter(**{field: filters[field]})
    search = filters.get("search", "").replace("\x00", "").strip()
    if search:
        leads = leads.filter(
            Q(title__icontains=search)
            | Q(contact__name__icontains=search)
            | Q(contact__email__icontains=search)
        )
    ordering = filters.get("ordering") or "-id"
    descending = ordering.startswith("-")
    columns = LEAD_ORDERINGS[ordering.lstrip("-")]
    return leads.order_by(*(f"-{c}" if descending else c for c in columns))


def lead_get(*, user: Any, lead_id: int) -> Lead | None:
    return lead_list(user=user).filter(pk=lead_id).first()


@dataclass(frozen=True)
class BoardColumn:
    stage: Stage
    leads: list[Lead]
    count: int


def lead_board(
    *, user: Any, pipeline: Pipeline, filters: LeadFilters | None = None, per_stage: int = 100
) -> list[BoardColumn]:
    """The pipeline's stages in order, each with its newest ``per_stage`` leads that
    ``user`` may see (and how many there are in all)."""
    scoped: LeadFilters = {**(filters or {}), "pipeline": pipeline.pk}
    scoped.pop("stage", None)
    leads = lead_list(user=user, filters=scoped)
    counts = dict(leads.order_by().values_list("stage").annotate(n=Count("id")))
    columns = []
    for stage in pipeline.stages.order_by("position", "id"):
        columns.append(
            BoardColumn(
                stage=stage,
                leads=list(leads.filter(stage=stage).order_by("-updated_at", "-id")[:per_stage]),
                count=counts.get(stage.pk, 0),
            )
        )
    return columns


def lead_owner_choices(*, user: Any) -> QuerySet[Any]:
    """People to filter leads by: those who own a lead, the CRM managers and the caller."""
    users = User.objects.filter(is_active=True)
    return (
        users.filter(
            Q(owned_leads__isnull=False) | Q(groups__name=roles.CRM_MANAGERS) | Q(pk=user.pk)
        )
        .distinct()
        .order_by("username")
    )


def lead_owner_options(*, user: Any) -> list[dict[str, Any]]:
    """Whom ``user`` may make a new lead's owner, themselves first: CRM managers anyone
    of ``lead_owner_choices``, anyone else only themselves (the API refuses others)."""
    me = {"id": user.pk, "name": user.get_full_name() or user.get_username(), "me": True}
    if not roles.is_crm_manager(user):
        return [me]
    others = [
        {"id": u.pk, "name": u.get_full_name() or u.get_username(), "me": False}
        for u in lead_owner_choices(user=user).exclude(pk=user.pk)
    ]
    return [me, *others]


def lead_notes(*, lead: Lead) -> QuerySet[LeadNote]:
    return lead.notes.select_related("author").order_by("-created_at", "-id")


def lead_conversations(*, user: Any, lead: Lead, limit: int = 20) -> list[dict[str, Any]]:
    """The latest sessions of the lead's contact, each with ``openable``: whether the
    inbox opens it for ``user`` (an operator record, and the session in their groups or
    theirs; admins with a record: every session). Sessions reach the inbox's and
    routing's tables by string, as ``contact_list`` does."""
    session_model = Lead._meta.get_field("session").related_model
    sessions = (
        session_model._default_manager.filter(dialog__contact=lead.contact_id)
        .select_related("dialog__channel", "group")
        .order_by("-created_at", "-id")[:limit]
    )
    has_record = bool(
        getattr(user, "is_authenticated", False)
        and User.objects.filter(pk=user.pk, operator__isnull=False).exists()
    )
    visible: set[int] = set()
    if has_record:
        ids = [s.pk for s in sessions]
        scope = session_model._default_manager.filter(pk__in=ids)
        if not roles.is_admin(user):
            scope = scope.filter(
                Q(group__memberships__operator__user=user)
                | Q(group__supervisors__user=user)
                | Q(operator__user=user)
            )
        visible = set(scope.values_list("pk", flat=True))
    return [
        {
            "session": session,
            "openable": session.pk in visible,
            "is_lead_session": session.pk == lead.session_id,
        }
        for session in sessions
    ]


def session_of_contact(*, session_id: int, contact: Contact) -> Any | None:
    """An ``inbox.Session`` of one of the contact's dialogs, or ``None``."""
    session_model = Lead._meta.get_field("session").related_model
    return (
        session_model._default_manager.select_related("dialog")
        .filter(pk=session_id, dialog__contact=contact)
        .first()
    )


# --- tasks ------------------------------------------------------------------------------


class TaskFilters(TypedDict, total=False):
    mine: bool
    done: bool
    overdue: bool
    assignee: int
    lead: int
    contact: int


def task_list(*, user: Any, filters: TaskFilters | None = None) -> QuerySet[Task]:
    """The tasks ``user`` may see (CRM managers: all; anyone else: theirs), open ones
    first by due date (no date last), then the done ones, latest first."""
    tasks = Task.objects.select_related("assignee", "lead", "contact")
    if not roles.is_crm_manager(user):
        if not getattr(user, "is_authenticated", False):
            return Task.objects.none()
        tasks = tasks.filter(assignee=user)
    return tasks_filter(tasks=tasks, user=user, filters=filters or {})


def tasks_filter(*, tasks: QuerySet[Task], user: Any, filters: TaskFilters) -> QuerySet[Task]:
    """``tasks`` filtered (``mine``: assigned to ``user``), open ones first by due date
    (no date last), then the done ones, latest first."""
    if filters.get("mine"):
        tasks = tasks.filter(assignee=user)
    if "done" in filters:
        tasks = tasks.filter(done_at__isnull=not filters["done"])
    if filters.get("overdue"):
        tasks = tasks.filter(done_at__isnull=True, due_at__lt=timezone.now())
    for field in ("assignee", "lead", "contact"):
        if field in filters:
            tasks = tasks.filter(**{field: filters[field]})
    return tasks.order_by(
        F("done_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "id"
    )


def task_get(*, user: Any, task_id: int) -> Task | None:
    return task_list(user=user).filter(pk=task_id).first()


def task_is_overdue(task: Task, *, now: datetime | None = None) -> bool:
    return (
        task.done_at is None and task.due_at is not None and task.due_at < (now or timezone.now())
    )
