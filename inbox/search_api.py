"""REST API of search: ``search/?q=``, conversations and contacts the caller may see."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inbox import selectors
from inbox.api_examples import SESSION_EXAMPLE
from inbox.serializers import (
    SearchSerializer,
    SessionSerializer,
)


class SearchView(APIView):
    """Conversations and contacts the caller may see that contain ``q`` (2 to 100
    characters, any case): in a message's text (private notes included) or the contact's
    name, e-mail or phone. Up to 20 of each, newest first; one session per dialog (the
    latest the caller may see)."""

    @extend_schema(
        summary="Search conversations and contacts",
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=SearchSerializer,
        examples=[
            OpenApiExample(
                "?q=annual",
                value={
                    "query": "annual",
                    "sessions": [SESSION_EXAMPLE],
                    "contacts": [
                        {
                            "id": 7,
                            "name": "Ada Lovelace",
                            "email": "ada@example.com",
                            "phone": "",
                            "session": 315,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        try:
            query = selectors.search_query_clean(request.query_params.get("q"))
        except ValueError as bad:
            raise serializers.ValidationError({"q": [str(bad)]}) from None
        sessions = selectors.session_search(user=request.user, query=query)
        contacts = selectors.contact_search(user=request.user, query=query)
        return Response(
            {
                "query": query,
                "sessions": SessionSerializer(sessions, many=True).data,
                "contacts": [
                    {
                        "id": c.pk,
                        "name": c.name,
                        "email": c.email,
                        "phone": c.phone,
                        "session": latest,
                    }
                    for c, latest in contacts
                ],
            }
        )
