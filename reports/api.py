"""``GET /api/v1/reports/summary/``: service figures over a time range.

Admins see every session; supervisors the sessions of the groups they supervise;
operators their own. Others (e.g. CRM managers without an operator record) get 403.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.api_common import parse_id, query_moment
from reports import selectors

MAX_RANGE = dt.timedelta(days=366)
SUMMARY_FIELDS: dict[str, serializers.Field] = {
    "since": serializers.DateTimeField(),
    "until": serializers.DateTimeField(),
    "sessions": serializers.IntegerField(),
    "answered": serializers.IntegerField(),
    "abandoned": serializers.IntegerField(),
    "avg_queue_wait_s": serializers.FloatField(allow_null=True),
    "avg_first_response_s": serializers.FloatField(allow_null=True),
    "median_first_response_s": serializers.FloatField(allow_null=True),
    "p90_first_response_s": serializers.FloatField(allow_null=True),
    "avg_handle_s": serializers.FloatField(allow_null=True),
    "sla_pct": serializers.FloatField(allow_null=True),
    "csat_avg": serializers.FloatField(allow_null=True),
    "csat_count": serializers.IntegerField(),
}


class SummaryView(APIView):
    @extend_schema(
        summary="Service figures over sessions created in a range",
        parameters=[
            OpenApiParameter("since", str, description="ISO 8601; default: 7 days ago"),
            OpenApiParameter("until", str, description="ISO 8601; default: now"),
            OpenApiParameter("group", int),
            OpenApiParameter("operator", int),
            OpenApiParameter("channel", int),
        ],
        responses=inline_serializer("ReportSummary", SUMMARY_FIELDS),
        examples=[
            OpenApiExample(
                "A week",
                response_only=True,
                value={
                    "since": "2026-11-16T00:00:00+00:00",
                    "until": "2026-11-23T00:00:00+00:00",
                    "sessions": 120,
                    "answered": 112,
                    "abandoned": 6,
                    "avg_queue_wait_s": 14.2,
                    "avg_first_response_s": 31.5,
                    "median_first_response_s": 22.0,
                    "p90_first_response_s": 71.0,
                    "avg_handle_s": 402.3,
                    "sla_pct": 86.6,
                    "csat_avg": 4.6,
                    "csat_count": 48,
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        sessions = selectors.sessions_visible(user=request.user)
        if sessions is None:
            raise exceptions.PermissionDenied("Reports are for operators, supervisors and admins.")
        until = query_moment(request, "until", timezone.now())
        since = query_moment(request, "since", until - dt.timedelta(days=7))
        if since >= until:
            raise exceptions.ValidationError({"since": ["since must be before until."]})
        if until - since > MAX_RANGE:
            raise exceptions.ValidationError({"since": ["The range may span a year at most."]})
        params = request.query_params
        if "group" in params:
            sessions = sessions.filter(group_id=parse_id(params["group"], field="group"))
        if "operator" in params:
            sessions = sessions.filter(operator_id=parse_id(params["operator"], field="operator"))
        if "channel" in params:
            sessions = sessions.filter(
                dialog__channel_id=parse_id(params["channel"], field="channel")
            )
        return Response(selectors.summary(sessions=sessions, since=since, until=until))
