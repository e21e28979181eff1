"""API pieces shared by every app's ``api.py``: the error format, pagination, permissions.

Errors keep DRF's shape (``{"field": ["message"]}`` for 400, ``{"detail": "..."}``
otherwise). A domain rule broken by a service (``django.core.exceptions.ValidationError``)
becomes a 400, a state conflict raised by a service (``StateConflict``) a 409, a
protected delete a 409 and an oversized body a 413, instead of a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import (
    exceptions,
    pagination,
    permissions,
    serializers,
    status,
    viewsets,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from contactcenter import inputs, roles
from contactcenter.api_parsers import PayloadTooLarge

__all__ = ["PayloadTooLarge"]  # re-exported: raised by views too


class Conflict(exceptions.APIException):
    """The request is valid but the object's state does not allow it (contract: 409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's current state does not allow this."
    default_code = "conflict"


class StateConflict(Exception):
    """Raised by services (which know nothing of HTTP) when the current state of the data
    forbids a write, e.g. an identity that already belongs to another contact. The API
    answers it with 409 and the message (and ``code`` when a subclass names the case,
    e.g. ``window_closed``)."""

    code = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# The body of an error that is not about fields (401, 403, 404, 409, 413, 429), for the
# OpenAPI schema of every app (no docstring: it would become the schema's description).
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, StateConflict):
        response = drf_exception_handler(Conflict(exc.message, code=exc.code), context)
        if response is not None and exc.code != StateConflict.code:
            response.data["code"] = exc.code
        return response
    elif isinstance(exc, ProtectedError):
        exc = Conflict("Other records still refer to this object, so it cannot be deleted.")
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # too many form fields or files, bad headers
        exc = exceptions.ValidationError({"non_field_errors": [str(exc) or "Bad request."]})
    return drf_exception_handler(exc, context)


# --- input serializers: types as JSON sends them ----------------------------------------

# Field classes and the JSON types each accepts; DRF's own fields are lenient (a number
# for a text field is stored as its digits, "true" for a boolean...), fine for HTML forms
# but a silent change of a JSON client's data.
_STRING, _INTEGER, _NUMBER = gettext_lazy("string"), gettext_lazy("integer"), gettext_lazy("number")
_BOOLEAN, _LIST, _OBJECT = (
    gettext_lazy("boolean (true or false)"),
    gettext_lazy("list"),
    gettext_lazy("object"),
)
_JSON_TYPES: list[tuple[type[serializers.Field], tuple[type, ...], Any]] = [
    (serializers.BooleanField, (bool,), _BOOLEAN),
    (serializers.CharField, (str,), _STRING),
    (serializers.IntegerField, (int,), _INTEGER),
    (serializers.FloatField, (int, float), _NUMBER),
    (serializers.DecimalField, (int, float, str), _NUMBER),
    (serializers.DateTimeField, (str,), gettext_lazy("string (ISO 8601 date and time)")),
    (serializers.DateField, (str,), gettext_lazy("string (ISO 8601 date)")),
    (serializers.TimeField, (str,), gettext_lazy("string (HH:MM)")),
    (serializers.ListField, (list,), _LIST),
    (serializers.DictField, (dict,), _OBJECT),
]


def _type_error(field: serializers.Field, value: Any) -> str | None:
    """What ``field`` expects when ``value`` (from a JSON body) is of the wrong type."""
    if value is None:
        return None  # DRF's null handling answers for it
    for kind, types, expected in _JSON_TYPES:
        if isinstance(field, kind):
            wrong = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
            if not wrong:
                return None
            return _("Expected a value of type “%(expected)s”, got “%(got)s”.") % {
                "expected": expected,
                "got": _json_type(value),
            }
    return None


def _json_type(value: Any) -> Any:
    for kind, name in ((bool, _BOOLEAN), (str, _STRING), (int, _INTEGER)):
        if isinstance(value, kind):
            return name
    return {float: _NUMBER, list: _LIST, dict: _OBJECT}.get(type(value), _("other"))


class InputSerializer(serializers.Serializer):
    """The base of every input serializer: a JSON value of the wrong type for its field
    (``{"name": 123}``, ``{"max_sessions": "5"}``, ``{"enabled": "yes"}``) is a 400 naming
    the field, not converted. Form and multipart bodies carry only text and keep DRF's
    conversions."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors: dict[str, list[str]] = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                problem = _type_error(field, data[name])
                if problem is None and isinstance(field, serializers.ListField):
                    problem = _item_type_error(field.child, data[name])
                if problem:
                    errors[name] = [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _item_type_error(child: serializers.Field, items: Any) -> str | None:
    if not isinstance(items, list):
        return None
    for index, item in enumerate(items):
        problem = _type_error(child, item)
        if problem:
            return _("Item %(index)d: %(problem)s") % {"index": index, "problem": problem}
    return None


# --- query parameters ---------------------------------------------------------------------


MIN_YEAR, MAX_YEAR = 1000, 9000


def query_moment(request: Request, name: str, default: dt.datetime) -> dt.datetime:
    """An ISO 8601 date or date-time query parameter (aware, in the current time zone
    when none is given), ``default`` when absent, else a 400 naming ``name``."""
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = dt.datetime.combine(day, dt.time.min)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
    except (ValueError, OverflowError):  # well formed but no such day (2026-99-99)
        value = None
    # far from year 1 and 9999, so that ranges around it can be computed
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        raise exceptions.ValidationError({name: [_("An ISO 8601 date or time, e.g. 2026-11-01.")]})
    return value


def query_flag(request: Request, name: str) -> bool | None:
    """A yes/no query parameter (``1``/``0``, ``true``/``false``, ``yes``/``no``), None
    when absent, else a 400 naming ``name``."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise exceptions.ValidationError({name: [_("Use 1 or 0.")]})


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` (and ``?page_size=`` up to 500). A page that is not a positive whole
    number is bad input (400); a page past the end is not found (404)."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
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
    """A JSON object (not a list or a scalar) that can be stored: see
    ``contactcenter.inputs`` (no NUL, which PostgreSQL's jsonb refuses, no lone
    surrogates, bounded depth)."""

    default_error_messages = {"not_object": 'Expected a JSON object, e.g. {{"plan": "gold"}}.'}

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        try:
            return inputs.document_check(value)
        except inputs.InputRefused as refused:
            raise serializers.ValidationError(refused.detail, code=refused.code) from None
