"""``GET /api/v1/reports/summary/``, ``reports/breakdown/`` and ``reports/live/``.

Admins see every conversation; supervisors their groups' (and their own); operators
their own (those they first replied in). Others get 403; a group, operator or channel
filter the caller may not see answers 404. ``?format=csv|xlsx`` downloads summary and
breakdown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter import roles
from contactcenter.api_common import parse_id, query_flag, query_moment
from inbox.models import Channel
from reports import exports, live, selectors
from reports.models import ConversationFact
from routing.models import Group, Operator

MAX_RANGE = dt.timedelta(days=366)
FIGURES: dict[str, serializers.Field] = {
    "sessions": serializers.IntegerField(),
    "answered": serializers.IntegerField(),
    "abandoned": serializers.IntegerField(),
    "avg_queue_wait_s": serializers.FloatField(allow_null=True),
    "avg_first_response_s": serializers.FloatField(allow_null=True),
    "median_first_response_s": serializers.FloatField(allow_null=True),
    "p90_first_response_s": serializers.FloatField(allow_null=True),
    "avg_handle_s": serializers.FloatField(allow_null=True),
    "sla_pct": serializers.FloatField(allow_null=True),
    "service_level_pct": serializers.FloatField(allow_null=True),
    "abandon_rate_pct": serializers.FloatField(allow_null=True),
    "csat_avg": serializers.FloatField(allow_null=True),
    "csat_count": serializers.IntegerField(),
    "csat_pct": serializers.FloatField(allow_null=True),
    "bot_sessions": serializers.IntegerField(),
    "bot_resolved": serializers.IntegerField(),
    "bot_handoffs": serializers.IntegerField(),
    "transfers": serializers.IntegerField(),
}
BREAKDOWN_ROWS = inline_serializer(
    "ReportBreakdownRow",
    {"key": serializers.JSONField(), "label": serializers.CharField(), **FIGURES},
    many=True,
)
RANGE: dict[str, serializers.Field] = {
    "since": serializers.DateTimeField(),
    "until": serializers.DateTimeField(),
    "business_hours": serializers.BooleanField(),
}
FIGURES_EXAMPLE: dict[str, Any] = {
    "sessions": 120,
    "answered": 104,
    "abandoned": 8,
    "avg_queue_wait_s": 14.2,
    "avg_first_response_s": 31.5,
    "median_first_response_s": 25.0,
    "p90_first_response_s": 80.0,
    "avg_handle_s": 402.3,
    "sla_pct": 86.5,
    "service_level_pct": 83.3,
    "abandon_rate_pct": 6.7,
    "csat_avg": 4.6,
    "csat_count": 48,
    "csat_pct": 89.6,
    "bot_sessions": 30,
    "bot_resolved": 12,
    "bot_handoffs": 18,
    "transfers": 5,
}
RANGE_EXAMPLE: dict[str, Any] = {
    "since": "2026-11-16T00:00:00+00:00",
    "until": "2026-11-23T00:00:00+00:00",
    "business_hours": False,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _responses(serializer: Any) -> dict[Any, Any]:
    return {
        (200, "application/json"): serializer,
        (200, "text/csv"): OpenApiTypes.BINARY,
        (200, XLSX): OpenApiTypes.BINARY,
    }


FILTERS = [
    OpenApiParameter("since", str, description="ISO 8601; default: 7 days before until"),
    OpenApiParameter("until", str, description="ISO 8601; default: now"),
    OpenApiParameter("group", int),
    OpenApiParameter("operator", int, description="the operator who first replied"),
    OpenApiParameter("channel", int),
    OpenApiParameter("business_hours", bool, description="durations within working hours"),
    OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
]


def _visible_or_404(found: bool) -> None:
    if not found:
        raise exceptions.NotFound(_("Not found."))


def _filtered(request: Request, facts: QuerySet[ConversationFact]) -> QuerySet[ConversationFact]:
    params, user = request.query_params, request.user
    admin = roles.is_admin(user)
    me = None if admin else Operator.objects.filter(user_id=user.pk or 0).first()
    if "group" in params:
        group_id = parse_id(params["group"], field="group")
        mine = Q(supervisors=me) | Q(members=me)
        _visible_or_404(Group.objects.filter(Q(pk=group_id) & (Q() if admin else mine)).exists())
        facts = facts.filter(group_id=group_id)
    if "operator" in params:
        operator_id = parse_id(params["operator"], field="operator")
        seen = Q() if admin else Q(pk=me.pk if me else 0) | Q(member_of__supervisors=me)
        _visible_or_404(Operator.objects.filter(Q(pk=operator_id) & seen).exists())
        facts = facts.filter(operator_id=operator_id)
    if "channel" in params:
        channel_id = parse_id(params["channel"], field="channel")
        _visible_or_404(Channel.objects.filter(pk=channel_id).exists())
        facts = facts.filter(channel_id=channel_id)
    return facts


def report_query(request: Request) -> dict[str, Any]:
    """The facts the caller may see, filtered, and the range: 403, 404 or 400 else."""
    facts = selectors.facts_visible(user=request.user)
    if facts is None:
        raise exceptions.PermissionDenied(_("Reports are for operators, supervisors and admins."))
    until = query_moment(request, "until", timezone.now())
    since = query_moment(request, "since", until - dt.timedelta(days=7))
    if since >= until:
        raise exceptions.ValidationError({"until": [_("until must be after since.")]})
    if until - since > MAX_RANGE:
        raise exceptions.ValidationError({"since": [_("The range may span a year at most.")]})
    fmt = request.query_params.get("format") or "json"
    if fmt not in ("json", *exports.FORMATS):
        raise exceptions.ValidationError({"format": [_("json, csv or xlsx.")]})
    return {
        "facts": _filtered(request, facts),
        "since": since,
        "until": until,
        "business_hours": bool(query_flag(request, "business_hours")),
        "format": fmt,
    }


class _ReportView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``?format=csv|xlsx`` is a download answered by the view, not a DRF renderer
        fmt = request.query_params.get("format")
        return super().perform_content_negotiation(request, force=force or fmt is not None)


class SummaryView(_ReportView):
    @extend_schema(
        summary="Service figures over conversations started in a range",
        parameters=FILTERS,
        responses=_responses(inline_serializer("ReportSummary", RANGE | FIGURES)),
        examples=[
            OpenApiExample(
                "A week",
                response_only=True,
                media_type="application/json",
                value=RANGE_EXAMPLE | FIGURES_EXAMPLE,
            )
        ],
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = report_query(request)
        fmt = query.pop("format")
        figures = selectors.summary(**query)
        if fmt != "json":
            return exports.download([figures], fmt=fmt, name="summary")
        return Response(figures)


class BreakdownView(_ReportView):
    @extend_schema(
        summary="The figures per group, operator, channel, day or hour",
        parameters=[
            OpenApiParameter("by", str, enum=list(selectors.BREAKDOWNS), required=True),
            *FILTERS,
        ],
        responses=_responses(
            inline_serializer(
                "ReportBreakdown",
                RANGE | {"by": serializers.CharField(), "rows": BREAKDOWN_ROWS},
            )
        ),
        examples=[
            OpenApiExample(
                "By group",
                response_only=True,
                media_type="application/json",
                value=RANGE_EXAMPLE
                | {
                    "by": "group",
                    "rows": [{"key": 1, "label": "Support"} | FIGURES_EXAMPLE],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response | HttpResponse:
        by = request.query_params.get("by", "")
        if by not in selectors.BREAKDOWNS:
            raise exceptions.ValidationError(
                {"by": [_("One of: %(names)s.") % {"names": ", ".join(selectors.BREAKDOWNS)}]}
            )
        query = report_query(request)
        fmt = query.pop("format")
        table = selectors.breakdown(by=by, **query)
        if fmt != "json":
            return exports.download(table["rows"], fmt=fmt, name=f"breakdown-{by}")
        return Response(table)


class LiveView(APIView):
    @extend_schema(
        summary="Each group's queue now and today's figures",
        responses=inline_serializer(
            "ReportLive",
            {
                "groups": inline_serializer(
                    "ReportLiveGroup",
                    {
                        "group": serializers.IntegerField(),
                        "name": serializers.CharField(),
                        "queue_size": serializers.IntegerField(),
                        "longest_wait_s": serializers.IntegerField(),
                        "operators_online": serializers.IntegerField(),
                        "active_sessions": serializers.IntegerField(),
                        "answered": serializers.IntegerField(),
                        "abandoned": serializers.IntegerField(),
                        "service_level_pct": serializers.FloatField(allow_null=True),
                        "sla_target_s": serializers.IntegerField(),
                    },
                    many=True,
                )
            },
        ),
        examples=[
            OpenApiExample(
                "One group",
                response_only=True,
                value={
                    "groups": [
                        {
                            "group": 1,
                            "name": "Support",
                            "queue_size": 3,
                            "longest_wait_s": 42,
                            "operators_online": 5,
                            "active_sessions": 11,
                            "answered": 87,
                            "abandoned": 4,
                            "service_level_pct": 91.2,
                            "sla_target_s": 60,
                        }
                    ]
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        groups = live.live_groups(user=request.user)
        if groups is None:
            raise exceptions.PermissionDenied(
                _("Reports are for operators, supervisors and admins.")
            )
        return Response(live.live(groups=groups, now=timezone.now()))
