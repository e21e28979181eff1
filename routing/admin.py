"""Admin for routing: groups (members, working hours, holidays), operators, topics.

Channels: a channel offers topics, and topics belong to this app, which ``inbox`` may not
import. So ``inbox.admin`` registers a complete channel admin without topics, and this
module swaps it for a subclass with the topic inline. Importing ``inbox.admin`` first
makes the swap independent of the order in which admin modules are discovered.
"""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Field, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactcenter import events
from inbox.admin import ChannelAdmin
from inbox.models import Channel, Session, SessionStatus
from routing.models import (
    Group,
    GroupMembership,
    Holiday,
    Operator,
    OperatorStatus,
    RoutingRule,
    Topic,
    WorkingHours,
)
from routing.services import group_hours_validate, operator_create, operator_status_set


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class GroupForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=capfirst(_("time zone")),
        choices=time_zone_choices,
        initial="UTC",
        # ``time_zone.js`` names the picked zone in the working hours below.
        widget=forms.Select(
            attrs={
                "data-hours-heading": _("Working hours (%(zone)s time)"),
                "data-hours-help": _("In the group's time zone, %(zone)s."),
            }
        ),
        help_text=_("Working hours are in this time zone, e.g. Europe/Moscow."),
    )

    class Meta:
        model = Group
        fields = [
            "name",
            "routing_strategy",
            "default_max_sessions",
            "supervisors",
            "time_zone",
            "always_open",
            "offline_message",
            "no_answer_timeout_s",
            "inactivity_timeout_s",
            "sla_target_s",
            "abandon_after_s",
        ]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    fields = ["operator", "position", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["operator"]
    ordering = ["position", "id"]
    extra = 0


class WorkingHoursFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        intervals: list[Any] = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("start")
            and form.cleaned_data.get("end")
        ]
        try:
            group_hours_validate(working_hours=intervals)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("working_hours", error.messages)) from None


class HourInput(forms.TimeInput):
    """The browser's own hour picker. Not the admin's clock widget: that one adds "You
    are N hours ahead of server time", which is true of neither the browser nor the
    server here, since a group's hours are in the group's time zone."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class DayInput(forms.DateInput):
    """The browser's own date picker, for the same reason as ``HourInput``."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def group_time_zone_help(group: Group | None) -> str | Promise:
    if group is None or not group.pk:
        return _("In the group's time zone, chosen above.")
    return _("In the group's time zone, %(zone)s.") % {"zone": group.time_zone}


class GroupTimeInline(admin.TabularInline):
    """Inlines whose times are the group's local times: they say which zone that is."""

    time_fields: tuple[str, ...] = ()

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        for name in self.time_fields:
            formset.form.base_fields[name].help_text = str(group_time_zone_help(obj))
        return formset


class WorkingHoursInline(GroupTimeInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    fields = ["weekday", "start", "end"]
    ordering = ["weekday", "start"]
    formfield_overrides = {models.TimeField: {"widget": HourInput}}
    time_fields = ("start", "end")
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is not None and obj.pk:
            # The heading names the zone too: the help of a table column is a tooltip.
            self.verbose_name_plural = _("Working hours (%(zone)s time)") % {"zone": obj.time_zone}
        return super().get_formset(request, obj, **kwargs)


class HolidayInline(GroupTimeInline):
    model = Holiday
    fields = ["date", "name"]
    ordering = ["date"]
    formfield_overrides = {models.DateField: {"widget": DayInput}}
    time_fields = ("date",)
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    form = GroupForm
    list_display = [
        "name",
        "routing_strategy",
        "member_count",
        "default_max_sessions",
        "always_open",
        "time_zone",
    ]
    list_filter = ["routing_strategy", "always_open"]
    search_fields = ["name"]
    autocomplete_fields = ["supervisors"]
    readonly_fields = ["created_at"]
    ordering = ["name"]
    fieldsets = [
        (
            _("Routing"),
            {"fields": ["name", "routing_strategy", "default_max_sessions", "supervisors"]},
        ),
        (
            _("Working hours"),
            {
                "fields": ["time_zone", "always_open", "offline_message"],
                "description": _(
                    "The open hours of each weekday and the holidays are listed below the "
                    "form. They are in the group's time zone, not the server's or your "
                    "computer's."
                ),
            },
        ),
        (
            _("Timeouts and targets"),
            {
                "fields": [
                    "no_answer_timeout_s",
                    "inactivity_timeout_s",
                    "sla_target_s",
                    "abandon_after_s",
                ]
            },
        ),
        (None, {"fields": ["created_at"]}),
    ]
    inlines = [MembershipInline, WorkingHoursInline, HolidayInline]

    class Media:
        js = ["admin/routing/group/time_zone.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # A group with open chats would leave them without a team: Django then lists those
        # chats as what blocks the deletion, on the single and the bulk delete alike.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        open_sessions = Session.objects.filter(group__in=list(objs)).exclude(
            status=SessionStatus.CLOSED
        )
        protected = [*protected, *(str(session) for session in open_sessions[:50])]
        return deleted, counts, perms_needed, protected

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            # New members, a higher limit or new hours may let queued chats be assigned.
            events.emit(events.CapacityFreed(group_ids=(form.instance.pk,)))

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj: Group) -> int:
        return getattr(obj, "_member_count", 0)


class OperatorMembershipInline(admin.TabularInline):
    model = GroupMembership
    fields = ["group", "position", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["group"]
    verbose_name = _("group membership")
    verbose_name_plural = _("groups")
    extra = 0


class OperatorCreationForm(forms.ModelForm):
    """One screen that creates the login and the operator together."""

    username = forms.CharField(
        label=_("username"),
        max_length=150,
        help_text=_("What the operator types to log in."),
    )
    password = forms.CharField(
        label=_("password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("groups"),
        queryset=Group.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The groups whose chats this operator answers."),
    )

    class Meta:
        model = Operator
        fields = ["display_name", "max_sessions", "language"]

    def clean_username(self) -> str:
        username = User.normalize_username(self.cleaned_data["username"])
        username_field = cast(Field, User._meta.get_field(User.USERNAME_FIELD))
        try:
            username_field.run_validators(username)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        if User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
            raise forms.ValidationError(_("A user with this username already exists."))
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, username = cleaned.get("password"), cleaned.get("username")
        if password:
            candidate = User(**{User.USERNAME_FIELD: username or ""})
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def save(self, commit: bool = True) -> Operator:
        # The login and the operator are created together by the one write path for it.
        return operator_create(
            username=self.cleaned_data["username"],
            password=self.cleaned_data["password"],
            display_name=self.cleaned_data.get("display_name") or "",
            max_sessions=self.cleaned_data.get("max_sessions"),
            groups=list(self.cleaned_data.get("groups") or ()),
            language=self.cleaned_data.get("language") or "",
        )

    def save_m2m(self) -> None:
        # The admin calls this after save(); the memberships are already stored.
        return None


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    add_form = OperatorCreationForm
    list_display = ["user", "display_name", "status", "max_sessions", "group_list", "last_seen_at"]
    list_filter = ["status", "member_of"]
    list_select_related = ["user"]
    search_fields = ["user__username", "display_name", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["connected_at", "last_seen_at", "last_assigned_at", "created_at"]
    fields = [
        "user",
        "display_name",
        "max_sessions",
        "language",
        "status",
        "connected_at",
        "last_seen_at",
        "last_assigned_at",
        "created_at",
    ]
    inlines = [OperatorMembershipInline]
    actions = ["set_offline", "set_away"]
    ordering = ["display_name", "id"]

    add_fieldsets = [
        (_("Login"), {"fields": ["username", "password"]}),
        (_("Operator"), {"fields": ["display_name", "max_sessions", "language", "groups"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("member_of")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else []

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # On the add screen the groups are picked in the form itself.
        return self.inlines if obj else []

    @admin.display(description=_("groups"))
    def group_list(self, obj: Operator) -> str:
        return ", ".join(group.name for group in obj.member_of.all())

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Operator], status: str) -> None:
        count = 0
        for operator in queryset:
            operator_status_set(operator=operator, status=status)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d operator is now %(status)s.",
                "%(count)d operators are now %(status)s.",
                count,
            )
            % {"count": count, "status": OperatorStatus(status).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Set status: offline"))
    def set_offline(self, request: HttpRequest, queryset: QuerySet[Operator]) -> None:
        self._set_status(request, queryset, OperatorStatus.OFFLINE)

    @admin.action(description=_("Set status: away"))
    def set_away(self, request: HttpRequest, queryset: QuerySet[Operator]) -> None:
        self._set_status(request, queryset, OperatorStatus.AWAY)


class TopicInline(admin.TabularInline):
    model = Topic
    fields = ["position", "title", "group"]
    autocomplete_fields = ["group"]
    ordering = ["position", "id"]
    extra = 0


admin.site.unregister(Channel)


@admin.register(Channel)
class ChannelWithTopicsAdmin(ChannelAdmin):
    inlines = [*ChannelAdmin.inlines, TopicInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "channel", "group", "position"]
    list_filter = ["channel", "group"]
    list_select_related = ["channel", "group"]
    search_fields = ["title"]
    autocomplete_fields = ["channel", "group"]
    ordering = ["channel", "position", "id"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "position",
        "is_active",
        "channel",
        "page_url_pattern",
        "language",
        "attribute_name",
        "attribute_value",
        "target_group",
        "priority",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "channel", "target_group"]
    search_fields = ["name", "page_url_pattern", "attribute_name", "attribute_value"]
    autocomplete_fields = ["channel", "target_group"]
    ordering = ["position", "id"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active"]}),
        (
            _("When (all that are filled in must hold)"),
            {
                "fields": [
                    "channel",
                    "page_url_pattern",
                    "language",
                    "attribute_name",
                    "attribute_value",
                ]
            },
        ),
        (_("Then"), {"fields": ["target_group", "priority"]}),
    ]
