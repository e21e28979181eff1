"""Project-wide API endpoints: ``auth/token/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter import throttling
from contactcenter.client_address import request_client_address


class SignInUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = _("Signing in is unavailable for a moment; try again shortly.")
    default_code = "unavailable"


class AuthTokenView(APIView):
    """Trades a username and password for the user's API token (``Authorization: Token
    <key>``). Attempts are counted before the password is checked, per client address
    (setting ``AUTH_TOKEN_THROTTLE``) and per username, known or not (``AUTH_LOCKOUT_ATTEMPTS``
    in ``AUTH_LOCKOUT_S``); over either it answers 429 with ``Retry-After``, even to the
    right password."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        summary="Get an API token",
        request=AuthTokenSerializer,
        responses={200: inline_serializer("AuthToken", {"token": serializers.CharField()})},
        auth=[],
        examples=[
            OpenApiExample(
                "Anna signs in",
                value={"username": "anna", "password": "correct-horse-battery-staple"},
                request_only=True,
            ),
            OpenApiExample(
                "Anna's token",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        # counted as the serializer will read it: 123 signs in as "123"
        username = str(username) if isinstance(username, (str, int, float)) else ""
        self._count(
            throttling.address_key(request_client_address(request)), throttling.address_rate()
        )
        if username:
            self._count(throttling.username_key(username), throttling.username_rate())
        data = AuthTokenSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        throttling.attempts_clear(key=throttling.username_key(username))
        token, _created = Token.objects.get_or_create(user=data.validated_data["user"])
        return Response({"token": token.key})

    @staticmethod
    def _count(key: str, rate: throttling.Rate) -> None:
        try:
            verdict = throttling.attempt_count(key=key, rate=rate)
        except throttling.CacheUnavailable as error:
            raise SignInUnavailable() from error
        if not verdict.allowed:
            raise exceptions.Throttled(wait=verdict.retry_after_s)
