"""The reports page: the summary's figures (``selectors.summary``, the same numbers as
``GET /api/v1/reports/summary/``) for a period and a group, for admins and supervisors."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports import selectors

MAX_DAYS = 366

PERIODS = [
    ("today", _("Today")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("custom", _("Custom dates")),
]


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Group"), required=False, queryset=None, empty_label=_("All groups")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = cast("forms.ModelChoiceField[Any]", self.fields["group"])
        group.queryset = selectors.report_groups(user=user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") != "custom":
            return data
        since, until = data.get("since"), data.get("until")
        if since is None and "since" not in self.errors:
            self.add_error("since", gettext("Choose the first day."))
        if until is None and "until" not in self.errors:
            self.add_error("until", gettext("Choose the last day."))
        if since and until:
            if since > until:
                self.add_error("until", gettext("The last day cannot be before the first."))
            elif (until - since).days >= MAX_DAYS:
                self.add_error("until", gettext("A period may span a year at most."))
        return data

    def period_range(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """``[since, until)`` of a valid form, in the current time zone: today from
        midnight; the last 7 or 30 days including today; custom dates whole days."""
        data = self.cleaned_data
        today = timezone.localtime(now).date()
        period = data.get("period") or "7d"
        if period == "custom":
            return _midnight(data["since"]), _midnight(data["until"] + dt.timedelta(days=1))
        days = {"today": 1, "7d": 7, "30d": 30}[period]
        return _midnight(today - dt.timedelta(days=days - 1)), now


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def duration(seconds: float | None) -> str:
    """42 s, 3 min 05 s, 1 h 20 min; a dash when there is nothing to measure."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return gettext("%(s)d s") % {"s": total}
    if total < 3600:
        return gettext("%(m)d min %(s)02d s") % {"m": total // 60, "s": total % 60}
    return gettext("%(h)d h %(m)02d min") % {"h": total // 3600, "m": total % 3600 // 60}


def _figures(summary: dict[str, Any]) -> list[dict[str, Any]]:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:g} %"

    csat = "—" if summary["csat_avg"] is None else f"{summary['csat_avg']:g} / 5"
    return [
        {"key": "sessions", "label": _("Chats"), "value": summary["sessions"],
         "help": _("Chats started in the period.")},
        {"key": "answered", "label": _("Answered"), "value": summary["answered"],
         "help": _("Chats in which an operator replied.")},
        {"key": "abandoned", "label": _("Abandoned"), "value": summary["abandoned"],
         "help": _("The customer left before any operator replied.")},
        {"key": "avg_queue_wait_s", "label": _("Average wait in the queue"),
         "value": duration(summary["avg_queue_wait_s"]),
         "help": _("From entering the queue to an operator taking the chat.")},
        {"key": "avg_first_response_s", "label": _("Average first response"),
         "value": duration(summary["avg_first_response_s"]),
         "help": _("From the customer's first message to the operator's first reply.")},
        {"key": "median_first_response_s", "label": _("Median first response"),
         "value": duration(summary["median_first_response_s"]),
         "help": _("Half of the chats got their first reply faster than this.")},
        {"key": "p90_first_response_s", "label": _("First response, 90th percentile"),
         "value": duration(summary["p90_first_response_s"]),
         "help": _("Nine chats in ten got their first reply faster than this.")},
        {"key": "avg_handle_s", "label": _("Average handling time"),
         "value": duration(summary["avg_handle_s"]),
         "help": _("From an operator taking the chat to its close.")},
        {"key": "sla_pct", "label": _("Answered within target"), "value": pct(summary["sla_pct"]),
         "help": _("Share of answered chats whose first reply came within the group's target.")},
        {"key": "csat_avg", "label": _("Customer rating"), "value": csat,
         "help": _("Average of the ratings customers gave.")},
        {"key": "csat_count", "label": _("Ratings"), "value": summary["csat_count"],
         "help": _("How many chats were rated.")},
    ]  # fmt: skip


@login_required
def summary_page(request: HttpRequest) -> HttpResponse:
    if not selectors.reports_page_allowed(user=request.user):
        return render(request, "reports/summary.html", {"forbidden": True}, status=403)
    form = ReportFilterForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/summary.html", context, status=400)
    if not form.is_bound:
        form = ReportFilterForm({"period": "7d"}, user=request.user)
        form.is_valid()
        context["form"] = form
    since, until = form.period_range(timezone.now())
    group = form.cleaned_data.get("group")
    facts = selectors.report_page_facts(user=request.user, group=group)
    summary = selectors.summary(facts=facts, since=since, until=until)
    context.update(
        figures=_figures(summary),
        since=since,
        until_shown=until - dt.timedelta(microseconds=1),
        group=group,
    )
    return render(request, "reports/summary.html", context)
