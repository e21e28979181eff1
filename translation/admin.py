"""The admin's view of translation: characters translated per day, with the provider's
health above the table (the provider, its breaker, its last error and latency). The
rows are written by the translation service only: the page changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from translation import selectors
from translation.models import TranslatedCharacters


@admin.register(TranslatedCharacters)
class TranslatedCharactersAdmin(admin.ModelAdmin):
    list_display = ["day", "provider", "characters", "texts"]
    list_filter = ["provider"]
    date_hierarchy = "day"
    ordering = ["-day", "provider"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        selectors.characters_by_day(days=1)  # this process's last counts written first
        context = {**(extra_context or {}), "health": selectors.provider_health()}
        return super().changelist_view(request, extra_context=context)
