"""REST API of button bots, ``bots/`` (admins only: anyone else gets 403).

``version`` is read only and grows on every change of ``flow``; ``versions/`` lists the
versions and ``versions/{n}/restore/`` publishes one again; ``simulate/`` runs the flow in
memory. A flow that does not validate answers 400 naming the nodes (``flow``: one line a
problem, ``problems``: the same as objects).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from bots import api_examples as examples
from bots import selectors, services
from bots.flows.simulate import BadInput
from bots.models import Bot, BotVersion
from bots.serializers import (
    BotInputSerializer,
    BotOutputSerializer,
    BotVersionOutputSerializer,
    FlowInvalidSerializer,
    SimulateInputSerializer,
    SimulateOutputSerializer,
)
from contactcenter.api_common import ApiViewSet, IsAdmin, parse_id

MAX_VERSION = 2**31 - 1  # a version number is a PositiveIntegerField

FLOW_INVALID = OpenApiResponse(
    FlowInvalidSerializer, description="The flow does not validate: its problems, by node."
)


@extend_schema_view(
    list=extend_schema(summary="Bots (admins)", examples=examples.BOT_RESPONSES),
    retrieve=extend_schema(summary="One bot (admins)", examples=examples.BOT_RESPONSES),
    create=extend_schema(
        summary="Create a bot; its flow becomes version 1",
        request=BotInputSerializer,
        responses={201: BotOutputSerializer, 400: FLOW_INVALID},
        examples=examples.BOT_CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change a bot; a changed flow becomes the next version",
        request=BotInputSerializer,
        responses={200: BotOutputSerializer, 400: FLOW_INVALID},
        examples=examples.BOT_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete a bot and its versions", responses={204: None}),
)
class BotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Button bots: a flow of nodes on some channels, with a mode (``always``,
    ``outside_hours``, ``off``) and handoff keywords. Admins only."""

    serializer_class = BotOutputSerializer
    queryset = Bot.objects.none()
    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    def get_queryset(self) -> QuerySet[Bot]:
        return selectors.bot_list()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.FlowInvalid):
            return Response(
                {
                    "flow": [str(problem) for problem in exc.problems],
                    "problems": [problem.as_dict() for problem in exc.problems],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if isinstance(exc, BadInput):
            exc = exceptions.ValidationError({"inputs": [f"Item {exc.index}: {exc.message}"]})
        return super().handle_exception(exc)

    def create(self, request: Request) -> Response:
        data = BotInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bot = services.bot_create(**data.validated_data, user=request.user)
        return Response(self._shape(bot.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        bot = self.get_object()
        data = BotInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.bot_update(bot=bot, data=data.validated_data, user=request.user)
        return Response(self._shape(bot.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        services.bot_delete(bot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The bot's versions, newest first",
        responses={200: BotVersionOutputSerializer(many=True)},
        examples=examples.VERSIONS_EXAMPLES,
    )
    @action(detail=True, methods=["get"], url_path="versions")
    def versions(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.bot_versions(bot=self.get_object()))
        return self.get_paginated_response(BotVersionOutputSerializer(page, many=True).data)

    @extend_schema(
        summary="Publish an earlier version again (as a new version); 404 without it",
        request=None,
        responses={200: BotOutputSerializer, 400: FLOW_INVALID},
        examples=examples.RESTORE_EXAMPLES,
    )
    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>[^/]+)/restore")
    def restore(self, request: Request, pk: str, number: str) -> Response:
        bot = self.get_object()
        version = parse_id(number, field="number")
        try:
            if version > MAX_VERSION:
                raise BotVersion.DoesNotExist
            services.bot_version_restore(bot=bot, number=version, user=request.user)
        except BotVersion.DoesNotExist:
            raise exceptions.NotFound("This bot has no such version.") from None
        return Response(self._shape(bot.pk))

    @extend_schema(
        summary="Run the flow on a customer's inputs, writing nothing",
        request=SimulateInputSerializer,
        responses={200: SimulateOutputSerializer, 400: FLOW_INVALID},
        examples=examples.SIMULATE_EXAMPLES,
    )
    @action(detail=True, methods=["post"], url_path="simulate")
    def simulate(self, request: Request, pk: str) -> Response:
        bot = self.get_object()
        data = SimulateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.bot_simulate(bot=bot, **data.validated_data)
        return Response(answer)

    def _shape(self, pk: int) -> Any:
        return BotOutputSerializer(self.get_queryset().get(pk=pk)).data


router = SimpleRouter(trailing_slash=True)
router.register("bots", BotViewSet, basename="bot")
