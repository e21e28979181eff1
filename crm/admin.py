"""Admin for the CRM: contacts and their identities, pipelines and stages, leads, tasks."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.models import Contact, ContactIdentity, Lead, LeadNote, Pipeline, Stage, Task


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
    actions = ["merge_into"]

    @admin.action(description=_("Merge into…"), permissions=["change"])
    def merge_into(self, request: HttpRequest, queryset: QuerySet[Contact]) -> Any:
        return contacts_merge_into(self, request, queryset)  # defined with the identity admin

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


class LeadNoteInline(admin.TabularInline):
    model = LeadNote
    extra = 0
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # notes are added, never edited


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadForm
    inlines = [LeadNoteInline]
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


# --- identity: merging contacts, the linking policy, merge suggestions -------------------

from django.contrib.admin import helpers  # noqa: E402
from django.contrib.admin.widgets import AutocompleteSelect  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402
from django.template.response import TemplateResponse  # noqa: E402
from django.urls import reverse  # noqa: E402

from crm import services  # noqa: E402
from crm.models import IdentityPolicy, MergeSuggestion  # noqa: E402


class MergeIntoForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Surviving contact"),
        queryset=Contact.objects.live(),
        help_text=_(
            "The chosen contacts are folded into this one: their identities, dialogs, leads "
            "and attributes move to it (its own values win), and they disappear."
        ),
    )

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the contact's own "merged into" relation gives the autocomplete its search
        target = cast(forms.ChoiceField, self.fields["target"])
        target.widget = AutocompleteSelect(Contact._meta.get_field("merged_into"), admin_site)
        target.widget.choices = target.choices


def contacts_merge_into(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Contact]
) -> Any:
    """The "Merge into…" action: an intermediate page picks the surviving contact, then
    each chosen contact is merged into it (``contact_merge``)."""
    chosen = list(queryset.order_by("pk"))
    initial = {"target": next((c.pk for c in chosen if c.merged_into_id is None), None)}
    form = MergeIntoForm(
        request.POST if "apply" in request.POST else None,
        initial=initial,
        admin_site=model_admin.admin_site,
    )
    if form.is_valid():
        target = form.cleaned_data["target"]
        merged = 0
        for source in chosen:
            if source.pk == target.pk:
                continue
            try:
                services.contact_merge(target=target, source=source)
                merged += 1
            except ValidationError as refused:
                model_admin.message_user(
                    request, f"{source}: {'; '.join(refused.messages)}", messages.WARNING
                )
        model_admin.message_user(
            request,
            ngettext(
                "%(count)d contact merged into %(target)s.",
                "%(count)d contacts merged into %(target)s.",
                merged,
            )
            % {"count": merged, "target": target},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:crm_contact_change", args=[target.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Contact._meta,
        "title": _("Merge contacts"),
        "form": form,
        "contacts": chosen,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/crm/contact/merge_into.html", context)


@admin.register(IdentityPolicy)
class IdentityPolicyAdmin(admin.ModelAdmin):
    """One row, made with the defaults when the list is first opened; it is neither added
    twice nor deleted."""

    fields = ["link_policy", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        IdentityPolicy.current()  # the row exists before anyone has saved it
        return super().changelist_view(request, extra_context)


@admin.register(MergeSuggestion)
class MergeSuggestionAdmin(admin.ModelAdmin):
    list_display = ["contact", "candidate", "reason", "created_at", "resolved", "resolution"]
    list_filter = ["resolved", "resolution", "reason"]
    list_select_related = ["contact", "candidate"]
    search_fields = ["contact__name", "contact__email", "candidate__name", "candidate__email"]
    fields = readonly_fields = (
        "contact",
        "candidate",
        "reason",
        "created_at",
        "resolved",
        "resolution",
        "resolved_at",
    )
    actions = ["accept", "dismiss"]
    ordering = ["resolved", "-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Merge as suggested"), permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[MergeSuggestion]) -> None:
        self._resolve(request, queryset, services.merge_suggestion_accept)

    @admin.action(description=_("Dismiss"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[MergeSuggestion]) -> None:
        self._resolve(request, queryset, services.merge_suggestion_dismiss)

    def _resolve(self, request: HttpRequest, queryset: QuerySet[MergeSuggestion], act: Any) -> None:
        done = 0
        for suggestion in queryset.filter(resolved=False).order_by("pk"):
            try:
                act(suggestion=suggestion)
                done += 1
            except (ValidationError, services.StateConflict):
                continue  # resolved by an earlier one of the same batch
        self.message_user(
            request,
            ngettext("%(count)d suggestion handled.", "%(count)d suggestions handled.", done)
            % {"count": done},
            messages.SUCCESS,
        )
