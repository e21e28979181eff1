"""API pieces shared by every app's ``api.py``: the error format, pagination, permissions.

Errors keep DRF's shape (``{"field": ["message"]}`` for 400, ``{"detail": "..."}``
otherwise). A domain rule broken by a service (``django.core.exceptions.ValidationError``)
becomes a 400, a state conflict raised by a service (``StateConflict``) a 409, a
protected delete a 409 and an oversized body a 413, instead of a 500.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import exceptions, pagination, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from contactcenter import roles


class Conflict(exceptions.APIException):
    """The request is valid but the object's state does not allow it (contract: 409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's current state does not allow this."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class StateConflict(Exception):
    """Raised by services (which know nothing of HTTP) when the current state of the data
    forbids a write, e.g. an identity that already belongs to another contact. The API
    answers it with 409 and the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, StateConflict):
        exc = Conflict(exc.message)
    elif isinstance(exc, ProtectedError):
        exc = Conflict("Other records still refer to this object, so it cannot be deleted.")
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # too many form fields or files, bad headers
        exc = exceptions.ValidationError({"non_field_errors": [str(exc) or "Bad request."]})
    return drf_exception_handler(exc, context)


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` (and ``?page_size=`` up to 500). A page that is not a positive whole
    number is bad input (400); a page past the end is not found (404)."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[no-untyped-def]
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings) and not (
            raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) >= 1
        ):
            raise exceptions.ValidationError(
                {self.page_query_param: ["A page number is a whole number from 1 up."]}
            )
        return super().paginate_queryset(queryset, request, view)


def parse_id(value: Any, *, field: str = "id") -> int:
    """An object id from the URL or a query parameter, or a 400."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise exceptions.ValidationError({field: ["A valid object id is a positive integer."]})
    return int(text)


class IsAdmin(permissions.BasePermission):
    """Admins only (superusers and the ``admins`` group)."""

    message = "Only administrators may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_admin(request.user)


class ApiViewSet(viewsets.GenericViewSet):
    """The base of the API's view sets: numeric ids in URLs, PATCH rather than PUT, the
    project's pagination, and filtering done by each app's selectors rather than by
    generic filter backends."""

    pagination_class = PageNumberPagination
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]


class JSONObjectField(serializers.JSONField):
    """A JSON object (not a list or a scalar), without NUL characters, which PostgreSQL's
    jsonb refuses."""

    default_error_messages = {
        "not_object": 'Expected a JSON object, e.g. {{"plan": "gold"}}.',
        "null_characters": "NUL characters (\\u0000) are not allowed.",
    }

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        if "\\u0000" in json.dumps(value):
            self.fail("null_characters")
        return value
