"""REST API of the crm app: ``contacts/`` (with ``merge/``), ``leads/``, ``pipelines/``
and ``tasks/``.

Who may do what (an object the caller may not see answers 404):

- admins and CRM managers see, create, change and merge every contact;
- operators and supervisors see the contacts that appear in sessions of their groups and
  may change them (the contact card in the inbox), but neither create (403: a new
  contact has no session of theirs) nor merge (403) them;
- leads: admins and CRM managers see and change all; anyone else sees and changes the
  leads they own and the leads of contacts they may see, and creates leads for those
  contacts, owned by themselves (403 when giving another owner);
- pipelines: anyone signed in reads them; admins and CRM managers change them (403);
- tasks: admins and CRM managers see, create, change and delete all; anyone else sees
  the tasks assigned to them and only marks them done or not done (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from contactcenter import roles
from contactcenter.api_common import ApiViewSet, parse_id, query_flag
from crm import selectors, services
from crm.models import Contact, Lead, LeadStatus, Pipeline, Task
from crm.serializers import (
    ContactCreateInputSerializer,
    ContactInputSerializer,
    ContactMergeInputSerializer,
    ContactOutputSerializer,
    LeadCreateInputSerializer,
    LeadInputSerializer,
    LeadOutputSerializer,
    PipelineInputSerializer,
    PipelineOutputSerializer,
    TaskInputSerializer,
    TaskOutputSerializer,
)


def _require_crm_manager(request: Request) -> None:
    if not roles.is_crm_manager(request.user):
        raise exceptions.PermissionDenied("Only administrators and CRM managers may do this.")


CONTACT_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "name": "Ada Lovelace",
    "display_name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0958",
    "attributes": {"plan": "team", "company": "Analytical Engines Ltd"},
    "identities": [
        {"channel_type": "widget", "external_id": "1:5f0c8e2a9b7d4c31a6e2f8b0d9c4a7e1"},
        {"channel_type": "telegram", "external_id": "100200300"},
    ],
    "created_at": "2025-03-03T10:02:10Z",
    "updated_at": "2025-03-03T10:06:40Z",
}
CONTACT_CREATE_EXAMPLE: dict[str, Any] = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0958",
    "attributes": {"plan": "team", "company": "Analytical Engines Ltd"},
    "identities": [{"channel_type": "telegram", "external_id": "100200300"}],
}


@extend_schema_view(
    list=extend_schema(
        summary="Contacts the caller may see",
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description="Part of the name, e-mail, phone or an identity's external id.",
            )
        ],
        examples=[
            OpenApiExample("Found by ?search=ada", value=CONTACT_EXAMPLE, response_only=True)
        ],
    ),
    retrieve=extend_schema(
        summary="One contact",
        examples=[OpenApiExample("Ada Lovelace", value=CONTACT_EXAMPLE, response_only=True)],
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
        examples=[
            OpenApiExample(
                "With a Telegram identity", value=CONTACT_CREATE_EXAMPLE, request_only=True
            ),
            OpenApiExample(
                "Created",
                value={
                    **CONTACT_EXAMPLE,
                    "identities": CONTACT_CREATE_EXAMPLE["identities"],
                    "updated_at": CONTACT_EXAMPLE["created_at"],
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "The identity is someone else's",
                value={
                    "detail": "The identity telegram 100200300 already belongs to another contact."
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a contact the caller may see",
        request=ContactInputSerializer,
        responses={200: ContactOutputSerializer},
        examples=[
            OpenApiExample(
                "Add a phone, replace the attributes",
                value={
                    "phone": "+44 20 7946 0958",
                    "attributes": {"plan": "team", "company": "Analytical Engines Ltd"},
                },
                request_only=True,
            ),
            OpenApiExample("Changed", value=CONTACT_EXAMPLE, response_only=True),
        ],
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
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Contact]:
        search = self.request.query_params.get("search", "") if self.action == "list" else ""
        return selectors.contact_list(user=self.request.user, search=search)

    def create(self, request: Request) -> Response:
        _require_crm_manager(request)
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
        examples=[
            OpenApiExample(
                "Fold Ada's duplicate (contact 19) into Ada (7)",
                value={"source": 19},
                request_only=True,
            ),
            OpenApiExample(
                "Ada with the duplicate's identities", value=CONTACT_EXAMPLE, response_only=True
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        _require_crm_manager(request)
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


# --- pipelines --------------------------------------------------------------------------

PIPELINE_EXAMPLE = {
    "id": 1,
    "name": "Sales",
    "is_default": True,
    "stages": [
        {"id": 1, "name": "New", "position": 0},
        {"id": 2, "name": "Proposal", "position": 1},
        {"id": 3, "name": "Negotiation", "position": 2},
        {"id": 4, "name": "Contract", "position": 3},
    ],
    "created_at": "2025-03-01T09:00:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="Pipelines with their stages in order",
        examples=[OpenApiExample("Pipelines", value=PIPELINE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One pipeline",
        examples=[OpenApiExample("A pipeline", value=PIPELINE_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Create a pipeline with its stages (admins, CRM managers)",
        request=PipelineInputSerializer,
        responses={201: PipelineOutputSerializer},
        examples=[
            OpenApiExample(
                "A funnel",
                value={
                    "name": "Sales",
                    "is_default": True,
                    "stages": [
                        {"name": "New"},
                        {"name": "Proposal"},
                        {"name": "Negotiation"},
                        {"name": "Contract"},
                    ],
                },
                request_only=True,
            ),
            OpenApiExample("Created", value=PIPELINE_EXAMPLE, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a pipeline (admins, CRM managers); stages given replace the list",
        request=PipelineInputSerializer,
        responses={200: PipelineOutputSerializer},
        examples=[
            OpenApiExample(
                "Rename a stage, add one, drop one",
                value={
                    "stages": [
                        {"id": 1, "name": "Incoming"},
                        {"id": 2, "name": "Proposal"},
                        {"id": 4, "name": "Contract"},
                        {"name": "Paid"},
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "Changed",
                value={
                    **PIPELINE_EXAMPLE,
                    "stages": [
                        {"id": 1, "name": "Incoming", "position": 0},
                        {"id": 2, "name": "Proposal", "position": 1},
                        {"id": 4, "name": "Contract", "position": 2},
                        {"id": 5, "name": "Paid", "position": 3},
                    ],
                },
                response_only=True,
            ),
        ],
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
        _require_crm_manager(request)
        data = PipelineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pipeline = services.pipeline_create(**data.validated_data)
        return Response(self._shape(pipeline.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        pipeline = self.get_object()
        _require_crm_manager(request)
        data = PipelineInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.pipeline_update(pipeline=pipeline, data=data.validated_data)
        return Response(self._shape(pipeline.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        pipeline = self.get_object()
        _require_crm_manager(request)
        services.pipeline_delete(pipeline=pipeline)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return PipelineOutputSerializer(self.get_queryset().get(pk=pk)).data


# --- leads ------------------------------------------------------------------------------

LEAD_EXAMPLE = {
    "id": 42,
    "contact": 7,
    "contact_name": "Ada Lovelace",
    "session": 315,
    "title": "Ada — annual plan",
    "pipeline": 1,
    "pipeline_name": "Sales",
    "stage": 2,
    "stage_name": "Proposal",
    "owner": 5,
    "owner_name": "Anna",
    "status": "in_progress",
    "status_display": "In progress",
    "fields": {"seats": 12, "budget": 2400, "product": "Team plan, yearly"},
    "url": "/crm/leads/42/",
    "created_at": "2025-03-03T10:15:00Z",
    "updated_at": "2025-03-04T08:02:00Z",
}

LEAD_PARAMETERS = [
    OpenApiParameter("status", str, enum=LeadStatus.values, description="Only this status."),
    OpenApiParameter("pipeline", int, description="Only leads of this pipeline."),
    OpenApiParameter("stage", int, description="Only leads on this stage."),
    OpenApiParameter("owner", str, description='A user id, or "me" for the caller.'),
    OpenApiParameter("contact", int, description="Only leads of this contact."),
    OpenApiParameter("session", int, description="Only leads from this session."),
    OpenApiParameter("search", str, description="Part of the title, the contact's name or e-mail."),
    OpenApiParameter(
        "ordering",
        str,
        enum=[p + key for key in selectors.LEAD_ORDERINGS for p in ("", "-")],
        description='Sort key, "-" for descending; default "-id" (newest first).',
    ),
]


def _lead_filters(request: Request) -> selectors.LeadFilters:
    params = request.query_params
    filters: selectors.LeadFilters = {}
    status_ = params.get("status")
    if status_:
        if status_ not in LeadStatus.values:
            raise exceptions.ValidationError({"status": [f"One of: {', '.join(LeadStatus)}."]})
        filters["status"] = status_
    for field in ("pipeline", "stage", "contact", "session"):
        if params.get(field):
            filters[field] = parse_id(params[field], field=field)  # type: ignore[literal-required]
    owner = params.get("owner")
    if owner:
        filters["owner"] = request.user.pk if owner == "me" else parse_id(owner, field="owner")
    if params.get("search"):
        filters["search"] = params["search"]
    ordering = params.get("ordering")
    if ordering:
        if ordering.lstrip("-") not in selectors.LEAD_ORDERINGS or ordering.startswith("--"):
            raise exceptions.ValidationError(
                {
                    "ordering": [
                        f'One of: {", ".join(selectors.LEAD_ORDERINGS)} ("-" first: descending).'
                    ]
                }
            )
        filters["ordering"] = ordering
    return filters


def _check_owner(request: Request, data: dict[str, Any]) -> None:
    owner = data.get("owner")
    if "owner" in data and owner != request.user and not roles.is_crm_manager(request.user):
        raise exceptions.PermissionDenied("Only CRM managers make someone else a lead's owner.")


@extend_schema_view(
    list=extend_schema(
        summary="Leads the caller may see, filtered, searched and ordered",
        parameters=LEAD_PARAMETERS,
        examples=[OpenApiExample("Leads", value=LEAD_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One lead",
        examples=[OpenApiExample("A lead", value=LEAD_EXAMPLE, response_only=True)],
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
        examples=[
            OpenApiExample(
                "From a chat (owner: the caller; pipeline: the default; stage: its first)",
                value={"contact": 7, "session": 315, "title": "Ada — annual plan"},
                request_only=True,
            ),
            OpenApiExample(
                "Everything given",
                value={
                    "contact": 7,
                    "title": "Ada — annual plan",
                    "session": 315,
                    "pipeline": 1,
                    "stage": 2,
                    "owner": 5,
                    "status": "in_progress",
                    "fields": {"seats": 12, "budget": 2400, "product": "Team plan, yearly"},
                },
                request_only=True,
            ),
            OpenApiExample("Created", value=LEAD_EXAMPLE, response_only=True),
            OpenApiExample(
                "A second click",
                value={
                    "detail": "This customer already has an open lead from this "
                    "conversation: “Ada — annual plan”.",
                    "lead": 42,
                    "url": "/crm/leads/42/",
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a lead the caller may see (a stage change fires LeadStageChanged)",
        request=LeadInputSerializer,
        responses={200: LeadOutputSerializer},
        examples=[
            OpenApiExample("Move to another stage", value={"stage": 3}, request_only=True),
            OpenApiExample(
                "Close as won",
                value={"status": "won", "fields": {"seats": 12, "budget": 2400, "paid": True}},
                request_only=True,
            ),
            OpenApiExample(
                "Changed",
                value={
                    **LEAD_EXAMPLE,
                    "stage": 3,
                    "stage_name": "Negotiation",
                    "updated_at": "2025-03-04T09:30:00Z",
                },
                response_only=True,
            ),
        ],
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
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Lead]:
        filters = _lead_filters(self.request) if self.action == "list" else None
        return selectors.lead_list(user=self.request.user, filters=filters)

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


# --- tasks ------------------------------------------------------------------------------

TASK_EXAMPLE = {
    "id": 9,
    "title": "Send Ada the annual plan offer",
    "description": "12 seats, yearly billing; keep her invoice history.",
    "lead": 42,
    "lead_title": "Ada — annual plan",
    "contact": 7,
    "contact_name": "Ada Lovelace",
    "assignee": 5,
    "assignee_name": "Anna",
    "due_at": "2025-03-05T15:00:00Z",
    "done": False,
    "done_at": None,
    "is_overdue": False,
    "created_at": "2025-03-04T08:10:00Z",
}

ASSIGNEE_FIELDS = frozenset({"done"})


def _task_filters(request: Request) -> selectors.TaskFilters:
    filters: selectors.TaskFilters = {}
    for flag in ("mine", "done", "overdue"):
        value = query_flag(request, flag)
        if value is not None:
            filters[flag] = value  # type: ignore[literal-required]
    for field in ("assignee", "lead", "contact"):
        raw = request.query_params.get(field)
        if raw:
            filters[field] = parse_id(raw, field=field)  # type: ignore[literal-required]
    return filters


@extend_schema_view(
    list=extend_schema(
        summary="Tasks the caller may see: open first by due date, then done",
        parameters=[
            OpenApiParameter("mine", bool, description="1: only the caller's tasks."),
            OpenApiParameter("done", bool, description="1: only done; 0: only open."),
            OpenApiParameter("overdue", bool, description="1: only open tasks past due."),
            OpenApiParameter("assignee", int, description="Only tasks of this user."),
            OpenApiParameter("lead", int, description="Only tasks about this lead."),
            OpenApiParameter("contact", int, description="Only tasks about this contact."),
        ],
        examples=[OpenApiExample("Tasks", value=TASK_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One task",
        examples=[OpenApiExample("A task", value=TASK_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Create a task (admins, CRM managers); assignee defaults to the caller",
        request=TaskInputSerializer,
        responses={201: TaskOutputSerializer},
        examples=[
            OpenApiExample(
                "A follow-up about a lead",
                value={
                    "title": "Send Ada the annual plan offer",
                    "description": "12 seats, yearly billing; keep her invoice history.",
                    "lead": 42,
                    "assignee": 5,
                    "due_at": "2025-03-05T15:00:00Z",
                },
                request_only=True,
            ),
            OpenApiExample("Created", value=TASK_EXAMPLE, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a task (admins, CRM managers; assignees: only done)",
        request=TaskInputSerializer,
        responses={200: TaskOutputSerializer},
        examples=[
            OpenApiExample("Mark done", value={"done": True}, request_only=True),
            OpenApiExample("Postpone", value={"due_at": "2025-03-07T10:00:00Z"}, request_only=True),
            OpenApiExample(
                "Done",
                value={**TASK_EXAMPLE, "done": True, "done_at": "2025-03-05T11:20:00Z"},
                response_only=True,
            ),
        ],
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

    def get_queryset(self) -> QuerySet[Task]:
        filters = _task_filters(self.request) if self.action == "list" else None
        return selectors.task_list(user=self.request.user, filters=filters)

    def create(self, request: Request) -> Response:
        _require_crm_manager(request)
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
        _require_crm_manager(request)
        services.task_delete(task=task)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return TaskOutputSerializer(
            Task.objects.select_related("assignee", "lead", "contact").get(pk=pk)
        ).data


# --- identity: a contact's timeline and merge suggestions ------------------------------

from rest_framework import serializers  # noqa: E402

from crm import timeline  # noqa: E402
from crm.models import MergeResolution, MergeSuggestion  # noqa: E402


class TimelineEntrySerializer(serializers.Serializer):
    session = serializers.IntegerField(source="pk")
    dialog = serializers.IntegerField(source="dialog_id")
    channel = serializers.IntegerField(source="dialog.channel_id")
    channel_type = serializers.CharField(source="dialog.channel.type")
    channel_name = serializers.CharField(source="dialog.channel.name")
    group = serializers.IntegerField(source="group_id", allow_null=True)
    group_name = serializers.SerializerMethodField()
    operator = serializers.IntegerField(source="operator_id", allow_null=True)
    operator_name = serializers.SerializerMethodField()
    topic_title = serializers.SerializerMethodField()
    status = serializers.CharField()
    close_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    first_message_text = serializers.CharField(
        allow_null=True, help_text="The session's first customer message (null: none yet)."
    )

    def get_group_name(self, session: Any) -> str:
        return session.group.name if session.group_id else ""

    def get_operator_name(self, session: Any) -> str:
        return session.operator.name if session.operator_id else ""

    def get_topic_title(self, session: Any) -> str:
        return session.topic.title if session.topic_id else ""


class MergeSuggestionSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.__str__", read_only=True)
    candidate_name = serializers.CharField(source="candidate.__str__", read_only=True)
    candidate_email = serializers.CharField(source="candidate.email", read_only=True)
    candidate_phone = serializers.CharField(source="candidate.phone", read_only=True)
    resolution = serializers.ChoiceField(
        choices=MergeResolution.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty while the suggestion is open.",
    )

    class Meta:
        model = MergeSuggestion
        fields = [
            "id",
            "contact",
            "contact_name",
            "candidate",
            "candidate_name",
            "candidate_email",
            "candidate_phone",
            "reason",
            "created_at",
            "resolved",
            "resolution",
        ]
        read_only_fields = fields


TIMELINE_ENTRY_EXAMPLE: dict[str, Any] = {
    "session": 315,
    "dialog": 12,
    "channel": 1,
    "channel_type": "widget",
    "channel_name": "Website chat",
    "group": 1,
    "group_name": "Support",
    "operator": 1,
    "operator_name": "Anna",
    "topic_title": "Billing",
    "status": "closed",
    "close_reason": "resolved",
    "created_at": "2025-03-03T10:02:11Z",
    "closed_at": "2025-03-03T10:15:02Z",
    "first_message_text": "Hi! Can I switch my team to the annual plan?",
}
MERGE_SUGGESTION_EXAMPLE: dict[str, Any] = {
    "id": 4,
    "contact": 19,
    "contact_name": "Ada L.",
    "candidate": 7,
    "candidate_name": "Ada Lovelace",
    "candidate_email": "ada@example.org",
    "candidate_phone": "+44 20 7946 0958",
    "reason": "email",
    "created_at": "2025-03-05T08:41:00Z",
    "resolved": False,
    "resolution": "",
}


class ContactIdentityViewSet(ApiViewSet):
    """A contact across channels: its timeline of sessions in every dialog, and the
    merges the identity policy suggests (when an e-mail or phone it learned belongs to
    an older contact). Anyone who may see the contact reads them and accepts or
    dismisses its suggestions (the operator confirms what the product noticed); a
    contact the caller may not see answers 404."""

    serializer_class = MergeSuggestionSerializer
    queryset = MergeSuggestion.objects.none()

    def _contact(self, pk: str) -> Contact:
        contact = selectors.contact_get(user=self.request.user, contact_id=parse_id(pk))
        if contact is None:
            raise exceptions.NotFound()
        return contact

    def _suggestion(self, contact: Contact, suggestion_id: str) -> MergeSuggestion:
        suggestion = (
            timeline.merge_suggestions_open(contact=contact)
            .filter(pk=parse_id(suggestion_id))
            .first()
        )
        if suggestion is None:
            raise exceptions.NotFound()
        return suggestion

    @extend_schema(
        summary="The contact's sessions across every channel and dialog, newest first",
        responses={200: TimelineEntrySerializer(many=True)},
        examples=[
            OpenApiExample(
                "A website chat with Anna", value=TIMELINE_ENTRY_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "A Telegram chat still in the queue",
                value={
                    **TIMELINE_ENTRY_EXAMPLE,
                    "session": 402,
                    "dialog": 31,
                    "channel": 2,
                    "channel_type": "telegram",
                    "channel_name": "Telegram bot",
                    "operator": None,
                    "operator_name": "",
                    "topic_title": "",
                    "status": "queued",
                    "close_reason": "",
                    "created_at": "2025-03-06T16:20:00Z",
                    "closed_at": None,
                    "first_message_text": "Is the invoice for March ready?",
                },
                response_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=TimelineEntrySerializer)
    def timeline(self, request: Request, pk: str) -> Response:
        sessions = timeline.contact_timeline(user=request.user, contact=self._contact(pk))
        page = self.paginate_queryset(sessions)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(
        summary="Open merge suggestions naming the contact",
        responses={200: MergeSuggestionSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Same e-mail as Ada Lovelace", value=MERGE_SUGGESTION_EXAMPLE, response_only=True
            )
        ],
    )
    @action(detail=True, methods=["get"], url_path="merge-suggestions")
    def merge_suggestions(self, request: Request, pk: str) -> Response:
        suggestions = timeline.merge_suggestions_open(contact=self._contact(pk))
        page = self.paginate_queryset(suggestions)
        return self.get_paginated_response(MergeSuggestionSerializer(page, many=True).data)

    @extend_schema(
        summary="Accept a suggestion: its contact is merged into its candidate",
        request=None,
        responses={200: ContactOutputSerializer},
        examples=[
            OpenApiExample(
                "Ada, with the duplicate folded in", value=CONTACT_EXAMPLE, response_only=True
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"merge-suggestions/(?P<suggestion_id>[0-9]+)/merge",
        url_name="merge-suggestion-merge",
    )
    def merge_suggestion_merge(self, request: Request, pk: str, suggestion_id: str) -> Response:
        suggestion = self._suggestion(self._contact(pk), suggestion_id)
        target = services.merge_suggestion_accept(suggestion=suggestion)
        return Response(
            ContactOutputSerializer(
                Contact.objects.prefetch_related("identities").get(pk=target.pk)
            ).data
        )

    @extend_schema(
        summary="Dismiss a suggestion (the pair is not proposed again)",
        request=None,
        responses={200: MergeSuggestionSerializer},
        examples=[
            OpenApiExample(
                "Dismissed",
                value={**MERGE_SUGGESTION_EXAMPLE, "resolved": True, "resolution": "dismissed"},
                response_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"merge-suggestions/(?P<suggestion_id>[0-9]+)/dismiss",
        url_name="merge-suggestion-dismiss",
    )
    def merge_suggestion_dismiss(self, request: Request, pk: str, suggestion_id: str) -> Response:
        suggestion = self._suggestion(self._contact(pk), suggestion_id)
        dismissed = services.merge_suggestion_dismiss(suggestion=suggestion)
        return Response(MergeSuggestionSerializer(dismissed).data)


router = SimpleRouter()
router.register("contacts", ContactViewSet, basename="contact")
router.register("contacts", ContactIdentityViewSet, basename="contact-identity")
router.register("leads", LeadViewSet, basename="lead")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("tasks", TaskViewSet, basename="task")
