"""REST API of labels: ``labels/``. Everyone signed in reads them; admins create,
change and delete them. Putting labels on a session is ``sessions/{id}/labels/``
(``routing.sessions_api.SessionViewSet``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from contactcenter import roles
from contactcenter.api_common import ApiViewSet
from inbox import selectors, services
from inbox.models import Label
from inbox.serializers import (
    LabelInputSerializer,
    LabelOutputSerializer,
)

LABEL_BILLING_EXAMPLE: dict[str, Any] = {
    "id": 2,
    "name": "billing",
    "color": "#2563eb",
    "description": "Invoices, plans and payments.",
    "created_at": "2025-03-01T09:20:00+00:00",
}
LABEL_VIP_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "name": "vip",
    "color": "#d97706",
    "description": "",
    "created_at": "2025-03-01T09:21:00+00:00",
}


# --- the view set ---------------------------------------------------------------------


def _require_admin(request: Request) -> None:
    if not roles.is_admin(request.user):
        raise exceptions.PermissionDenied("Only administrators may do this.")


LABEL_RESPONSE_EXAMPLES = [
    OpenApiExample("billing", value=LABEL_BILLING_EXAMPLE, response_only=True),
    OpenApiExample("vip", value=LABEL_VIP_EXAMPLE, response_only=True),
]


@extend_schema_view(
    list=extend_schema(summary="Labels (everyone may read them)", examples=LABEL_RESPONSE_EXAMPLES),
    retrieve=extend_schema(summary="One label", examples=LABEL_RESPONSE_EXAMPLES),
    create=extend_schema(
        summary="Create a label (admins)",
        request=LabelInputSerializer,
        responses={201: LabelOutputSerializer},
        examples=[
            OpenApiExample(
                "billing",
                value={
                    "name": "billing",
                    "color": "#2563eb",
                    "description": "Invoices, plans and payments.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created", value=LABEL_BILLING_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a label (admins)",
        request=LabelInputSerializer,
        responses={200: LabelOutputSerializer},
        examples=[
            OpenApiExample("Recolour", value={"color": "#16a34a"}, request_only=True),
            OpenApiExample(
                "Changed", value={**LABEL_BILLING_EXAMPLE, "color": "#16a34a"}, response_only=True
            ),
        ],
    ),
    destroy=extend_schema(
        summary="Delete a label (admins); it comes off every session", responses={204: None}
    ),
)
class LabelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Labels that staff put on conversations. Everyone signed in reads them; admins
    create, change and delete them (403 for anyone else). Names are unique regardless of
    case (400 on a clash)."""

    serializer_class = LabelOutputSerializer
    queryset = Label.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Label]:
        return selectors.label_list()

    def create(self, request: Request) -> Response:
        _require_admin(request)
        data = LabelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        label = self._saved(lambda: services.label_create(**data.validated_data))
        return Response(LabelOutputSerializer(label).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        label = self.get_object()
        _require_admin(request)
        data = LabelInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        label = self._saved(lambda: services.label_update(label=label, **data.validated_data))
        return Response(LabelOutputSerializer(label).data)

    def destroy(self, request: Request, pk: str) -> Response:
        label = self.get_object()
        _require_admin(request)
        services.label_delete(label=label)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _saved(write: Any) -> Label:
        try:
            return write()
        except services.MessageRejected as refused:
            raise serializers.ValidationError({"name": [refused.detail]}) from None


router = SimpleRouter()
router.register("labels", LabelViewSet, basename="label")
