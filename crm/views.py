"""The CRM pages: the lead list with filters, the board by stage and "my tasks".

The pages render what the selectors let the user see; changes (a card dragged to another
stage, a task ticked done) go through the REST API from ``crm/static/crm/crm.js``, so
the rules live in one place, the services behind the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import selectors
from crm.models import LeadStatus, Pipeline, Stage

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
        self.fields["owner"].choices = [
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
        filters["owner"] = request.user.pk
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
