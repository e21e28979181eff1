"""Admin for the CRM: contacts and their identities, pipelines and stages, leads, tasks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.models import Contact, ContactIdentity, Lead, Pipeline, Stage, Task


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    fields = ["channel_type", "external_id", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


class MergedFilter(admin.SimpleListFilter):
    title = _("merged")
    parameter_name = "merged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Not merged")), ("yes", _("Merged into another contact"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        return queryset


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "name", "email", "phone", "created_at"]
    list_display_links = ["__str__"]
    list_filter = [MergedFilter, "identities__channel_type", "created_at"]
    search_fields = ["name", "email", "phone", "identities__external_id"]
    # Merging moves dialogs and leads too, so it goes through the merge service, not a field.
    readonly_fields = ["merged_into", "created_at", "updated_at"]
    fields = ["name", "email", "phone", "attributes", "merged_into", "created_at", "updated_at"]
    inlines = [ContactIdentityInline]
    date_hierarchy = "created_at"
    ordering = ["-id"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # Searching through identities joins a to-many table: one contact, one row.
        results, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return results, True


class StageInline(admin.TabularInline):
    model = Stage
    fields = ["position", "name"]
    ordering = ["position", "id"]
    extra = 1


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "stage_list", "created_at"]
    list_filter = ["is_default"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    inlines = [StageInline]
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("stages")

    @admin.display(description=_("stages"))
    def stage_list(self, obj: Pipeline) -> str:
        return " → ".join(stage.name for stage in obj.stages.all())


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = [
            "title",
            "contact",
            "session",
            "pipeline",
            "stage",
            "status",
            "owner",
            "fields",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        pipeline, stage = cleaned.get("pipeline"), cleaned.get("stage")
        if pipeline and stage and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", _("Pick a stage of the lead's pipeline."))
        return cleaned


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadForm
    list_display = ["title", "contact", "pipeline", "stage", "status", "owner", "created_at"]
    list_filter = ["status", "pipeline", "stage", "owner"]
    list_select_related = ["contact", "pipeline", "stage", "owner"]
    search_fields = ["title", "contact__name", "contact__email", "contact__phone"]
    autocomplete_fields = ["contact", "owner", "session"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    ordering = ["-id"]


class DoneFilter(admin.SimpleListFilter):
    title = _("done")
    parameter_name = "done"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("To do")), ("yes", _("Done"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "assignee", "due_at", "is_done", "lead", "contact"]
    list_filter = [DoneFilter, "assignee", "due_at"]
    list_select_related = ["assignee", "lead", "contact"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["lead", "contact", "assignee"]
    readonly_fields = ["created_at"]
    actions = ["mark_done"]
    ordering = ["done_at", "due_at", "id"]

    @admin.display(description=_("done"), boolean=True)
    def is_done(self, obj: Task) -> bool:
        return obj.is_done

    @admin.action(description=_("Mark done"))
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        count = queryset.filter(done_at__isnull=True).update(done_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d task marked done.", "%(count)d tasks marked done.", count)
            % {"count": count},
            messages.SUCCESS,
        )
