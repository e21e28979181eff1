"""REST API of the inbox app: sessions, their messages, dialog history, canned responses.

Who sees what: admins every session; others the sessions of the groups they belong to or
supervise and the sessions they hold (anything else answers 404). Only the session's own
operator may write in it (409 otherwise, per the contract).

``routing.api`` extends ``SessionViewSet`` with ``take/`` and ``transfer/`` and registers
it: assignment is routing's business.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.api_common import (
    ApiViewSet,
    ErrorSerializer,
    PageNumberPagination,
    PayloadTooLarge,
    parse_id,
)
from inbox import payloads, selectors, services
from inbox.models import CloseReason, Session, SessionStatus
from inbox.serializers import (
    AttachmentInputSerializer,
    CannedResponseSerializer,
    LabelAddInputSerializer,
    LabelsSetInputSerializer,
    MessageInputSerializer,
    MessageSerializer,
    NoteInputSerializer,
    ReadInputSerializer,
    SessionSerializer,
    VisitorContextSerializer,
)
from inbox.services import attachments as attachment_files

# Which field a message refused by the services (``MessageRejected.code``) is about.
REJECTED_FIELDS = {
    "empty": "text",
    "too_long": "text",
    "bad_text": "text",
    "bad_client_id": "client_id",
    "unfilled_placeholder": "text",
}


class MessagePagination(PageNumberPagination):
    page_size = 200


# --- examples: one conversation, Ada Lovelace asking on the website chat ---------------

SESSION_EXAMPLE: dict[str, Any] = {
    "id": 315,
    "dialog": 12,
    "contact": 7,
    "channel": 1,
    "group": 1,
    "operator": 1,
    "status": "active",
    "close_reason": "",
    "topic": 1,
    "priority": 0,
    "previous_session": None,
    "created_at": "2025-03-03T10:02:11+00:00",
    "queued_at": "2025-03-03T10:02:11+00:00",
    "assigned_at": "2025-03-03T10:02:15+00:00",
    "first_response_at": "2025-03-03T10:02:48+00:00",
    "closed_at": None,
    "last_contact_message_at": "2025-03-03T10:03:30+00:00",
    "contact_name": "Ada Lovelace",
    "contact_anonymous": False,
    "channel_type": "widget",
    "channel_name": "Website chat",
    "group_name": "Support",
    "operator_name": "Anna",
    "topic_title": "Billing",
    "sla_target_s": 60,
    "rating": None,
    "labels": [{"id": 2, "name": "billing", "color": "#2563eb"}],
    "unread_count": 1,
    "last_message": {
        "id": 1032,
        "text": "Great, and do I keep my invoices?",
        "sender_type": "contact",
        "created_at": "2025-03-03T10:03:30+00:00",
    },
}
SESSION_QUEUED_EXAMPLE: dict[str, Any] = {
    **SESSION_EXAMPLE,
    "id": 316,
    "operator": None,
    "status": "queued",
    "topic": 2,
    "assigned_at": None,
    "first_response_at": None,
    "last_contact_message_at": "2025-03-03T10:04:05+00:00",
    "operator_name": None,
    "topic_title": "Buy a plan",
    "group": 2,
    "group_name": "Sales",
    "sla_target_s": 120,
    "created_at": "2025-03-03T10:04:05+00:00",
    "queued_at": "2025-03-03T10:04:05+00:00",
    "last_message": {
        "id": 1040,
        "text": "Hello, how much is the annual plan for 12 seats?",
        "sender_type": "contact",
        "created_at": "2025-03-03T10:04:05+00:00",
    },
}
SESSION_READ_EXAMPLE: dict[str, Any] = {**SESSION_EXAMPLE, "unread_count": 0}
SESSION_CLOSED_EXAMPLE: dict[str, Any] = {
    **SESSION_EXAMPLE,
    "status": "closed",
    "close_reason": "resolved",
    "closed_at": "2025-03-03T10:15:02+00:00",
    "unread_count": 0,
    "last_message": {
        "id": 1036,
        "text": "Done: you are on the annual plan from today. Have a nice day, Ada!",
        "sender_type": "operator",
        "created_at": "2025-03-03T10:14:40+00:00",
    },
}

MESSAGE_CONTACT_EXAMPLE: dict[str, Any] = {
    "id": 1029,
    "dialog": 12,
    "session": 315,
    "sender_type": "contact",
    "sender_name": "Ada Lovelace",
    "text": "Hi! Can I switch my team to the annual plan?",
    "attachments": [],
    "client_id": "w-8f3a1c",
    "created_at": "2025-03-03T10:02:11+00:00",
    "internal": False,
}
MESSAGE_OPERATOR_EXAMPLE: dict[str, Any] = {
    "id": 1030,
    "dialog": 12,
    "session": 315,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Hi Ada! Yes, I can move you to the annual plan right away.",
    "attachments": [],
    "client_id": "op-5d1e2a7c",
    "created_at": "2025-03-03T10:02:48+00:00",
    "internal": False,
}
MESSAGE_FILE_EXAMPLE: dict[str, Any] = {
    "id": 1031,
    "dialog": 12,
    "session": 315,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Here is the offer for 12 seats.",
    "attachments": [
        {
            "id": 88,
            "name": "annual-plan-offer.pdf",
            "url": "/media/attachments/12/3f9c0a7d1e5b2c48/annual-plan-offer.pdf",
            "content_type": "application/pdf",
            "size": 48213,
        }
    ],
    "client_id": "op-9b7c4d21",
    "created_at": "2025-03-03T10:03:02+00:00",
    "internal": False,
}
MESSAGE_NOTE_EXAMPLE: dict[str, Any] = {
    "id": 1037,
    "dialog": 12,
    "session": 316,
    "sender_type": "system",
    "sender_name": "",
    "text": "Transferred by Anna. Wants the annual plan for 12 seats.",
    "attachments": [],
    "client_id": None,
    "created_at": "2025-03-03T10:04:05+00:00",
    "internal": True,
}
MESSAGE_PRIVATE_NOTE_EXAMPLE: dict[str, Any] = {
    "id": 1033,
    "dialog": 12,
    "session": 315,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Ada had a refund in January; check the invoice before promising a discount.",
    "attachments": [],
    "client_id": "note-6c2f81",
    "created_at": "2025-03-03T10:03:41+00:00",
    "internal": True,
}
NOT_YOURS_EXAMPLE = OpenApiExample(
    "Not yours or closed",
    value={"detail": "This chat is not yours or is already closed."},
    response_only=True,
    status_codes=["409"],
)
CANNED_RESPONSE_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "shortcut": "annual",
    "title": "Annual plan: how to switch",
    "text": "The annual plan costs 10 months' price for 12 months. I can switch you today; "
    "your invoices and history stay as they are.",
    "raw_text": "The annual plan costs 10 months' price for 12 months. I can switch you "
    "today; your invoices and history stay as they are.",
    "unfilled": [],
    "group": 2,
}

CANNED_FILLED_EXAMPLE: dict[str, Any] = {
    "id": 4,
    "shortcut": "hello",
    "title": "Greeting",
    "text": "Hello, Ada! My name is Anna. How can I help?",
    "raw_text": "Hello, {contact_first_name}! My name is {operator}. How can I help?",
    "unfilled": [],
    "group": None,
}

CANNED_UNFILLED_EXAMPLE: dict[str, Any] = {
    **CANNED_FILLED_EXAMPLE,
    "text": "Hello, {contact_first_name}! My name is Anna. How can I help?",
    "unfilled": [
        {"placeholder": "contact_first_name", "reason": "the customer's name is not known"}
    ],
}


# An operator's message sent: created, or a repeat of its client_id answered with the
# first one, or refused because the session is not the caller's.
SENT_RESPONSES: dict[int, Any] = {
    201: MessageSerializer,
    200: OpenApiResponse(MessageSerializer, description="A repeat client_id: the first message."),
    409: OpenApiResponse(ErrorSerializer, description="Not yours or closed."),
}


def sent_examples(message: dict[str, Any]) -> list[OpenApiExample]:
    """A message sent (201), and a repeat of its client_id answered with it (200)."""
    return [
        OpenApiExample("Sent", value=message, response_only=True, status_codes=["201"]),
        OpenApiExample(
            "A repeat: the first message", value=message, response_only=True, status_codes=["200"]
        ),
    ]


FILTERS = {
    "status": ("status", str),
    "group": ("group_id", int),
    "operator": ("operator_id", int),
    "channel": ("dialog__channel_id", int),
    "contact": ("dialog__contact_id", int),
    "dialog": ("dialog_id", int),
    "label": ("labels__id", int),
}
ASSIGNEES = ("me", "none")
ORDERINGS = {"id", "-id", "created_at", "-created_at", "closed_at", "-closed_at", "queued_at"}


@extend_schema_view(
    list=extend_schema(
        summary="Sessions the caller may see",
        parameters=[
            OpenApiParameter("status", str, enum=list(SessionStatus.values)),
            OpenApiParameter("group", int),
            OpenApiParameter("operator", int),
            OpenApiParameter("channel", int),
            OpenApiParameter("contact", int),
            OpenApiParameter("dialog", int),
            OpenApiParameter("label", int, description="Sessions with this label."),
            OpenApiParameter(
                "assignee",
                str,
                enum=list(ASSIGNEES),
                description="`me`: the caller's own sessions; `none`: no operator.",
            ),
            OpenApiParameter("open", bool, description="`true`: sessions not closed."),
            OpenApiParameter("ordering", str, enum=sorted(ORDERINGS)),
        ],
        examples=[
            OpenApiExample("An active session", value=SESSION_EXAMPLE, response_only=True),
            OpenApiExample("A queued session", value=SESSION_QUEUED_EXAMPLE, response_only=True),
        ],
    ),
    retrieve=extend_schema(
        summary="One session",
        examples=[OpenApiExample("A session", value=SESSION_EXAMPLE, response_only=True)],
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Handling episodes of dialogs. Filters: ``status, group, operator, channel,
    contact, dialog``; ``ordering`` by ``id, created_at, closed_at, queued_at`` (prefix
    ``-`` for descending). ``unread_count`` counts the contact's messages after the last
    one the operator read."""

    serializer_class = SessionSerializer
    queryset = Session.objects.none()

    def get_queryset(self) -> QuerySet[Session]:
        sessions = selectors.session_list(user=self.request.user)
        params = self.request.query_params
        for name, (lookup, kind) in FILTERS.items():
            if name in params:
                value: Any = params[name]
                if kind is int:
                    value = parse_id(value, field=name)
                elif name == "status" and value not in SessionStatus.values:
                    raise serializers.ValidationError({"status": ["Unknown status."]})
                sessions = sessions.filter(**{lookup: value})
        sessions = self._more_filters(sessions, params)
        ordering = params.get("ordering", "-id")
        if ordering not in ORDERINGS:
            raise serializers.ValidationError({"ordering": [f"One of {sorted(ORDERINGS)}."]})
        return sessions.order_by(ordering, "-id")

    def _more_filters(self, sessions: QuerySet[Session], params: Any) -> QuerySet[Session]:
        assignee = params.get("assignee")
        if assignee is not None and assignee not in ASSIGNEES:
            raise serializers.ValidationError({"assignee": [f"One of {list(ASSIGNEES)}."]})
        if assignee == "me":
            sessions = sessions.filter(operator__user=self.request.user)
        elif assignee == "none":
            sessions = sessions.filter(operator__isnull=True)
        is_open = params.get("open")
        if is_open is not None and is_open not in ("true", "false"):
            raise serializers.ValidationError({"open": ["true or false."]})
        if is_open == "true":
            sessions = sessions.exclude(status=SessionStatus.CLOSED)
        elif is_open == "false":
            sessions = sessions.filter(status=SessionStatus.CLOSED)
        return sessions

    def get_object(self) -> Session:
        session = selectors.session_for_staff(
            user=self.request.user, session_id=parse_id(self.kwargs["pk"])
        )
        if session is None:
            raise Http404
        return session

    def _shape(self, pk: int) -> dict[str, Any]:
        return SessionSerializer(
            selectors.session_for_staff(user=self.request.user, session_id=pk)
        ).data

    @extend_schema(
        methods=["GET"],
        summary="Messages of this session",
        responses=MessageSerializer(many=True),
        examples=[OpenApiExample("Messages", value=MESSAGE_CONTACT_EXAMPLE, response_only=True)],
    )
    @extend_schema(
        methods=["POST"],
        summary="Send a message as the session's operator (409: not yours or closed)",
        request=MessageInputSerializer,
        responses=SENT_RESPONSES,
        examples=[
            OpenApiExample(
                "A reply",
                value={
                    "text": "Hi Ada! Yes, I can move you to the annual plan right away.",
                    "client_id": "op-5d1e2a7c",
                },
                request_only=True,
            ),
            *sent_examples(MESSAGE_OPERATOR_EXAMPLE),
            NOT_YOURS_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=MessagePagination)
    def messages(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(
                session.messages.prefetch_related("attachments").order_by("id")
            )
            return self.get_paginated_response(MessageSerializer(page, many=True).data)
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            stored = services.operator_message_send(
                session_id=session.pk, user=request.user, **data.validated_data
            )
        except services.MessageRejected as refused:
            raise serializers.ValidationError({"text": [refused.detail]}) from None
        return Response(
            MessageSerializer(stored.message).data,
            status=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Send a file as the session's operator (409: not yours or closed)",
        description=(
            "Multipart `file`, optional `client_id` and `text`. Answers the stored message "
            "with the file in `attachments` (`201`; `200` with the first one for a repeat "
            "`client_id`). `400`: a type not allowed or content that does not match it; "
            "`413`: larger than the limit."
        ),
        request={"multipart/form-data": AttachmentInputSerializer},
        responses={
            **SENT_RESPONSES,
            413: OpenApiResponse(ErrorSerializer, description="The file is too large."),
        },
        examples=[
            OpenApiExample(
                "A PDF with a caption",
                value={
                    "file": "annual-plan-offer.pdf (binary)",
                    "text": "Here is the offer for 12 seats.",
                    "client_id": "op-9b7c4d21",
                },
                request_only=True,
                media_type="multipart/form-data",
            ),
            *sent_examples(MESSAGE_FILE_EXAMPLE),
            NOT_YOURS_EXAMPLE,
            OpenApiExample(
                "Too large",
                value={"detail": "The file is larger than allowed."},
                response_only=True,
                status_codes=["413"],
            ),
        ],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        if not attachment_files.upload_may_fit(request.META.get("CONTENT_LENGTH")):
            raise PayloadTooLarge("The file is larger than allowed.")
        data = AttachmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            stored = services.operator_attachment_send(
                session_id=session.pk,
                user=request.user,
                upload=data.validated_data["file"],
                text=data.validated_data.get("text", ""),
                client_id=data.validated_data.get("client_id"),
            )
        except services.MessageRejected as refused:
            if refused.code == "too_large":
                raise PayloadTooLarge(refused.detail) from None
            field = REJECTED_FIELDS.get(refused.code, "file")
            raise serializers.ValidationError({field: [refused.detail]}) from None
        return Response(
            MessageSerializer(stored.message).data,
            status=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Add a private note (staff only; the contact never sees it)",
        description=(
            "Anyone who may see the session writes notes in it, in any status. A note is a "
            "message with `internal: true` and `sender_type: operator`: it is kept in the "
            "dialog's history and pushed live to the staff watching the session, never to "
            "the contact on any channel. It is not a reply: the first response and the "
            "no-answer timeout ignore it. `201`; `200` with the first note for a repeat "
            "`client_id`."
        ),
        request=NoteInputSerializer,
        responses={
            201: MessageSerializer,
            200: OpenApiResponse(MessageSerializer, description="A repeat client_id."),
        },
        examples=[
            OpenApiExample(
                "A note for colleagues",
                value={
                    "text": MESSAGE_PRIVATE_NOTE_EXAMPLE["text"],
                    "client_id": "note-6c2f81",
                },
                request_only=True,
            ),
            *sent_examples(MESSAGE_PRIVATE_NOTE_EXAMPLE),
        ],
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            stored = services.operator_note_add(
                session_id=session.pk, user=request.user, **data.validated_data
            )
        except services.MessageRejected as refused:
            raise serializers.ValidationError({"text": [refused.detail]}) from None
        return Response(
            MessageSerializer(stored.message).data,
            status=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK,
        )

    @extend_schema(
        methods=["POST"],
        summary="Put a label on the session",
        request=LabelAddInputSerializer,
        responses=SessionSerializer,
        examples=[
            OpenApiExample("Label it billing", value={"label": 2}, request_only=True),
            OpenApiExample("Labelled", value=SESSION_EXAMPLE, response_only=True),
        ],
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Replace the session's labels",
        request=LabelsSetInputSerializer,
        responses=SessionSerializer,
        examples=[
            OpenApiExample("Billing and VIP", value={"labels": [2, 3]}, request_only=True),
            OpenApiExample(
                "Labelled",
                value={
                    **SESSION_EXAMPLE,
                    "labels": [
                        {"id": 2, "name": "billing", "color": "#2563eb"},
                        {"id": 3, "name": "vip", "color": "#d97706"},
                    ],
                },
                response_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post", "patch"])
    def labels(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        try:
            if request.method == "POST":
                data = LabelAddInputSerializer(data=request.data)
                data.is_valid(raise_exception=True)
                services.session_label_add(
                    session_id=session.pk, user=request.user, label_id=data.validated_data["label"]
                )
            else:
                data = LabelsSetInputSerializer(data=request.data)
                data.is_valid(raise_exception=True)
                services.session_labels_set(
                    session_id=session.pk,
                    user=request.user,
                    label_ids=data.validated_data["labels"],
                )
        except services.MessageRejected as refused:
            field = "label" if request.method == "POST" else "labels"
            raise serializers.ValidationError({field: [refused.detail]}) from None
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Take a label off the session",
        parameters=[OpenApiParameter("label_id", int, OpenApiParameter.PATH)],
        request=None,
        responses=SessionSerializer,
        examples=[
            OpenApiExample(
                "No labels left", value={**SESSION_EXAMPLE, "labels": []}, response_only=True
            )
        ],
    )
    @action(detail=True, methods=["delete"], url_path=r"labels/(?P<label_id>[^/.]+)")
    def label_remove(self, request: Request, pk: str, label_id: str) -> Response:
        session = self.get_object()
        services.session_label_remove(
            session_id=session.pk, label_id=parse_id(label_id, field="label")
        )
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Close the session as resolved",
        request=None,
        examples=[OpenApiExample("Closed", value=SESSION_CLOSED_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        services.session_close(session_id=session.pk, reason=CloseReason.RESOLVED)
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Mark messages read up to one",
        request=ReadInputSerializer,
        examples=[
            OpenApiExample(
                "Read up to Ada's last message", value={"message": 1032}, request_only=True
            ),
            OpenApiExample("Nothing unread", value=SESSION_READ_EXAMPLE, response_only=True),
        ],
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        data = ReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_mark_read(session_id=session.pk, message_id=data.validated_data["message"])
        return Response(self._shape(session.pk))


class DialogMessagesView(APIView):
    """The whole history of a dialog, every session, oldest first; ``?after=<message id>``
    for what came later."""

    pagination_class = MessagePagination

    @extend_schema(
        summary="The whole history of a dialog",
        parameters=[OpenApiParameter("after", int)],
        responses=MessageSerializer(many=True),
        examples=[
            OpenApiExample(
                "A customer's message", value=MESSAGE_CONTACT_EXAMPLE, response_only=True
            ),
            OpenApiExample("An operator's file", value=MESSAGE_FILE_EXAMPLE, response_only=True),
            OpenApiExample(
                "A note only operators see", value=MESSAGE_NOTE_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "An operator's private note",
                value=MESSAGE_PRIVATE_NOTE_EXAMPLE,
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request, pk: str) -> Response:
        dialog_id = parse_id(pk)
        if not selectors.dialog_visible(user=request.user, dialog_id=dialog_id):
            raise Http404
        after = parse_id(request.query_params.get("after", "0"), field="after")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.dialog_messages(dialog_id=dialog_id, after_id=after), request, view=self
        )
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)


VISITOR_EXAMPLE: dict[str, Any] = {
    "dialog": 12,
    "page_url": "https://shop.example/pricing",
    "page_title": "Pricing - Shop",
    "referrer": "https://search.example/?q=annual+plan",
    "browser": "Chrome 120 on Windows",
    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "language": "en-GB",
    "time_zone": "Europe/London",
    "utc_offset_min": 0,
    "created_at": "2025-03-03T10:01:40+00:00",
    "last_seen_at": "2025-03-03T10:03:30+00:00",
    "updated_at": "2025-03-03T10:02:05+00:00",
}


class DialogVisitorView(APIView):
    """What the website chat knows of a dialog's visitor: the page, where they came from,
    the browser, language and time zone. 404 for a dialog of another channel type."""

    @extend_schema(
        summary="The website visitor of a dialog",
        responses={200: VisitorContextSerializer, 404: ErrorSerializer},
        examples=[
            OpenApiExample("A visitor on the pricing page", value=VISITOR_EXAMPLE),
        ],
    )
    def get(self, request: Request, pk: str) -> Response:
        dialog_id = parse_id(pk)
        if not selectors.dialog_visible(user=request.user, dialog_id=dialog_id):
            raise Http404
        visitor = selectors.dialog_visitor(dialog_id=dialog_id)
        if visitor is None:
            raise Http404
        return Response(payloads.visitor_context(visitor))


class CannedResponseListView(APIView):
    """Ready answers the caller may use; ``?search=`` matches the start of the shortcut or
    a part of the title; ``?session=<id>`` fills their placeholders for that session."""

    @extend_schema(
        summary="Canned responses",
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter(
                "session",
                int,
                description="Fill the placeholders for this session (404 if not visible).",
            ),
        ],
        responses=CannedResponseSerializer(many=True),
        examples=[
            OpenApiExample(
                "Found by ?search=annual", value=CANNED_RESPONSE_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "Filled in by ?session=315", value=CANNED_FILLED_EXAMPLE, response_only=True
            ),
            OpenApiExample(
                "A customer whose name is not known yet",
                value=CANNED_UNFILLED_EXAMPLE,
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        search = request.query_params.get("search", "")[:50].lstrip("/")
        session = None
        if "session" in request.query_params:
            session_id = parse_id(request.query_params["session"], field="session")
            session = selectors.session_for_staff(user=request.user, session_id=session_id)
            if session is None:
                raise Http404
        responses = selectors.canned_response_list(user=request.user, search=search)[:20]
        return Response(
            CannedResponseSerializer(
                [selectors.canned_response_for(response=r, session=session) for r in responses],
                many=True,
            ).data
        )
