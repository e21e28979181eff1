"""``leads/``: sales opportunities, filtered, searched and ordered."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from contactcenter import roles
from contactcenter.api_common import ApiViewSet
from contactcenter.api_filters import ListFilterBackend
from crm import selectors, services
from crm.api import examples, filters
from crm.models import Contact, Lead
from crm.serializers import (
    LeadCreateInputSerializer,
    LeadInputSerializer,
    LeadOutputSerializer,
)


def _check_owner(request: Request, data: dict[str, Any]) -> None:
    owner = data.get("owner")
    if "owner" in data and owner != request.user and not roles.is_crm_manager(request.user):
        raise exceptions.PermissionDenied("Only CRM managers make someone else a lead's owner.")


@extend_schema_view(
    list=extend_schema(
        summary="Leads the caller may see, filtered, searched and ordered",
        parameters=filters.LEAD_PARAMETERS,
        examples=examples.LEAD_LIST_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="One lead",
        examples=examples.LEAD_RETRIEVE_EXAMPLES,
    ),
    create=extend_schema(
        summary="Create a lead for a contact the caller may see",
        request=LeadCreateInputSerializer,
        responses={
            201: LeadOutputSerializer,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="An open lead of this contact from this session (without a "
                "session: with this title) exists; `lead` and `url` name it.",
            ),
        },
        examples=examples.LEAD_CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change a lead the caller may see (a stage change fires LeadStageChanged)",
        request=LeadInputSerializer,
        responses={200: LeadOutputSerializer},
        examples=examples.LEAD_UPDATE_EXAMPLES,
    ),
)
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Sales opportunities, each of one contact, in a pipeline at a stage. Admins and CRM
    managers see and change every lead. Anyone else sees and changes the leads they own
    and the leads of contacts they may see (contacts in sessions of their groups), and
    creates leads for those contacts; only CRM managers make someone else the owner
    (403). Other leads answer 404. On creation ``owner`` defaults to the caller,
    ``pipeline`` to the stage's pipeline or the default one, ``stage`` to the pipeline's
    first; a stage must belong to the lead's pipeline and a session to the lead's contact
    (400). ``fields`` is a free JSON object, replaced as a whole on update. Leads are not
    deleted through the API: set the status to ``lost`` or ``disqualified``."""

    serializer_class = LeadOutputSerializer
    queryset = Lead.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = filters.LeadFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Lead]:
        return selectors.lead_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = LeadCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        contact = selectors.contact_get(user=request.user, contact_id=values.pop("contact"))
        if contact is None:
            raise exceptions.ValidationError({"contact": ["No such contact."]})
        _check_owner(request, values)
        values.setdefault("owner", request.user)
        values["session"] = self._session(values.get("session"), contact)
        try:
            lead = services.lead_create(contact=contact, **values)
        except services.LeadDuplicate as duplicate:
            return Response(
                {
                    "detail": duplicate.message,
                    "lead": duplicate.lead.pk,
                    "url": reverse("crm:lead", args=[duplicate.lead.pk]),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self._shape(lead.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        lead = self.get_object()
        data = LeadInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        _check_owner(request, values)
        if "session" in values:
            values["session"] = self._session(values["session"], lead.contact)
        services.lead_update(lead=lead, data=values)
        return Response(self._shape(lead.pk))

    @staticmethod
    def _session(session_id: int | None, contact: Contact) -> Any:
        if session_id is None:
            return None
        session = selectors.session_of_contact(session_id=session_id, contact=contact)
        if session is None:
            raise exceptions.ValidationError({"session": ["No such session of this contact."]})
        return session

    def _shape(self, pk: int) -> Any:
        return LeadOutputSerializer(
            Lead.objects.select_related("contact", "pipeline", "stage", "owner").get(pk=pk)
        ).data
