"""``GET /api/v1/dialogs/{id}/emails/``: the e-mails the customer sent in a dialog, as
the inbox shows them beside the chat text: their subject and their sanitised HTML
(``sanitize``; remote images removed, inline images pointing at their stored copies)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.api_common import ErrorSerializer, parse_id
from inbox import selectors
from inbox.connectors.email.selectors import dialog_emails

EMAIL_EXAMPLE: dict[str, Any] = {
    "message": 812,
    "subject": "Order 42 missing",
    "message_id": "<inline-42@mail.example.org>",
    "html": '<p>Hello, my <a href="https://shop.example/orders/42" target="_blank" '
    'rel="noopener noreferrer">order 42</a> has not arrived.</p>'
    '<img src="/media/attachments/12/Xa9/logo.png" alt="Shop logo"><img alt="pixel">',
}


class EmailSerializer(serializers.Serializer):
    message = serializers.IntegerField(help_text="The id of the message holding its text.")
    subject = serializers.CharField()
    message_id = serializers.CharField(help_text="The e-mail's Message-ID header.")
    html = serializers.CharField(
        help_text="The HTML body, sanitised (empty for a plain-text e-mail). Remote images "
        "have no src; links open in a new tab."
    )


class DialogEmailsView(APIView):
    """The customer's e-mails in a dialog (oldest first, up to 200 after ``?after=``).
    404 for a dialog the caller may not see; an empty list for other channels."""

    @extend_schema(
        summary="The e-mails of a dialog, formatted",
        parameters=[OpenApiParameter("after", int, description="Only messages after this id.")],
        responses={200: EmailSerializer(many=True), 404: ErrorSerializer},
        examples=[OpenApiExample("An e-mail with an inline logo", value=EMAIL_EXAMPLE)],
    )
    def get(self, request: Request, pk: str) -> Response:
        dialog_id = parse_id(pk)
        if not selectors.dialog_visible(user=request.user, dialog_id=dialog_id):
            raise Http404
        after = request.query_params.get("after")
        after_id = parse_id(after, field="after") if after not in (None, "") else 0
        return Response(dialog_emails(dialog_id=dialog_id, after_id=after_id))
