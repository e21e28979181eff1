"""The prompter's API: ``POST suggestions/{id}/feedback/`` and ``GET kb/stats/``."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.api_common import ErrorSerializer, InputSerializer, parse_id
from kb.prompter import access, selectors, services
from kb.prompter.models import Outcome

MAX_WEEKS = 104

FEEDBACK_EXAMPLES = [
    OpenApiExample("Rejected", value={"outcome": "rejected"}, request_only=True),
    OpenApiExample(
        "Edited before sending",
        value={"outcome": "edited", "text": "Hello Ann! Courier delivery costs 290 ₽."},
        request_only=True,
    ),
    OpenApiExample(
        "Recorded",
        value={"id": 7, "article": 3, "outcome": "rejected", "outcome_at": "2026-12-02T10:15:00Z"},
        response_only=True,
        status_codes=["200"],
    ),
]
WEEK_EXAMPLE = {
    "week": "2026-11-30",
    "prompted": 5,
    "suggested": 4,
    "accept_at_1": 0.25,
    "accept_at_3": 0.75,
    "mrr": 0.4583,
    "coverage": 0.8,
}


class FeedbackInputSerializer(InputSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    text = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class FeedbackOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id", allow_null=True)
    outcome = serializers.CharField()
    outcome_at = serializers.DateTimeField()


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField()
    prompted = serializers.IntegerField()
    suggested = serializers.IntegerField()
    accept_at_1 = serializers.FloatField()
    accept_at_3 = serializers.FloatField()
    mrr = serializers.FloatField()
    coverage = serializers.FloatField()


class SuggestionFeedbackView(APIView):
    @extend_schema(
        summary="Feedback on a suggestion of the prompter",
        description=(
            "The session's operator, a supervisor of its group or an admin (others: 404). "
            "The first feedback counts; another answers 409 (code `feedback_given`)."
        ),
        request=FeedbackInputSerializer,
        responses={200: FeedbackOutputSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
        examples=FEEDBACK_EXAMPLES,
    )
    def post(self, request: Request, pk: str) -> Response:
        suggestion = access.suggestion_for_feedback(user=request.user, suggestion_id=parse_id(pk))
        if suggestion is None:
            raise Http404
        given = FeedbackInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        done = services.suggestion_feedback(
            suggestion_id=suggestion.pk,
            outcome=given.validated_data["outcome"],
            text=given.validated_data.get("text", ""),
            user=request.user,
        )
        return Response(FeedbackOutputSerializer(done).data)


class PrompterStatsView(APIView):
    @extend_schema(
        summary="The prompter's weekly figures",
        description=(
            "One row per week (Monday, UTC), oldest first: `suggested` customer messages "
            "with at least one suggestion, `accept_at_1`, `accept_at_3` and `mrr` over "
            "them, `coverage` = suggested / prompted (see docs/knowledge-base.md). "
            "Admins and supervisors."
        ),
        parameters=[OpenApiParameter("weeks", int, description="1 to 104, default 12")],
        responses={200: WeekSerializer(many=True), 403: ErrorSerializer},
        examples=[
            OpenApiExample(
                "This week", value=WEEK_EXAMPLE, response_only=True, status_codes=["200"]
            )
        ],
    )
    def get(self, request: Request) -> Response:
        if not access.may_read_stats(request.user):
            raise exceptions.PermissionDenied(
                "Only administrators and supervisors see these figures."
            )
        weeks = request.query_params.get("weeks", "12")
        count = parse_id(weeks, field="weeks")
        if not 1 <= count <= MAX_WEEKS:
            raise exceptions.ValidationError({"weeks": [f"From 1 to {MAX_WEEKS}."]})
        return Response(selectors.prompter_weekly_stats(weeks=count))
