"""The admin's read-only record of conversations: dialogs, sessions, messages and
widget visitors (what happened, for admins to look up; nothing is edited here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from inbox.models import (
    Attachment,
    Dialog,
    Message,
    Session,
    WidgetVisitor,
)

# A dialog's page shows this many of its latest messages.
RECENT_MESSAGES = 50


class RecentMessagesFormSet(BaseInlineFormSet):
    """Only the latest messages of a dialog: a long dialog must not make a huge page."""

    def get_queryset(self) -> QuerySet[Any]:
        if not hasattr(self, "_recent_queryset"):
            base = super().get_queryset()
            recent = list(base.order_by("-id").values_list("pk", flat=True)[:RECENT_MESSAGES])
            self._recent_queryset = base.filter(pk__in=recent).order_by("id")
        return self._recent_queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DialogMessageInline(ReadOnlyInline):
    model = Message
    formset = RecentMessagesFormSet
    fields = readonly_fields = (
        "created_at",
        "sender_type",
        "sender_name",
        "text",
        "internal",
        "session",
    )
    verbose_name_plural = _("latest messages")


class DialogSessionInline(ReadOnlyInline):
    model = Session
    fk_name = "dialog"
    fields = readonly_fields = (
        "status",
        "close_reason",
        "group",
        "operator",
        "created_at",
        "closed_at",
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """What services write: shown to admins, never edited by hand (it would skip routing,
    events and real-time delivery)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dialog)
class DialogAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "contact", "channel", "created_at", "last_message_at"]
    list_filter = ["channel"]
    list_select_related = ["contact", "channel"]
    search_fields = ["contact__name", "contact__email", "contact__phone", "identity__external_id"]
    readonly_fields = ["channel", "contact", "identity", "created_at", "last_message_at"]
    inlines = [DialogSessionInline, DialogMessageInline]
    date_hierarchy = "created_at"
    ordering = ["-last_message_at", "-id"]


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "contact",
        "channel",
        "group",
        "operator",
        "status",
        "close_reason",
        "created_at",
        "closed_at",
        "rating",
    ]
    list_filter = [
        "status",
        "group",
        "close_reason",
        "dialog__channel",
        "operator",
        "rating",
        "labels",
    ]
    list_select_related = ["dialog__contact", "dialog__channel", "group", "operator__user"]
    search_fields = ["=id", "dialog__contact__name", "dialog__contact__email"]
    readonly_fields = [
        "dialog",
        "group",
        "operator",
        "topic",
        "status",
        "close_reason",
        "priority",
        "previous_session",
        "created_at",
        "queued_at",
        "assigned_at",
        "first_response_at",
        "closed_at",
        "last_contact_message_at",
        "operator_read_message_id",
        "rating",
        "rating_comment",
        "rated_at",
    ]
    date_hierarchy = "created_at"
    ordering = ["-id"]

    @admin.display(description=_("contact"), ordering="dialog__contact")
    def contact(self, obj: Session) -> Any:
        return obj.dialog.contact

    @admin.display(description=_("channel"), ordering="dialog__channel")
    def channel(self, obj: Session) -> Any:
        return obj.dialog.channel


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = readonly_fields = ("name", "file", "content_type", "size", "created_at")
    show_change_link = False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "dialog",
        "session",
        "sender_type",
        "sender_name",
        "short_text",
        "internal",
        "created_at",
    ]
    list_filter = ["sender_type", "internal", "dialog__channel"]
    list_select_related = ["dialog__contact", "dialog__channel", "session"]
    search_fields = ["text", "sender_name", "=dialog__id"]
    readonly_fields = [
        "dialog",
        "session",
        "sender_type",
        "sender_name",
        "sender_user",
        "text",
        "client_id",
        "internal",
        "created_at",
    ]
    inlines = [AttachmentInline]
    date_hierarchy = "created_at"
    ordering = ["-id"]

    @admin.display(description=_("text"))
    def short_text(self, obj: Message) -> str:
        return obj.text if len(obj.text) <= 80 else f"{obj.text[:79]}…"


@admin.register(WidgetVisitor)
class WidgetVisitorAdmin(ReadOnlyAdmin):
    # The token hash stays out of sight: it is a credential's fingerprint, of no use here.
    fields = readonly_fields = (
        "channel",
        "dialog",
        "page_url",
        "page_title",
        "referrer",
        "user_agent",
        "language",
        "time_zone",
        "utc_offset_min",
        "context_updated_at",
        "created_at",
        "last_seen_at",
    )
    list_display = ["__str__", "channel", "dialog", "page_url", "created_at", "last_seen_at"]
    list_filter = ["channel"]
    list_select_related = ["channel", "dialog__contact", "dialog__channel"]
    search_fields = ["=id", "page_url", "dialog__contact__name", "dialog__contact__email"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
