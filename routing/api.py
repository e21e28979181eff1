"""REST API of the routing app: ``groups/``, ``operators/`` (with ``me/``), ``channels/``;
and the router that registers ``sessions/`` (``routing.sessions_api``).

Who may do what (anything outside what a caller may see answers 404):

- groups: admins see and change all; operators and supervisors see the groups they are
  a member or supervisor of, read only (403 on writes).
- operators: admins see, create and change all; supervisors see the operators of the
  groups they supervise and change only their ``max_sessions`` and ``status``; operators
  see themselves and the members of their groups, read only, and change their own
  status through ``operators/me/``.
- channels: admins only; anyone else gets 403 (channel configuration is
  administration). Secrets in ``config`` are write only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from contactcenter import roles
from contactcenter.api_common import ApiViewSet, ErrorSerializer, IsAdmin
from inbox.models import Channel
from routing import selectors, services
from routing.models import Group, Operator
from routing.serializers import (
    ChannelInputSerializer,
    ChannelOutputSerializer,
    GroupInputSerializer,
    GroupOutputSerializer,
    OperatorInputSerializer,
    OperatorOutputSerializer,
    OperatorStatusInputSerializer,
)
from routing.sessions_api import SessionViewSet


def _require_admin(request: Request) -> None:
    if not roles.is_admin(request.user):
        raise exceptions.PermissionDenied("Only administrators may do this.")


def destroy_refused_schema(*, summary: str, reason: str, detail: str) -> Any:
    """The schema of a delete that answers 204, or 409 with ``detail`` when the object is
    still in use (``reason`` names the case)."""
    return extend_schema(
        summary=summary,
        responses={
            204: None,
            409: OpenApiResponse(ErrorSerializer, description=f"{reason}."),
        },
        examples=[
            OpenApiExample(
                reason, value={"detail": detail}, response_only=True, status_codes=["409"]
            )
        ],
    )


# --- groups ----------------------------------------------------------------------------

WORKING_HOURS_EXAMPLE = [
    {"weekday": weekday, "start": "09:00", "end": "18:00"} for weekday in range(5)
]
GROUP_SUPPORT_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "name": "Support",
    "routing_strategy": "least_busy",
    "default_max_sessions": 3,
    "no_answer_timeout_s": 60,
    "inactivity_timeout_s": 900,
    "sla_target_s": 60,
    "abandon_after_s": 120,
    "time_zone": "Europe/London",
    "working_hours": WORKING_HOURS_EXAMPLE,
    "holidays": ["2025-12-25", "2025-12-26"],
    "offline_message": "We answer Monday to Friday, 9:00 to 18:00 London time. Leave a "
    "message and we will write back.",
    "members": [1, 2],
    "supervisors": [2],
    "created_at": "2025-03-01T09:00:00Z",
}
GROUP_SALES_EXAMPLE: dict[str, Any] = {
    "id": 2,
    "name": "Sales",
    "routing_strategy": "round_robin",
    "default_max_sessions": 5,
    "no_answer_timeout_s": None,
    "inactivity_timeout_s": 1800,
    "sla_target_s": 120,
    "abandon_after_s": 300,
    "time_zone": "Europe/London",
    "working_hours": None,
    "holidays": [],
    "offline_message": "",
    "members": [2],
    "supervisors": [],
    "created_at": "2025-03-01T09:02:00Z",
}
GROUP_RESPONSE_EXAMPLES = [
    OpenApiExample("Support (business hours)", value=GROUP_SUPPORT_EXAMPLE, response_only=True),
    OpenApiExample("Sales (always open)", value=GROUP_SALES_EXAMPLE, response_only=True),
]


@extend_schema_view(
    list=extend_schema(
        summary="Groups the caller belongs to or supervises (admins: all)",
        examples=GROUP_RESPONSE_EXAMPLES,
    ),
    retrieve=extend_schema(summary="One group", examples=GROUP_RESPONSE_EXAMPLES),
    create=extend_schema(
        summary="Create a group (admins)",
        request=GroupInputSerializer,
        responses={201: GroupOutputSerializer},
        examples=[
            OpenApiExample(
                "Support, open on weekdays",
                value={
                    key: value
                    for key, value in GROUP_SUPPORT_EXAMPLE.items()
                    if key not in ("id", "created_at")
                },
                request_only=True,
            ),
            OpenApiExample(
                "Sales, only a name: the defaults for the rest",
                value={"name": "Sales"},
                request_only=True,
            ),
            OpenApiExample(
                "Created", value=GROUP_SUPPORT_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a group (admins); lists given replace the stored ones",
        request=GroupInputSerializer,
        responses={200: GroupOutputSerializer},
        examples=[
            OpenApiExample(
                "Boris first in round-robin, and supervisor",
                value={"members": [2, 1], "supervisors": [2]},
                request_only=True,
            ),
            OpenApiExample(
                "Open around the clock", value={"working_hours": None}, request_only=True
            ),
            OpenApiExample("Changed", value=GROUP_SUPPORT_EXAMPLE, response_only=True),
        ],
    ),
    destroy=destroy_refused_schema(
        summary="Delete a group with no open sessions (admins); 409 otherwise",
        reason="Open sessions",
        detail="The group still has open sessions; close or transfer them first.",
    ),
)
class GroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Teams that sessions are routed to. Admins see and change every group; operators
    and supervisors see the groups they are a member or supervisor of, read only (403 on
    writes); other groups answer 404. ``working_hours`` null means always open; an empty
    list means never open."""

    serializer_class = GroupOutputSerializer
    queryset = Group.objects.none()

    def get_queryset(self) -> QuerySet[Group]:
        return selectors.group_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        _require_admin(request)
        data = GroupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.group_create(**data.validated_data)
        return Response(self._shape(group.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        _require_admin(request)
        data = GroupInputSerializer(instance=group, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.group_update(group=group, data=data.validated_data)
        return Response(self._shape(group.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        _require_admin(request)
        services.group_delete(group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return GroupOutputSerializer(self.get_queryset().get(pk=pk)).data


# --- operators -------------------------------------------------------------------------

SUPERVISOR_FIELDS = frozenset({"max_sessions", "status"})

OPERATOR_ANNA_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "username": "anna",
    "display_name": "Anna",
    "name": "Anna",
    "max_sessions": 4,
    "groups": [1],
    "supervised_groups": [],
    "status": "online",
    "active_sessions": 2,
    "connected": True,
    "language": "en",
    "last_assigned_at": "2025-03-03T10:02:15Z",
    "created_at": "2025-03-01T09:05:00Z",
}
OPERATOR_BORIS_EXAMPLE: dict[str, Any] = {
    "id": 2,
    "username": "boris",
    "display_name": "Boris",
    "name": "Boris",
    "max_sessions": None,
    "groups": [1, 2],
    "supervised_groups": [1],
    "status": "away",
    "active_sessions": 1,
    "connected": True,
    "language": "en",
    "last_assigned_at": "2025-03-03T09:48:30Z",
    "created_at": "2025-03-01T09:06:00Z",
}
OPERATOR_RESPONSE_EXAMPLES = [
    OpenApiExample("Anna, online", value=OPERATOR_ANNA_EXAMPLE, response_only=True),
    OpenApiExample(
        "Boris, away, on the group default limit",
        value=OPERATOR_BORIS_EXAMPLE,
        response_only=True,
    ),
]


@extend_schema_view(
    list=extend_schema(summary="Operators the caller may see", examples=OPERATOR_RESPONSE_EXAMPLES),
    retrieve=extend_schema(summary="One operator", examples=OPERATOR_RESPONSE_EXAMPLES),
    create=extend_schema(
        summary="Create an operator and their login (admins)",
        request=OperatorInputSerializer,
        responses={201: OperatorOutputSerializer},
        examples=[
            OpenApiExample(
                "Anna in Support",
                value={
                    "username": "anna",
                    "password": "correct-horse-battery-staple",
                    "display_name": "Anna",
                    "max_sessions": 4,
                    "groups": [1],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created (offline until Anna signs in)",
                value={
                    **OPERATOR_ANNA_EXAMPLE,
                    "status": "offline",
                    "active_sessions": 0,
                    "connected": False,
                    "language": "en",
                    "last_assigned_at": None,
                    "created_at": "2025-03-01T09:05:00Z",
                },
                response_only=True,
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change an operator (admins; supervisors: max_sessions and status)",
        request=OperatorInputSerializer,
        responses={200: OperatorOutputSerializer},
        examples=[
            OpenApiExample(
                "A supervisor raises the limit", value={"max_sessions": 5}, request_only=True
            ),
            OpenApiExample(
                "An admin adds Anna to Sales", value={"groups": [1, 2]}, request_only=True
            ),
            OpenApiExample(
                "Changed",
                value={**OPERATOR_ANNA_EXAMPLE, "max_sessions": 5},
                response_only=True,
            ),
        ],
    ),
)
class OperatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """People who answer sessions. Admins see, create and change every operator (creating
    one creates its login). Supervisors see the operators of the groups they supervise and
    change only their ``max_sessions`` and ``status``. Operators see themselves and the
    members of their groups, read only; they set their own status via ``operators/me/``.
    Operators are not deleted through the API (deactivate the user instead)."""

    serializer_class = OperatorOutputSerializer
    queryset = Operator.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Operator]:
        return selectors.operator_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        _require_admin(request)
        data = OperatorInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        operator = services.operator_create(**data.validated_data)
        return Response(self._shape(operator.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        operator = self.get_object()
        data = OperatorInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if not roles.is_admin(request.user):
            if not selectors.operator_is_supervised_by(operator=operator, user=request.user):
                raise exceptions.PermissionDenied(
                    "Only administrators and the operator's supervisors may change it."
                )
            if data.validated_data.keys() - SUPERVISOR_FIELDS:
                raise exceptions.PermissionDenied(
                    "Supervisors may change only max_sessions and status."
                )
        services.operator_update(operator=operator, data=data.validated_data)
        return Response(self._shape(operator.pk))

    @extend_schema(
        methods=["GET"],
        summary="The caller's own operator record (404: none)",
        request=None,
        examples=[OpenApiExample("Anna", value=OPERATOR_ANNA_EXAMPLE, response_only=True)],
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Set the caller's own status",
        request=OperatorStatusInputSerializer,
        examples=[
            OpenApiExample("Step away", value={"status": "away"}, request_only=True),
            OpenApiExample(
                "Anna is away",
                value={**OPERATOR_ANNA_EXAMPLE, "status": "away"},
                response_only=True,
            ),
        ],
    )
    @action(detail=False, methods=["get", "patch"], url_path="me", pagination_class=None)
    def me(self, request: Request) -> Response:
        operator = selectors.operator_get_for_user(user=request.user)
        if operator is None:
            raise exceptions.NotFound("You have no operator record.")
        if request.method == "PATCH":
            data = OperatorStatusInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            if "language" in data.validated_data:
                services.operator_update(
                    operator=operator, data={"language": data.validated_data["language"]}
                )
            if "status" in data.validated_data:
                services.operator_status_set(
                    operator=operator, status=data.validated_data["status"]
                )
        return Response(self._shape(operator.pk))

    def _shape(self, pk: int) -> Any:
        operators = selectors.operator_with_load(operators=Operator.objects.filter(pk=pk))
        return OperatorOutputSerializer(operators.get()).data


# --- channels --------------------------------------------------------------------------

CHANNEL_WIDGET_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "type": "widget",
    "name": "Website chat",
    "key": "k7Qm2xVb9RtL4sWn8YcE3hJa",
    "default_group": 1,
    "topics": [
        {"id": 1, "title": "Billing", "group": 1},
        {"id": 2, "title": "Buy a plan", "group": 2},
    ],
    "config": {
        "title": "Chat with us",
        "color": "#2563eb",
        "greeting": "Hi! How can we help?",
        "allowed_origins": ["https://www.example.com"],
    },
    "is_active": True,
    "created_at": "2025-03-01T09:10:00Z",
}
CHANNEL_TELEGRAM_EXAMPLE: dict[str, Any] = {
    "id": 2,
    "type": "telegram",
    "name": "Telegram bot",
    "key": "Xp4nB8sLq2ZcV6tHw9RyK3mD",
    "default_group": 1,
    "topics": [],
    "config": {"allowed_origins": []},
    "is_active": True,
    "created_at": "2025-03-01T09:12:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="Channels (admins)",
        examples=[
            OpenApiExample("The website widget", value=CHANNEL_WIDGET_EXAMPLE, response_only=True),
            OpenApiExample(
                "A Telegram bot (secrets hidden)",
                value=CHANNEL_TELEGRAM_EXAMPLE,
                response_only=True,
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One channel (admins)",
        examples=[
            OpenApiExample("The website widget", value=CHANNEL_WIDGET_EXAMPLE, response_only=True)
        ],
    ),
    create=extend_schema(
        summary="Create a channel (admins)",
        request=ChannelInputSerializer,
        responses={201: ChannelOutputSerializer},
        examples=[
            OpenApiExample(
                "A website widget with two topics",
                value={
                    "type": "widget",
                    "name": "Website chat",
                    "default_group": 1,
                    "topics": [
                        {"title": "Billing", "group": 1},
                        {"title": "Buy a plan", "group": 2},
                    ],
                    "config": CHANNEL_WIDGET_EXAMPLE["config"],
                },
                request_only=True,
            ),
            OpenApiExample(
                "A Telegram bot",
                value={
                    "type": "telegram",
                    "name": "Telegram bot",
                    "default_group": 1,
                    "config": {
                        "bot_token": "7012345678:AAH3xQ-example-token",
                        "webhook_secret": "s3cr3t-webhook-value",
                    },
                },
                request_only=True,
            ),
            OpenApiExample("Created", value=CHANNEL_WIDGET_EXAMPLE, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a channel (admins); secrets left out are kept, topics replaced",
        request=ChannelInputSerializer,
        responses={200: ChannelOutputSerializer},
        examples=[
            OpenApiExample(
                "Rename a topic, add one, drop the rest",
                value={
                    "topics": [
                        {"id": 1, "title": "Billing and invoices", "group": 1},
                        {"title": "Partnerships", "group": 2},
                    ]
                },
                request_only=True,
            ),
            OpenApiExample("Switch off", value={"is_active": False}, request_only=True),
            OpenApiExample(
                "Changed",
                value={**CHANNEL_WIDGET_EXAMPLE, "is_active": False},
                response_only=True,
            ),
        ],
    ),
    destroy=destroy_refused_schema(
        summary="Delete a channel that has no conversations (admins); 409 otherwise",
        reason="It has conversations",
        detail="The channel has conversations; deactivate it instead of deleting it.",
    ),
)
class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Intake points: admins only (403 for anyone else). Secrets in ``config`` are write
    only and kept when an update leaves them out or blank; ``config.allowed_origins`` lists
    the web origins allowed to embed the widget. ``topics`` given on update replace the
    list: entries with an ``id`` update that topic, entries without create one, topics
    left out are deleted. A channel with conversations cannot be deleted (409)."""

    serializer_class = ChannelOutputSerializer
    queryset = Channel.objects.none()
    permission_classes = [IsAdmin]

    def get_queryset(self) -> QuerySet[Channel]:
        return selectors.channel_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = ChannelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.channel_create(**data.validated_data)
        return Response(self._shape(channel.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        channel = self.get_object()
        data = ChannelInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.channel_update(channel=channel, data=data.validated_data)
        return Response(self._shape(channel.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        services.channel_delete(channel=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return ChannelOutputSerializer(self.get_queryset().get(pk=pk)).data


class QueueListView(APIView):
    """The queues of the caller's groups: size and the oldest waiting session's time."""

    @extend_schema(
        summary="Queues of my groups",
        examples=[
            OpenApiExample(
                "Support has three waiting",
                value={
                    "group": 1,
                    "name": "Support",
                    "size": 3,
                    "oldest_queued_at": "2025-03-03T10:04:05+00:00",
                },
                response_only=True,
            )
        ],
        responses=inline_serializer(
            "Queue",
            {
                "group": serializers.IntegerField(),
                "name": serializers.CharField(),
                "size": serializers.IntegerField(),
                "oldest_queued_at": serializers.DateTimeField(allow_null=True),
            },
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.queue_summary(user=request.user))


router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("operators", OperatorViewSet, basename="operator")
router.register("channels", ChannelViewSet, basename="channel")
router.register("sessions", SessionViewSet, basename="session")
