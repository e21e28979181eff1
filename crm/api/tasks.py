"""``tasks/``: CRM managers' to-dos and their assignees."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
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
from crm.api.access import require_crm_manager
from crm.models import Task
from crm.serializers import (
    TaskInputSerializer,
    TaskOutputSerializer,
)

ASSIGNEE_FIELDS = frozenset({"done"})


@extend_schema_view(
    list=extend_schema(
        summary="Tasks the caller may see: open first by due date, then done",
        parameters=filters.TASK_PARAMETERS,
        examples=examples.TASK_LIST_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="One task",
        examples=examples.TASK_RETRIEVE_EXAMPLES,
    ),
    create=extend_schema(
        summary="Create a task (admins, CRM managers); assignee defaults to the caller",
        request=TaskInputSerializer,
        responses={201: TaskOutputSerializer},
        examples=examples.TASK_CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change a task (admins, CRM managers; assignees: only done)",
        request=TaskInputSerializer,
        responses={200: TaskOutputSerializer},
        examples=examples.TASK_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete a task (admins, CRM managers)", responses={204: None}),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """To-dos of CRM managers, about a lead, a contact or nothing in particular. Admins
    and CRM managers see, create, change and delete every task. Anyone else sees the
    tasks assigned to them (others answer 404) and only marks them done or not done
    (403 for any other change). ``done`` is true once ``done_at`` is set; ``is_overdue``
    is an open task past ``due_at``. ``?mine=1`` lists the caller's own tasks."""

    serializer_class = TaskOutputSerializer
    queryset = Task.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = filters.TaskFilterSet

    def get_queryset(self) -> QuerySet[Task]:
        return selectors.task_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        require_crm_manager(request)
        data = TaskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        done = values.pop("done", False)
        values.setdefault("assignee", request.user)
        task = services.task_create(**values)
        if done:
            services.task_done(task=task)
        return Response(self._shape(task.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if data.validated_data.keys() - ASSIGNEE_FIELDS and not roles.is_crm_manager(request.user):
            raise exceptions.PermissionDenied("Assignees only mark their tasks done or not.")
        services.task_update(task=task, data=data.validated_data)
        return Response(self._shape(task.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        require_crm_manager(request)
        services.task_delete(task=task)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return TaskOutputSerializer(
            Task.objects.select_related("assignee", "lead", "contact").get(pk=pk)
        ).data
