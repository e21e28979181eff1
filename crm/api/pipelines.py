"""``pipelines/``: sales funnels and their stages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from contactcenter.api_common import ApiViewSet
from crm import selectors, services
from crm.api import examples
from crm.api.access import require_crm_manager
from crm.models import Pipeline
from crm.serializers import (
    PipelineInputSerializer,
    PipelineOutputSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="Pipelines with their stages in order",
        examples=examples.PIPELINE_LIST_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="One pipeline",
        examples=examples.PIPELINE_RETRIEVE_EXAMPLES,
    ),
    create=extend_schema(
        summary="Create a pipeline with its stages (admins, CRM managers)",
        request=PipelineInputSerializer,
        responses={201: PipelineOutputSerializer},
        examples=examples.PIPELINE_CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change a pipeline (admins, CRM managers); stages given replace the list",
        request=PipelineInputSerializer,
        responses={200: PipelineOutputSerializer},
        examples=examples.PIPELINE_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(
        summary="Delete a pipeline without leads (admins, CRM managers); 409 otherwise",
        responses={204: None},
    ),
)
class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Sales funnels: ordered stages a lead moves through. Anyone signed in reads them;
    admins and CRM managers create, change and delete them (403 for anyone else). One
    pipeline is the default, where new leads go; marking another default moves the flag.
    ``stages`` given on update replace the list: entries with an ``id`` keep (rename,
    reorder) that stage, entries without create one, stages left out are deleted. A stage
    or pipeline that still holds leads cannot be deleted (409)."""

    serializer_class = PipelineOutputSerializer
    queryset = Pipeline.objects.none()

    def get_queryset(self) -> QuerySet[Pipeline]:
        return selectors.pipeline_list()

    def create(self, request: Request) -> Response:
        require_crm_manager(request)
        data = PipelineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pipeline = services.pipeline_create(**data.validated_data)
        return Response(self._shape(pipeline.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        pipeline = self.get_object()
        require_crm_manager(request)
        data = PipelineInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.pipeline_update(pipeline=pipeline, data=data.validated_data)
        return Response(self._shape(pipeline.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        pipeline = self.get_object()
        require_crm_manager(request)
        services.pipeline_delete(pipeline=pipeline)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return PipelineOutputSerializer(self.get_queryset().get(pk=pk)).data
