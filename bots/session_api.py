"""``GET /api/v1/sessions/{id}/bot/``: what a bot did in a session (its bot and version,
how it finished, what the contact gave it), for the inbox's bot panel. Whoever may see
the session may read it; 404 for a session they may not see or one no bot took part in
(the session a transfer continued counts)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bots import selectors
from bots.serializers import SessionBotSerializer
from contactcenter.api_common import ErrorSerializer, parse_id
from inbox import selectors as inbox_selectors

EXAMPLE = {
    "session": 41,
    "bot": {"id": 1, "name": "Website helper"},
    "version": 3,
    "outcome": "handoff",
    "node": "to_sales",
    "collected": {"email": "ann@example.com"},
    "choices": ["Sales"],
    "started_at": "2026-12-02T10:15:00+00:00",
}


class SessionBotView(APIView):
    @extend_schema(
        summary="What the bot collected in a session",
        responses={200: SessionBotSerializer, 404: ErrorSerializer},
        examples=[OpenApiExample("A bot that handed off to sales", value=EXAMPLE)],
    )
    def get(self, request: Request, pk: str) -> Response:
        session = inbox_selectors.session_for_staff(user=request.user, session_id=parse_id(pk))
        if session is None:
            raise Http404
        summary = selectors.session_bot_summary(session=session)
        if summary is None:
            raise Http404
        return Response(summary)
