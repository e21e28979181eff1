"""Query filters of the API as django-filter ``FilterSet``s: the FilterSet parses and
checks ``?name=value`` (a bad value is a 400 naming the parameter, never a 500), and
the app's selector does the filtering, so that the API and the pages filter alike.

A view set names its ``filterset_class`` and the ``ListFilterBackend``; the FilterSet
(a ``SelectorFilterSet``) hands the valid values to the selector in ``apply``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions

from contactcenter.api_common import parse_id


class ListFilterBackend(DjangoFilterBackend):
    """Query filters narrow lists; a detail URL (one object, its actions) ignores them."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        if getattr(view, "action", None) != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)


class SelectorFilterSet(django_filters.FilterSet):
    """A FilterSet whose filters only parse: ``apply`` gets the given values (empty ones
    left out) and filters the queryset through the app's selector."""

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        values = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value is not None and value != ""
        }
        return self.apply(queryset, values)

    def apply(self, queryset: QuerySet[Any], values: dict[str, Any]) -> QuerySet[Any]:
        raise NotImplementedError


class IdField(forms.Field):
    """An object id: digits only (as ``api_common.parse_id`` takes them)."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_id(value)
        except exceptions.ValidationError:
            raise forms.ValidationError(
                "A valid object id is a positive integer.", code="invalid"
            ) from None


class IdOrMeField(forms.Field):
    """A user id, or ``me`` for the caller (kept as the text ``me``)."""

    def to_python(self, value: Any) -> int | str | None:
        return "me" if value == "me" else IdField().to_python(value)


class FlagField(forms.Field):
    """Yes or no: ``1``/``0``, ``true``/``false``, ``yes``/``no``."""

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values:
            return None
        if str(value).lower() in ("1", "true", "yes"):
            return True
        if str(value).lower() in ("0", "false", "no"):
            return False
        raise forms.ValidationError(_("Use 1 or 0."), code="invalid")


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    field_class = IdField


@extend_schema_field(OpenApiTypes.STR)
class IdOrMeFilter(django_filters.Filter):
    field_class = IdOrMeField


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(django_filters.Filter):
    field_class = FlagField


@extend_schema_field(OpenApiTypes.STR)
class TextFilter(django_filters.Filter):
    """Text as given (the selector cleans it; no NUL check, no stripping here)."""

    field_class = forms.Field


class OneOfField(forms.Field):
    """One of ``allowed`` (plain values), else ``message``."""

    def __init__(self, *, allowed: list[str], message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed, self.message = allowed, message

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values and value not in self.allowed:
            raise forms.ValidationError(self.message, code="invalid_choice")


@extend_schema_field(OpenApiTypes.STR)
class OneOfFilter(django_filters.Filter):
    field_class = OneOfField
