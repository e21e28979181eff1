"""The CRM pages: the lead list with filters, the board by stage and "my tasks".

The pages render what the selectors let the user see; changes (a card dragged to another
stage, a task ticked done) go through the REST API from ``crm/static/crm/crm.js``, so
the rules live in one place, the services behind the API."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter import roles
from crm import selectors, services
from crm.models import Lead, LeadStatus, Pipeline, Stage

API_BASE = "/api/v1/"
LEADS_PER_PAGE = 50
CARDS_PER_STAGE = 100
DONE_TASKS_SHOWN = 20

ORDERINGS = [
    ("-id", _("Newest first")),
    ("id", _("Oldest first")),
    ("-updated_at", _("Recently changed")),
    ("title", _("Title")),
    ("status", _("Status")),
    ("stage", _("Stage")),
]


class LeadFilterForm(forms.Form):
    search = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *LeadStatus.choices]
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        required=False,
        queryset=Pipeline.objects.all(),
        empty_label=_("Any pipeline"),
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        required=False,
        queryset=Stage.objects.select_related("pipeline"),
        empty_label=_("Any stage"),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    ordering = forms.ChoiceField(label=_("Order"), required=False, choices=ORDERINGS)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            *(
                (str(u.pk), u.get_full_name() or u.get_username())
                for u in selectors.lead_owner_choices(user=user)
            ),
        ]

    def filters(self) -> selectors.LeadFilters:
        """The filters of the fields that are valid (a bad one is shown and ignored)."""
        self.is_valid()
        data = self.cleaned_data
        filters: selectors.LeadFilters = {}
        if data.get("search"):
            filters["search"] = data["search"]
        if data.get("status"):
            filters["status"] = data["status"]
        if data.get("pipeline"):
            filters["pipeline"] = data["pipeline"].pk
        if data.get("stage"):
            filters["stage"] = data["stage"].pk
        if data.get("owner"):
            filters["owner"] = self.user.pk if data["owner"] == "me" else int(data["owner"])
        if data.get("ordering"):
            filters["ordering"] = data["ordering"]
        return filters


def _page_context(request: HttpRequest) -> dict[str, Any]:
    return {"crm_bootstrap": {"api_base": API_BASE}}


@login_required
def leads_page(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET, user=request.user)
    leads = selectors.lead_list(user=request.user, filters=form.filters())
    page = Paginator(leads, LEADS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/leads.html",
        {**_page_context(request), "form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    pipelines = list(selectors.pipeline_list())
    wanted = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == wanted), None)
    pipeline = pipeline or selectors.pipeline_default()
    search = request.GET.get("search", "")[:200]
    mine = request.GET.get("mine") == "1"
    filters: selectors.LeadFilters = {"search": search}
    if mine:
        filters["owner"] = cast(int, request.user.pk)
    columns = (
        selectors.lead_board(
            user=request.user, pipeline=pipeline, filters=filters, per_stage=CARDS_PER_STAGE
        )
        if pipeline is not None
        else []
    )
    return render(
        request,
        "crm/board.html",
        {
            **_page_context(request),
            "pipelines": pipelines,
            "pipeline": pipeline,
            "columns": columns,
            "search": search,
            "mine": mine,
            "statuses": LeadStatus,
        },
    )


@login_required
def tasks_page(request: HttpRequest) -> HttpResponse:
    """The caller's own tasks: open ones by due date, overdue ones marked, then the
    latest done ones."""
    now = timezone.now()
    mine = selectors.task_list(user=request.user, filters={"mine": True})
    open_tasks = [
        {"task": task, "overdue": selectors.task_is_overdue(task, now=now)}
        for task in mine.filter(done_at__isnull=True)
    ]
    done_tasks = [
        {"task": task, "overdue": False}
        for task in mine.filter(done_at__isnull=False)[:DONE_TASKS_SHOWN]
    ]
    return render(
        request,
        "crm/tasks.html",
        {
            **_page_context(request),
            "open_tasks": open_tasks,
            "done_tasks": done_tasks,
            "overdue_count": sum(1 for row in open_tasks if row["overdue"]),
        },
    )


# --- one lead ---------------------------------------------------------------------------


class StageChoiceField(forms.ModelChoiceField):
    """A stage of the lead's pipeline, shown by its name alone."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class LeadChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=LeadStatus.choices)
    stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)

    def __init__(self, *args: Any, lead: Lead, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stages = lead.pipeline.stages.order_by("position", "id")
        cast(StageChoiceField, self.fields["stage"]).queryset = stages
        if not stages.exists():
            del self.fields["stage"]
        options = selectors.lead_owner_options(user=user)
        if lead.owner is not None and all(o["id"] != lead.owner_id for o in options):
            owner = lead.owner
            options.append({"id": owner.pk, "name": owner.get_full_name() or owner.get_username()})
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            (o["id"], o["name"]) for o in options
        ]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    assignee = forms.TypedChoiceField(label=_("For"), coerce=int)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            (o["id"], o["name"]) for o in selectors.lead_owner_options(user=user)
        ]


def _lead_context(request: HttpRequest, lead: Lead, **forms_: Any) -> dict[str, Any]:
    user: Any = request.user
    may_add_tasks = roles.is_crm_manager(user)
    now = timezone.now()
    tasks = selectors.task_list(user=user, filters={"lead": lead.pk})
    initial = {"status": lead.status, "stage": lead.stage_id, "owner": lead.owner_id or user.pk}
    return {
        **_page_context(request),
        "lead": lead,
        "status_choices": LeadStatus,
        "change_form": forms_.get("change_form")
        or LeadChangeForm(initial=initial, lead=lead, user=user),
        "note_form": forms_.get("note_form") or NoteForm(),
        "task_form": (forms_.get("task_form") or TaskForm(initial={"assignee": user.pk}, user=user))
        if may_add_tasks
        else None,
        "notes": selectors.lead_notes(lead=lead),
        "tasks": [{"task": t, "overdue": selectors.task_is_overdue(t, now=now)} for t in tasks],
        "conversations": selectors.lead_conversations(user=user, lead=lead),
        "contact_admin_url": reverse("admin:crm_contact_change", args=[lead.contact_id])
        if user.is_staff
        else None,
    }


@login_required
def lead_page(request: HttpRequest, lead_id: int) -> HttpResponse:
    """One lead: its facts and a form to move it on, its customer and their
    conversations, notes and tasks. POSTs go through the crm services and come back
    here; a form with errors is shown again with them (400)."""
    lead = selectors.lead_get(user=request.user, lead_id=lead_id)
    if lead is None:
        raise Http404
    if request.method != "POST":
        return render(request, "crm/lead.html", _lead_context(request, lead))
    action = request.POST.get("action")
    if action == "note":
        note_form = NoteForm(request.POST)
        if note_form.is_valid():
            services.lead_note_add(
                lead=lead, author=request.user, text=note_form.cleaned_data["text"]
            )
            return redirect(f"{request.path}#notes")
        context = _lead_context(request, lead, note_form=note_form)
    elif action == "task" and roles.is_crm_manager(request.user):
        task_form = TaskForm(request.POST, user=request.user)
        if task_form.is_valid():
            data = task_form.cleaned_data
            services.task_create(
                title=data["title"],
                due_at=data["due_at"],
                assignee=User.objects.get(pk=data["assignee"]),
                lead=lead,
            )
            return redirect(f"{request.path}#tasks")
        context = _lead_context(request, lead, task_form=task_form)
    elif action == "change":
        change_form = LeadChangeForm(request.POST, lead=lead, user=request.user)
        if change_form.is_valid():
            data = dict(change_form.cleaned_data)
            data["owner"] = User.objects.get(pk=data["owner"])
            if data["owner"] != request.user and not roles.is_crm_manager(request.user):
                data.pop("owner")  # only CRM managers hand a lead to someone else
            try:
                services.lead_update(lead=lead, data=data)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    change_form.add_error(field if field in change_form.fields else None, messages)
            else:
                return redirect(request.path)
        context = _lead_context(request, lead, change_form=change_form)
    else:
        return HttpResponseBadRequest(_("Unknown action."))
    return render(request, "crm/lead.html", context, status=400)
