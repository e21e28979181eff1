"""Project-wide API endpoints: ``auth/token/``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class AuthTokenView(APIView):
    """Trades a username and password for the user's API token (``Authorization: Token
    <key>``). Throttled per client address (setting ``AUTH_TOKEN_THROTTLE``) so that
    passwords cannot be guessed at speed: over the rate it answers 429."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

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
        data = AuthTokenSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=data.validated_data["user"])
        return Response({"token": token.key})
