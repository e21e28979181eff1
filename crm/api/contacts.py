"""``contacts/``: customers, and folding one contact into another (``merge/``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contactcenter.api_common import ApiViewSet
from contactcenter.api_filters import ListFilterBackend
from crm import selectors, services
from crm.api import examples, filters
from crm.api.access import require_crm_manager
from crm.models import Contact
from crm.serializers import (
    ContactCreateInputSerializer,
    ContactInputSerializer,
    ContactMergeInputSerializer,
    ContactOutputSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="Contacts the caller may see",
        parameters=filters.CONTACT_PARAMETERS,
        examples=examples.CONTACT_LIST_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="One contact",
        examples=examples.CONTACT_RETRIEVE_EXAMPLES,
    ),
    create=extend_schema(
        summary="Create a contact (admins, CRM managers)",
        request=ContactCreateInputSerializer,
        responses={
            201: ContactOutputSerializer,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT, description="An identity belongs to another contact."
            ),
        },
        examples=examples.CONTACT_CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change a contact the caller may see",
        request=ContactInputSerializer,
        responses={200: ContactOutputSerializer},
        examples=examples.CONTACT_UPDATE_EXAMPLES,
    ),
)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Customers. Admins and CRM managers see, create, change and merge every contact.
    Operators and supervisors see the contacts in sessions of their groups and may change
    them, but not create (403) or merge (403) them; other contacts answer 404, as do
    contacts merged into another. ``identities`` are set on creation only (409 when one
    belongs to another contact); ``attributes`` given on update replace the object."""

    serializer_class = ContactOutputSerializer
    queryset = Contact.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = filters.ContactFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Contact]:
        return selectors.contact_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        require_crm_manager(request)
        data = ContactCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_create(**data.validated_data)
        return Response(self._shape(contact.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        data = ContactInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.contact_update(contact=contact, data=data.validated_data)
        return Response(self._shape(contact.pk))

    @extend_schema(
        summary="Fold another contact into this one (admins, CRM managers)",
        request=ContactMergeInputSerializer,
        responses={200: ContactOutputSerializer},
        examples=examples.CONTACT_MERGE_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        require_crm_manager(request)
        data = ContactMergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = selectors.contact_get(user=request.user, contact_id=data.validated_data["source"])
        if source is None:
            raise exceptions.ValidationError({"source": ["No such contact."]})
        services.contact_merge(target=target, source=source)
        return Response(self._shape(target.pk))

    def _shape(self, pk: int) -> Any:
        return ContactOutputSerializer(
            Contact.objects.prefetch_related("identities").get(pk=pk)
        ).data
