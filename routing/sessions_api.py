"""REST API of sessions: ``sessions/`` and every action on one session, in one place.

Sessions are inbox's rows; assignment (``take/``) and transfers are routing's. The
endpoint lives here, above both, and calls each app's services.

Who sees what: admins every session; others the sessions of the groups they belong to or
supervise and the sessions they hold (anything else answers 404). Only the session's own
operator may write in it (409 otherwise, per the contract).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from contactcenter.api_common import ApiViewSet, ErrorSerializer, PayloadTooLarge, parse_id
from inbox import selectors as inbox_selectors
from inbox import services as inbox_services
from inbox.api import MessagePagination
from inbox.api_examples import (
    MESSAGE_CONTACT_EXAMPLE,
    MESSAGE_FILE_EXAMPLE,
    MESSAGE_OPERATOR_EXAMPLE,
    MESSAGE_PRIVATE_NOTE_EXAMPLE,
    MESSAGE_RETRIED_EXAMPLE,
    MESSAGE_TRANSLATING_EXAMPLE,
    SESSION_CLOSED_EXAMPLE,
    SESSION_EXAMPLE,
    SESSION_LANGUAGE_EXAMPLE,
    SESSION_QUEUED_EXAMPLE,
    SESSION_READ_EXAMPLE,
)
from inbox.connectors.whatsapp import templates as whatsapp_templates
from inbox.connectors.whatsapp.serializers import (
    TemplateMessageInputSerializer,
    TemplatesStateSerializer,
)
from inbox.models import CloseReason, Session, SessionStatus
from inbox.serializers import (
    AttachmentInputSerializer,
    LabelAddInputSerializer,
    LabelsSetInputSerializer,
    LanguageInputSerializer,
    MessageInputSerializer,
    MessageSerializer,
    NoteInputSerializer,
    ReadInputSerializer,
    SessionSerializer,
)
from inbox.services import attachments as attachment_files
from routing import selectors, services
from routing.serializers import TransferInputSerializer, TransferOutputSerializer

# Which field a message refused by the services (``MessageRejected.code``) is about.
REJECTED_FIELDS = {
    "empty": "text",
    "too_long": "text",
    "bad_text": "text",
    "bad_client_id": "client_id",
    "unfilled_placeholder": "text",
}

NOT_YOURS_EXAMPLE = OpenApiExample(
    "Not yours or closed",
    value={"detail": "This chat is not yours or is already closed."},
    response_only=True,
    status_codes=["409"],
)

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


def _stored_response(stored: Any) -> Response:
    """The stored message: 201 when new, 200 with the first one for a repeated client_id."""
    return Response(
        MessageSerializer(stored.message).data,
        status=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK,
    )


def _text_written(write: Any, input_serializer: Any, *, session: Any, request: Request) -> Response:
    """A text the calling operator writes in ``session`` (a reply or a note) through
    ``write``; a text the service refuses is a 400 on ``text``."""
    data = input_serializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        stored = write(session_id=session.pk, user=request.user, **data.validated_data)
    except inbox_services.MessageRejected as refused:
        raise serializers.ValidationError({"text": [refused.detail]}) from None
    return _stored_response(stored)


def _template_written(*, session: Any, request: Request) -> Response:
    """An approved WhatsApp template sent by the calling operator (also outside the
    24-hour window); a template the channel does not have is a 400 on ``template``."""
    data = TemplateMessageInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        stored = whatsapp_templates.operator_template_send(
            session_id=session.pk, user=request.user, **data.validated_data
        )
    except inbox_services.MessageRejected as refused:
        raise serializers.ValidationError({"template": [refused.detail]}) from None
    return _stored_response(stored)


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
        sessions = inbox_selectors.session_list(user=self.request.user)
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
            sessions = sessions.filter(operator__user_id=cast(int, self.request.user.pk))
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
        session = inbox_selectors.session_for_staff(
            user=self.request.user, session_id=parse_id(self.kwargs["pk"])
        )
        if session is None:
            raise Http404
        return session

    def _shape(self, pk: int) -> dict[str, Any]:
        return SessionSerializer(
            inbox_selectors.session_for_staff(user=self.request.user, session_id=pk)
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
        description=(
            '`{"text", "client_id"?}`; on WhatsApp, more than 24 hours after the '
            "contact's last message a free-form text answers `409` with `code: "
            'window_closed`, and `{"template": {"name", "language", "params": '
            '[...]}, "client_id"?}` sends one of the channel\'s approved templates.'
        ),
        request=PolymorphicProxySerializer(
            component_name="MessageOrTemplateInput",
            serializers=[MessageInputSerializer, TemplateMessageInputSerializer],
            resource_type_field_name=None,
        ),
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
            OpenApiExample(
                "A WhatsApp template",
                value={
                    "template": {
                        "name": "order_update",
                        "language": "en_US",
                        "params": ["Ada", "42"],
                    },
                    "client_id": "op-0c1d2e3f",
                },
                request_only=True,
            ),
            *sent_examples(MESSAGE_OPERATOR_EXAMPLE),
            NOT_YOURS_EXAMPLE,
            OpenApiExample(
                "WhatsApp's 24-hour window has closed",
                value={
                    "detail": "More than 24 hours have passed since the customer's last "
                    "message: WhatsApp accepts only an approved template now.",
                    "code": "window_closed",
                },
                response_only=True,
                status_codes=["409"],
            ),
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
        if isinstance(request.data, dict) and "template" in request.data:
            return _template_written(session=session, request=request)
        return _text_written(
            inbox_services.operator_message_send,
            MessageInputSerializer,
            session=session,
            request=request,
        )

    @extend_schema(
        summary="The reply window and the templates of this session's channel",
        description=(
            "On WhatsApp a free-form reply may go out only within 24 hours of the "
            "contact's last message; outside it, one of `templates` (send it with "
            "`POST messages/` and `template`). Other channels: always open, no templates."
        ),
        responses=TemplatesStateSerializer,
        examples=[
            OpenApiExample(
                "The window has closed",
                value={
                    "window_open": False,
                    "window_closes_at": "2026-03-05T09:14:00Z",
                    "templates": [
                        {
                            "name": "order_update",
                            "language": "en_US",
                            "body": "Hi {{1}}, your order {{2}} shipped.",
                            "param_count": 2,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def templates(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        return Response(whatsapp_templates.session_templates_state(session_id=session.pk))

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
            stored = inbox_services.operator_attachment_send(
                session_id=session.pk,
                user=request.user,
                upload=data.validated_data["file"],
                text=data.validated_data.get("text", ""),
                client_id=data.validated_data.get("client_id"),
            )
        except inbox_services.MessageRejected as refused:
            if refused.code == "too_large":
                raise PayloadTooLarge(refused.detail) from None
            field = REJECTED_FIELDS.get(refused.code, "file")
            raise serializers.ValidationError({field: [refused.detail]}) from None
        return _stored_response(stored)

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
        return _text_written(
            inbox_services.operator_note_add, NoteInputSerializer, session=session, request=request
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
                inbox_services.session_label_add(
                    session_id=session.pk, user=request.user, label_id=data.validated_data["label"]
                )
            else:
                many = LabelsSetInputSerializer(data=request.data)
                many.is_valid(raise_exception=True)
                inbox_services.session_labels_set(
                    session_id=session.pk,
                    user=request.user,
                    label_ids=many.validated_data["labels"],
                )
        except inbox_services.MessageRejected as refused:
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
        inbox_services.session_label_remove(
            session_id=session.pk, label_id=parse_id(label_id, field="label")
        )
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Send a failed message to the contact again (409: it has not failed)",
        parameters=[OpenApiParameter("message_id", int, OpenApiParameter.PATH)],
        description=(
            "A message to the contact on an external channel whose delivery failed "
            "(status failed) goes back to pending and is sent again through its channel. "
            "The message may be of any session of this session's dialog."
        ),
        request=None,
        responses={
            200: MessageSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The message has not failed."),
        },
        examples=[
            OpenApiExample("Queued again", value=MESSAGE_RETRIED_EXAMPLE, response_only=True),
            OpenApiExample(
                "Not failed",
                value={"detail": "Only a message that could not be delivered can be retried."},
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[^/]+)/retry")
    def message_retry(self, request: Request, pk: str, message_id: str) -> Response:
        return self._on_message(message_id, inbox_services.message_send_retry)

    @extend_schema(
        summary="Translate a customer's message again",
        description=(
            "A customer's message that went untranslated (the provider failed or timed "
            "out) is translated again into the operator's language: it answers at once "
            "with translation_status pending; the translation follows on the operator "
            "socket as message.updated."
        ),
        request=None,
        responses={
            200: MessageSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="No provider, or not a customer's message."
            ),
        },
        examples=[
            OpenApiExample(
                "Being translated", value=MESSAGE_TRANSLATING_EXAMPLE, response_only=True
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[^/]+)/translate")
    def message_translate(self, request: Request, pk: str, message_id: str) -> Response:
        return self._on_message(message_id, inbox_services.message_translation_retry)

    def _on_message(self, message_id: str, service: Callable[..., Any]) -> Response:
        """Runs ``service`` on one message of this session: 404 when it has no such
        message."""
        session = self.get_object()
        message = service(
            message_id=parse_id(message_id, field="message"), dialog_id=session.dialog_id
        )
        if message is None:
            raise Http404
        return Response(MessageSerializer(message).data)

    @extend_schema(
        summary="Correct the customer's language",
        description=(
            "Sets the language of the session's customer (their whole dialog): their "
            "messages are translated from it and replies into it. An empty language hands "
            "it back to detection."
        ),
        request=LanguageInputSerializer,
        responses={200: SessionSerializer},
        examples=[
            OpenApiExample("Ukrainian", value={"language": "uk"}, request_only=True),
            OpenApiExample("Set", value=SESSION_LANGUAGE_EXAMPLE, response_only=True),
        ],
    )
    @action(detail=True, methods=["post"])
    def language(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        data = LanguageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            inbox_services.dialog_language_set(
                dialog_id=session.dialog_id, language=data.validated_data["language"], fixed=True
            )
        except inbox_services.MessageRejected as refused:
            raise serializers.ValidationError({"language": [refused.detail]}) from None
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Close the session as resolved",
        request=None,
        examples=[OpenApiExample("Closed", value=SESSION_CLOSED_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        inbox_services.session_close(session_id=session.pk, reason=CloseReason.RESOLVED)
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
        inbox_services.session_mark_read(
            session_id=session.pk, message_id=data.validated_data["message"]
        )
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Take a queued session of one of your groups (409: over your limit or taken)",
        request=None,
        responses={
            200: SessionSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Taken or over limit."),
        },
        examples=[
            OpenApiExample("Anna took it", value=SESSION_EXAMPLE, response_only=True),
            OpenApiExample(
                "Already taken",
                value={"detail": "Someone already took this chat, or it has ended."},
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        services.session_take(session_id=session.pk, user=request.user)
        return Response(self._shape(session.pk))

    @extend_schema(
        summary="Transfer to a group or an operator, with a note only operators see",
        request=TransferInputSerializer,
        responses=TransferOutputSerializer,
        examples=[
            OpenApiExample(
                "To the Sales group",
                value={"group": 2, "note": "Wants the annual plan for 12 seats."},
                request_only=True,
            ),
            OpenApiExample(
                "To Boris",
                value={"operator": 2, "note": "Knows the customer's account."},
                request_only=True,
            ),
            OpenApiExample(
                "Closed here, queued in Sales",
                value={
                    "closed": {
                        **SESSION_EXAMPLE,
                        "status": "closed",
                        "close_reason": "transferred",
                        "closed_at": "2025-03-03T10:04:05+00:00",
                        "unread_count": 0,
                    },
                    "opened": {
                        **SESSION_QUEUED_EXAMPLE,
                        "previous_session": 315,
                        "topic": 1,
                        "topic_title": "Billing",
                        "last_message": None,
                        "unread_count": 0,
                        "last_contact_message_at": "2025-03-03T10:03:30+00:00",
                    },
                },
                response_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        if not selectors.session_may_transfer(session=session, user=request.user):
            raise exceptions.PermissionDenied(
                "Only the session's operator, its group's supervisors and admins transfer it."
            )
        data = TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closed, opened = services.session_transfer(
            session_id=session.pk, user=request.user, **data.validated_data
        )
        # the caller may no longer see the new session (another group): shown this once
        shaped = {
            s.pk: s
            for s in inbox_selectors.session_with_details().filter(pk__in=[closed.pk, opened.pk])
        }
        return Response(
            {
                "closed": SessionSerializer(shaped[closed.pk]).data,
                "opened": SessionSerializer(shaped[opened.pk]).data,
            }
        )
