"""REST API of the inbox app: dialog history, the website visitor of a dialog, canned
responses.

A dialog the caller may not see answers 404. The ``sessions/`` endpoint (messages,
files, notes, labels, close, read, take, transfer) is ``routing.sessions_api``: it
spans inbox's and routing's services, and routing sits above inbox.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.api_common import (
    ErrorSerializer,
    PageNumberPagination,
    parse_id,
)
from inbox import payloads, selectors
from inbox.api_examples import (
    MESSAGE_CONTACT_EXAMPLE,
    MESSAGE_FILE_EXAMPLE,
    MESSAGE_NOTE_EXAMPLE,
    MESSAGE_PRIVATE_NOTE_EXAMPLE,
)
from inbox.serializers import (
    CannedResponseSerializer,
    MessageSerializer,
    VisitorContextSerializer,
)


class MessagePagination(PageNumberPagination):
    page_size = 200


# --- examples -------------------------------------------------------------------------

CANNED_RESPONSE_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "shortcut": "annual",
    "title": "Annual plan: how to switch",
    "text": "The annual plan costs 10 months' price for 12 months. I can switch you today; "
    "your invoices and history stay as they are.",
    "raw_text": "The annual plan costs 10 months' price for 12 months. I can switch you "
    "today; your invoices and history stay as they are.",
    "unfilled": [],
    "group": 2,
}

CANNED_FILLED_EXAMPLE: dict[str, Any] = {
    "id": 4,
    "shortcut": "hello",
    "title": "Greeting",
    "text": "Hello, Ada! My name is Anna. How can I help?",
    "raw_text": "Hello, {contact_first_name}! My name is {operator}. How can I help?",
    "unfilled": [],
    "group": None,
}

CANNED_UNFILLED_EXAMPLE: dict[str, Any] = {
    **CANNED_FILLED_EXAMPLE,
    "text": "Hello, {contact_first_name}! My name is Anna. How can I help?",
    "unfilled": [
        {"placeholder": "contact_first_name", "reason": "the customer's name is not known"}
    ],
}


class DialogMessagesView(APIView):
    """The whole history of a dialog, every session, oldest first; ``?after=<message id>``
    for what came later."""

    pagination_class = MessagePagination

    @extend_schema(
        summary="The whole history of a dialog",
        parameters=[OpenApiParameter("after", int)],
        responses=MessageSerializer(many=True),
        examples=[
            OpenApiExample(
                "A customer's message", value=MESSAGE_CONTACT_EXAMPLE, response_only=True
            ),
            OpenApiExample("An operator's file", value=MESSAGE_FILE_EXAMPLE, response_only=True),
            OpenApiExample(
                "A note only operators see", value=MESSAGE_NOTE_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "An operator's private note",
                value=MESSAGE_PRIVATE_NOTE_EXAMPLE,
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request, pk: str) -> Response:
        dialog_id = parse_id(pk)
        if not selectors.dialog_visible(user=request.user, dialog_id=dialog_id):
            raise Http404
        after = parse_id(request.query_params.get("after", "0"), field="after")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.dialog_messages(dialog_id=dialog_id, after_id=after), request, view=self
        )
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)


VISITOR_EXAMPLE: dict[str, Any] = {
    "dialog": 12,
    "page_url": "https://shop.example/pricing",
    "page_title": "Pricing - Shop",
    "referrer": "https://search.example/?q=annual+plan",
    "browser": "Chrome 120 on Windows",
    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "language": "en-GB",
    "time_zone": "Europe/London",
    "utc_offset_min": 0,
    "created_at": "2025-03-03T10:01:40+00:00",
    "last_seen_at": "2025-03-03T10:03:30+00:00",
    "updated_at": "2025-03-03T10:02:05+00:00",
}


class DialogVisitorView(APIView):
    """What the website chat knows of a dialog's visitor: the page, where they came from,
    the browser, language and time zone. 404 for a dialog of another channel type."""

    @extend_schema(
        summary="The website visitor of a dialog",
        responses={200: VisitorContextSerializer, 404: ErrorSerializer},
        examples=[
            OpenApiExample("A visitor on the pricing page", value=VISITOR_EXAMPLE),
        ],
    )
    def get(self, request: Request, pk: str) -> Response:
        dialog_id = parse_id(pk)
        if not selectors.dialog_visible(user=request.user, dialog_id=dialog_id):
            raise Http404
        visitor = selectors.dialog_visitor(dialog_id=dialog_id)
        if visitor is None:
            raise Http404
        return Response(payloads.visitor_context(visitor))


class CannedResponseListView(APIView):
    """Ready answers the caller may use; ``?search=`` matches the start of the shortcut or
    a part of the title; ``?session=<id>`` fills their placeholders for that session."""

    @extend_schema(
        summary="Canned responses",
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter(
                "session",
                int,
                description="Fill the placeholders for this session (404 if not visible).",
            ),
        ],
        responses=CannedResponseSerializer(many=True),
        examples=[
            OpenApiExample(
                "Found by ?search=annual", value=CANNED_RESPONSE_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "Filled in by ?session=315", value=CANNED_FILLED_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "A customer whose name is not known yet",
                value=CANNED_UNFILLED_EXAMPLE,
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        search = request.query_params.get("search", "")[:50].lstrip("/")
        session = None
        if "session" in request.query_params:
            session_id = parse_id(request.query_params["session"], field="session")
            session = selectors.session_for_staff(user=request.user, session_id=session_id)
            if session is None:
                raise Http404
        responses = selectors.canned_response_list(user=request.user, search=search)[:20]
        return Response(
            CannedResponseSerializer(
                [selectors.canned_response_for(response=r, session=session) for r in responses],
                many=True,
            ).data
        )
