"""The API channel's endpoints, ``/api/v1/inbound/<key>/...``: a company's backend sends
its users' messages and reads the answers, authenticated by the channel's
``inbound_secret`` as ``Authorization: Bearer <secret>``.

An unknown key and a wrong secret answer the same 401, so keys cannot be probed; after
``api_inbound_auth`` wrong secrets from one address it answers 429 until the window ends.
Each channel may make ``api_inbound`` requests (settings ``API_INBOUND_THROTTLE`` and
``API_INBOUND_AUTH_THROTTLE``)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter import throttling
from contactcenter.api_common import ErrorSerializer, PageNumberPagination, parse_id
from contactcenter.client_address import request_client_address
from inbox.connectors.api import examples, inbound
from inbox.connectors.api.serializers import (
    MAX_EXTERNAL_ID,
    ApiMessageInputSerializer,
    ApiMessageStoredSerializer,
)
from inbox.models import Channel
from inbox.serializers import MessageSerializer
from inbox.services import MessageRejected

logger = logging.getLogger(__name__)


def _rate(name: str) -> throttling.Rate:
    return throttling.Rate.parse(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][name])


class ChannelBearerAuthentication(BaseAuthentication):
    """``Authorization: Bearer <inbound_secret>`` of the channel in the URL; the request's
    ``auth`` is that channel."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Channel]:
        key = str(request.parser_context["kwargs"].get("key", ""))
        failures = f"api-inbound-auth:{request_client_address(request)}"
        rate = _rate("api_inbound_auth")
        try:
            verdict = throttling.attempts_over(key=failures, rate=rate)
        except throttling.CacheUnavailable:
            verdict = throttling.Verdict(allowed=True, retry_after_s=0)
        if not verdict.allowed:
            raise exceptions.Throttled(wait=verdict.retry_after_s)
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        channel = None
        if scheme.lower() == "bearer" and secret.strip():
            channel = inbound.channel_authenticate(key=key, secret=secret.strip())
        if channel is None:
            # without the cache the secret still has to be right; counting resumes with it
            with contextlib.suppress(throttling.CacheUnavailable):
                throttling.attempt_count(key=failures, rate=rate)
            raise exceptions.AuthenticationFailed(
                _("Send the channel's inbound secret as Authorization: Bearer <secret>.")
            )
        return AnonymousUser(), channel

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api-channel"'


class ChannelBearerScheme(OpenApiAuthenticationExtension):
    target_class = ChannelBearerAuthentication
    name = "channelBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The API channel's inbound_secret (admin: Channels).",
        }


def _channel(request: Request) -> Channel:
    """The channel ``ChannelBearerAuthentication`` authenticated the request for."""
    if not isinstance(request.auth, Channel):
        raise exceptions.NotAuthenticated()
    return request.auth


class InboundView(APIView):
    authentication_classes = [ChannelBearerAuthentication]
    permission_classes: list[type] = []

    def check_throttles(self, request: Request) -> None:
        channel = _channel(request)
        try:
            verdict = throttling.attempt_count(
                key=f"api-inbound:{channel.pk}", rate=_rate("api_inbound")
            )
        except throttling.CacheUnavailable:
            logger.warning("API channel %s: requests not counted (cache unavailable)", channel.pk)
            return
        if not verdict.allowed:
            raise exceptions.Throttled(wait=verdict.retry_after_s)


ERRORS = {400: None, 401: ErrorSerializer, 429: ErrorSerializer}


class InboundMessagesView(InboundView):
    """A message of one of your users; the same ``client_id`` again answers 200 with the
    first message's ids and stores nothing."""

    @extend_schema(
        summary="API channel: send a user's message",
        request=ApiMessageInputSerializer,
        responses={201: ApiMessageStoredSerializer, 200: ApiMessageStoredSerializer, **ERRORS},
        examples=[
            OpenApiExample("A first message", value=examples.MESSAGE_IN_EXAMPLE, request_only=True),
            OpenApiExample(
                "The least a message needs",
                value=examples.MESSAGE_MINIMAL_EXAMPLE,
                request_only=True,
            ),
            OpenApiExample(
                "Stored (201), or a repeat (200)", value=examples.STORED_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "Bad input",
                value=examples.INVALID_EXAMPLE,
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request: Request, key: str) -> Response:
        serializer = ApiMessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            stored = inbound.api_message_receive(
                channel=_channel(request), inbound=serializer.inbound()
            )
        except MessageRejected as refused:
            field = "client_id" if refused.code == "bad_client_id" else "text"
            raise exceptions.ValidationError({field: [refused.detail]}) from None
        message = stored.message
        return Response(
            {"id": message.pk, "dialog": message.dialog_id, "session": message.session_id},
            status=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK,
        )


class MessagePagination(PageNumberPagination):
    page_size = 200


class InboundContactMessagesView(InboundView):
    """Your user's conversation as they see it, oldest first: their messages and every
    answer (operators, bots, the system), never an operator's internal note.
    ``?after=<message id>`` for what came later. 404 while the user has not written."""

    pagination_class = MessagePagination

    @extend_schema(
        summary="API channel: read a user's conversation",
        parameters=[OpenApiParameter("after", int, description="Only messages after this id.")],
        responses={200: MessageSerializer(many=True), 404: ErrorSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Your user's message", value=examples.CONTACT_MESSAGE_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "An operator's answer", value=examples.OPERATOR_REPLY_EXAMPLE, response_only=True
            ),
        ],
    )
    def get(self, request: Request, key: str, external_id: str) -> Response:
        after = parse_id(request.query_params.get("after", "0"), field="after")
        dialog = None
        if 0 < len(external_id.strip()) <= MAX_EXTERNAL_ID:
            dialog = inbound.dialog_of(channel=_channel(request), external_id=external_id)
        if dialog is None:
            raise exceptions.NotFound(_("This user has not written on this channel yet."))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            inbound.contact_messages(dialog=dialog, after_id=after), request, view=self
        )
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)
