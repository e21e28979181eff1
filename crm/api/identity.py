"""``contacts/{id}/timeline/`` and ``contacts/{id}/merge-suggestions/``: a contact
across channels."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contactcenter.api_common import ApiViewSet, parse_id
from crm import selectors, services, timeline
from crm.api import examples
from crm.models import Contact, MergeSuggestion
from crm.serializers import (
    ContactOutputSerializer,
    MergeSuggestionSerializer,
    TimelineEntrySerializer,
)


class ContactIdentityViewSet(ApiViewSet):
    """A contact across channels: its timeline of sessions in every dialog, and the
    merges the identity policy suggests (when an e-mail or phone it learned belongs to
    an older contact). Anyone who may see the contact reads them and accepts or
    dismisses its suggestions (the operator confirms what the product noticed); a
    contact the caller may not see answers 404."""

    serializer_class = MergeSuggestionSerializer
    queryset = MergeSuggestion.objects.none()

    def _contact(self, pk: str) -> Contact:
        contact = selectors.contact_get(user=self.request.user, contact_id=parse_id(pk))
        if contact is None:
            raise exceptions.NotFound()
        return contact

    def _suggestion(self, contact: Contact, suggestion_id: str) -> MergeSuggestion:
        suggestion = (
            timeline.merge_suggestions_open(contact=contact)
            .filter(pk=parse_id(suggestion_id))
            .first()
        )
        if suggestion is None:
            raise exceptions.NotFound()
        return suggestion

    @extend_schema(
        summary="The contact's sessions across every channel and dialog, newest first",
        responses={200: TimelineEntrySerializer(many=True)},
        examples=examples.CONTACT_TIMELINE_EXAMPLES,
    )
    @action(detail=True, methods=["get"], serializer_class=TimelineEntrySerializer)
    def timeline(self, request: Request, pk: str) -> Response:
        sessions = timeline.contact_timeline(user=request.user, contact=self._contact(pk))
        page = self.paginate_queryset(sessions)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(
        summary="Open merge suggestions naming the contact",
        responses={200: MergeSuggestionSerializer(many=True)},
        examples=examples.MERGE_SUGGESTIONS_EXAMPLES,
    )
    @action(detail=True, methods=["get"], url_path="merge-suggestions")
    def merge_suggestions(self, request: Request, pk: str) -> Response:
        suggestions = timeline.merge_suggestions_open(contact=self._contact(pk))
        page = self.paginate_queryset(suggestions)
        return self.get_paginated_response(MergeSuggestionSerializer(page, many=True).data)

    @extend_schema(
        summary="Accept a suggestion: its contact is merged into its candidate",
        request=None,
        responses={200: ContactOutputSerializer},
        examples=examples.MERGE_SUGGESTION_MERGE_EXAMPLES,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"merge-suggestions/(?P<suggestion_id>[0-9]+)/merge",
        url_name="merge-suggestion-merge",
    )
    def merge_suggestion_merge(self, request: Request, pk: str, suggestion_id: str) -> Response:
        suggestion = self._suggestion(self._contact(pk), suggestion_id)
        target = services.merge_suggestion_accept(suggestion=suggestion)
        return Response(
            ContactOutputSerializer(
                Contact.objects.prefetch_related("identities").get(pk=target.pk)
            ).data
        )

    @extend_schema(
        summary="Dismiss a suggestion (the pair is not proposed again)",
        request=None,
        responses={200: MergeSuggestionSerializer},
        examples=examples.MERGE_SUGGESTION_DISMISS_EXAMPLES,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"merge-suggestions/(?P<suggestion_id>[0-9]+)/dismiss",
        url_name="merge-suggestion-dismiss",
    )
    def merge_suggestion_dismiss(self, request: Request, pk: str, suggestion_id: str) -> Response:
        suggestion = self._suggestion(self._contact(pk), suggestion_id)
        dismissed = services.merge_suggestion_dismiss(suggestion=suggestion)
        return Response(MergeSuggestionSerializer(dismissed).data)
