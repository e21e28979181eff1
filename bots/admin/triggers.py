"""Admin for the bots: triggers with their conditions and actions, a dry run, the run
log; webhook subscriptions (secrets write-only) and the delivery log with a resend."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bots import actions, conditions, selectors, services
from bots.models import (
    Action,
    Condition,
    Trigger,
    TriggerEvent,
    TriggerRun,
    WebhookDelivery,
    WebhookSubscription,
    new_webhook_secret,
)
from inbox.models import Session

# --- triggers ---------------------------------------------------------------------------


def _event_label(event: str) -> str:
    return str(dict(TriggerEvent.choices).get(event, event))


class ConditionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        event = getattr(self.instance, "event", "")
        available = selectors.EVENT_ROOTS.get(event)
        if not available:
            return
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            root = (form.cleaned_data.get("field") or "").split(".", 1)[0]
            if root in conditions.ROOTS and root not in available:
                form.add_error(
                    "field",
                    _("“%(event)s” has no %(root)s, so this condition can never hold.")
                    % {"event": _event_label(event), "root": root},
                )


class ConditionInline(admin.TabularInline):
    model = Condition
    formset = ConditionFormSet
    fields = ["position", "field", "operator", "value"]
    extra = 0
    ordering = ["position", "id"]


def _actions_help() -> str:
    rows = format_html_join(
        "",
        "<li><b>{}</b> ({}): {}<br><code>{}</code></li>",
        (
            (
                label,
                value,
                actions.KINDS[value].help,
                json.dumps(actions.KINDS[value].example, ensure_ascii=False),
            )
            for value, label in Action._meta.get_field("type").choices or ()
        ),
    )
    return format_html(
        "{}<ul>{}</ul>{}",
        _("The settings of each kind of action, with an example:"),
        rows,
        _(
            "Text settings may use placeholders filled from the event, such as {contact.name}, "
            "{session.group.name}, {session.operator.name}, {lead.title}, {message.text}."
        ),
    )


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["position", "type", "params"]
        widgets = {"params": forms.Textarea(attrs={"rows": 4, "cols": 80})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["params"].help_text = _actions_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") and "params" in data:
            errors = actions.params_errors(type=data["type"], params=data["params"])
            if errors:
                self.add_error("params", errors)
        return data


class ActionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        event = getattr(self.instance, "event", "")
        available = selectors.EVENT_ROOTS.get(event, frozenset())
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(_("Add at least one action: a trigger that does nothing."))
        for form in kept:
            type_, params = form.cleaned_data.get("type"), form.cleaned_data.get("params")
            missing = actions.action_needs(type=type_ or "", params=params) - available
            if event and missing:
                form.add_error(
                    "type",
                    _("“%(event)s” has no %(what)s for this action to work on.")
                    % {"event": _event_label(event), "what": ", ".join(sorted(missing))},
                )


class ActionInline(admin.StackedInline):
    model = Action
    form = ActionForm
    formset = ActionFormSet
    extra = 0
    ordering = ["position", "id"]


class DryRunForm(forms.Form):
    session = forms.IntegerField(
        label=_("Session number"),
        min_value=1,
        help_text=_("The number of the chat to try the triggers on (see Inbox, Sessions)."),
    )
    event = forms.ChoiceField(
        label=_("As if this happened"),
        choices=TriggerEvent.choices,
        initial=TriggerEvent.SESSION_CLOSED,
        help_text=_(
            "For “Session closed” an open session is treated as closed now; for "
            "“Message received”, its customer's last message is used."
        ),
    )
    triggers = forms.ModelMultipleChoiceField(
        label=_("Triggers"),
        queryset=Trigger.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every active trigger of the event."),
    )

    def clean_session(self) -> int:
        session_id = self.cleaned_data["session"]
        if not Session.objects.filter(pk=session_id).exists():
            raise ValidationError(_("There is no session number %(n)s.") % {"n": session_id})
        return session_id


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "event",
        "is_active",
        "position",
        "condition_list",
        "action_list",
        "last_run",
    ]
    list_editable = ["is_active", "position"]
    list_filter = ["event", "is_active"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "description", "event", "is_active", "position"]}),
        (_("Only if"), {"fields": ["match"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [ConditionInline, ActionInline]
    actions = ["dry_run_selected"]
    change_form_template = "admin/bots/trigger/change_form.html"
    change_list_template = "admin/bots/trigger/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("conditions", "actions")

    def save_model(self, request: HttpRequest, obj: Trigger, form: Any, change: bool) -> None:
        services.trigger_save(trigger=obj)

    def delete_model(self, request: HttpRequest, obj: Trigger) -> None:
        services.triggers_delete(triggers=Trigger.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Trigger]) -> None:
        services.triggers_delete(triggers=queryset)

    @admin.display(description=_("conditions"))
    def condition_list(self, obj: Trigger) -> str:
        joiner = " and " if obj.match == "all" else " or "
        return joiner.join(str(c) for c in obj.conditions.all()) or "—"

    @admin.display(description=_("actions"))
    def action_list(self, obj: Trigger) -> str:
        return ", ".join(a.get_type_display() for a in obj.actions.all())

    @admin.display(description=_("last run"))
    def last_run(self, obj: Trigger) -> str:
        run = obj.runs.order_by("-id").first()
        if run is None:
            return "—"
        return f"{run.get_status_display()}, {run.created_at:%Y-%m-%d %H:%M}"

    def get_urls(self) -> list[Any]:
        dry_run = self.admin_site.admin_view(self.dry_run_view)
        return [path("dry-run/", dry_run, name="bots_trigger_dry_run"), *super().get_urls()]

    @admin.action(description=_("Dry run the selected triggers on a session"))
    def dry_run_selected(self, request: HttpRequest, queryset: QuerySet[Trigger]) -> Any:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('admin:bots_trigger_dry_run')}?ids={ids}")

    def dry_run_view(self, request: HttpRequest) -> HttpResponse:
        """Shows, for one session, which triggers would fire and what they would do.
        Nothing is done (see ``services.triggers_dry_run``)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        ids = [
            int(i)
            for i in request.GET.get("ids", "").split(",")
            if i.isascii() and i.isdigit() and len(i) < 19
        ]
        initial: dict[str, Any] = {"triggers": ids}
        chosen = Trigger.objects.filter(pk__in=ids)
        if len({t.event for t in chosen}) == 1:
            initial["event"] = chosen[0].event
        form = DryRunForm(request.GET if "session" in request.GET else None, initial=initial)
        results = None
        if form.is_valid():
            picked = list(form.cleaned_data["triggers"]) or None
            results = services.triggers_dry_run(
                session_id=form.cleaned_data["session"],
                event=form.cleaned_data["event"],
                triggers=[t for t in picked if t.event == form.cleaned_data["event"]]
                if picked
                else None,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Dry run of triggers"),
            "form": form,
            "results": results,
        }
        return TemplateResponse(request, "admin/bots/trigger/dry_run.html", context)


@admin.register(TriggerRun)
class TriggerRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "trigger_name", "event", "status", "session", "short_error"]
    list_filter = ["status", "event", "trigger"]
    list_select_related = ["session"]
    search_fields = ["trigger_name", "error"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "trigger",
        "trigger_name",
        "event",
        "event_key",
        "session",
        "contact",
        "status",
        "what_it_did",
        "error",
        "created_at",
        "finished_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by the triggers themselves

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj: TriggerRun) -> str:
        return obj.error[:120]

    @admin.display(description=_("what it did"))
    def what_it_did(self, obj: TriggerRun) -> str:
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((s,) for s in obj.done))
        )


# --- webhooks ---------------------------------------------------------------------------


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("address"),
        max_length=1000,
        assume_scheme="https",
        help_text=WebhookSubscription._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=TriggerEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each of these events is POSTed to the address. Triggers may also send "
            "here with the “Call a webhook” action."
        ),
    )
    new_secret = forms.CharField(
        label=_("new signing secret"),
        required=False,
        strip=True,
        min_length=16,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Leave empty to keep the current secret (a new subscription gets a random "
            "one, shown once after saving). Type one of at least 16 characters to "
            "replace it."
        ),
    )
    regenerate_secret = forms.BooleanField(
        label=_("generate a new secret"),
        required=False,
        help_text=_(
            "Replaces the secret with a random one, shown once after saving. Receivers "
            "must switch to it."
        ),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown_secret = ""

    def save(self, commit: bool = True) -> WebhookSubscription:
        subscription = super().save(commit=False)
        typed = self.cleaned_data.get("new_secret")
        if typed:
            subscription.secret = typed  # they know it: it is not shown back
        elif self.cleaned_data.get("regenerate_secret") or subscription._state.adding:
            subscription.secret = new_webhook_secret()
            self.shown_secret = subscription.secret
        if commit:
            subscription.save()
        return subscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "event_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret_shown_as", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "url", "events", "is_active"]}),
        (
            _("Signing"),
            {
                "fields": ["secret_shown_as", "new_secret", "regenerate_secret"],
                "description": _(
                    "Every delivery carries X-Webhook-Signature: sha256= and the hex HMAC-SHA256 "
                    "of “timestamp.body” under this secret (see docs/webhooks.md)."
                ),
            },
        ),
        (None, {"fields": ["created_at"]}),
    ]
    actions = ["send_test"]

    @admin.display(description=_("events"))
    def event_list(self, obj: WebhookSubscription) -> str:
        return ", ".join(_event_label(e) for e in obj.events or []) or "—"

    @admin.display(description=_("signing secret"))
    def secret_shown_as(self, obj: WebhookSubscription) -> str:
        return obj.secret_hint or "—"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.webhook_subscription_save(subscription=obj)
        if form.shown_secret:
            self.message_user(
                request,
                format_html(
                    "{} <code>{}</code>",
                    _("Copy the signing secret now; it will not be shown again:"),
                    form.shown_secret,
                ),
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        services.webhook_subscriptions_delete(
            subscriptions=WebhookSubscription.objects.filter(pk=obj.pk)
        )

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]
    ) -> None:
        services.webhook_subscriptions_delete(subscriptions=queryset)

    @admin.action(description=_("Send a test event"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            services.webhook_delivery_create(
                subscription=subscription, event="ping", data={"message": "Test from the admin"}
            )
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d test event queued; see the delivery log.",
                "%(count)d test events queued; see the delivery log.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "subscription",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = ["status", "event", "subscription"]
    list_select_related = ["subscription"]
    search_fields = ["event", "last_error", "subscription__name"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "id",
        "subscription",
        "event",
        "status",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "response_status",
        "last_error",
        "payload_shown",
        "created_at",
    )
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by events, triggers and the test action

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: WebhookDelivery) -> str:
        return obj.last_error[:120]

    @admin.display(description=_("payload"))
    def payload_shown(self, obj: WebhookDelivery) -> str:
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2)
        return format_html("<pre>{}</pre>", text)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.has_perm("bots.change_webhookdelivery"))

    @admin.action(description=_("Resend now (one more attempt, same id)"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            services.webhook_delivery_resend(delivery=delivery)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
