"""Admin for the inbox: channels, dialogs, sessions, messages and canned responses.

Channels are registered here without their topics: topics belong to ``routing``, which
this app may not import. ``routing.admin`` extends ``ChannelAdmin`` with the topic inline
and registers that instead (see the note there).
"""

from __future__ import annotations

import contextvars
import copy
import json
import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from inbox import (
    admin_records,  # noqa: F401  (registers the records' admin)
    canned,
)
from inbox.connectors.api import admin as api_admin
from inbox.connectors.email import settings_form as email_settings
from inbox.connectors.telegram import admin as telegram_admin
from inbox.connectors.whatsapp import admin_form as whatsapp_admin
from inbox.models import (
    CannedResponse,
    Channel,
    Label,
    ProactiveInvitation,
)
from inbox.services import channel_config_clean, channel_origins_clean, channel_secrets_generate
from inbox.services.channels import (
    WIDGET_DEFAULT_COLOR,
    WIDGET_GREETING_MAX,
    WIDGET_PRECHAT_FIELDS,
    WIDGET_TITLE_MAX,
    widget_settings_apply,
)

# The origin of the request being served, for the widget snippet (a read-only field gets
# only the object). A context variable keeps concurrent requests apart.
_request_origin: contextvars.ContextVar[str] = contextvars.ContextVar(
    "admin_request_origin", default=""
)

# The widget's own words the preview shows, as ``inbox/static/widget/widget.js`` has
# them, so that the preview speaks the language chosen for the widget.
WIDGET_PREVIEW_TEXTS = {
    "en": {
        "online": "Online",
        "placeholder": "Type a message…",
        "prechat": "Please introduce yourself before we start",
        "name": "Name",
        "email": "Email",
        "phone": "Phone",
        "start": "Start chat",
        "chat": "Chat",
    },
    "ru": {
        "online": "Онлайн",
        "placeholder": "Напишите сообщение…",
        "prechat": "Представьтесь, пожалуйста, перед началом чата",
        "name": "Имя",
        "email": "Эл. почта",
        "phone": "Телефон",
        "start": "Начать чат",
        "chat": "Чат",
    },
}


def widget_script_url(origin: str) -> str:
    static_url = settings.STATIC_URL or "/static/"
    if static_url.startswith(("http://", "https://", "//")):
        return f"{static_url.rstrip('/')}/widget/widget.js"
    return f"{origin}/{static_url.strip('/')}/widget/widget.js"


def widget_snippet(*, origin: str, key: str) -> str:
    return f'<script src="{widget_script_url(origin)}" data-channel="{key}" async></script>'


class OriginListField(forms.Field):
    """A list of origins edited as one origin per line; the rule itself is the service's."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:
        lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
        # An origin never ends with a slash, but one pasted from the address bar does.
        origins = [str(line).strip().removesuffix("/") for line in lines if str(line).strip()]
        return channel_origins_clean(origins=origins)


class ColorInput(forms.TextInput):
    """A ``#rrggbb`` text box with the browser's colour picker beside it (kept in step
    by ``widget_settings.js``): typed or picked, the value is the text box's."""

    template_name = "admin/inbox/channel/color_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"size": 8, "maxlength": 7, "spellcheck": "false", "autocomplete": "off"}
        super().__init__({**defaults, **(attrs or {})})


PRECHAT_OFF, PRECHAT_OPTIONAL, PRECHAT_REQUIRED = "off", "optional", "required"
PRECHAT_CHOICES = [
    (PRECHAT_OFF, _("Not asked")),
    (PRECHAT_OPTIONAL, _("Asked, optional")),
    (PRECHAT_REQUIRED, _("Asked, required")),
]
PRECHAT_LABELS = {"name": _("Name"), "email": _("E-mail"), "phone": _("Phone")}
# The form's widget fields and the setting each one writes.
WIDGET_FIELDS = {
    "widget_title": "title",
    "widget_color": "color",
    "widget_greeting": "greeting",
    "widget_language": "language",
    "widget_position": "position",
}
PRECHAT_FIELD_NAMES = {f"prechat_{name}": name for name in WIDGET_PRECHAT_FIELDS}


class ChannelForm(forms.ModelForm):
    # Checked by ``widget_settings_apply`` in ``clean()``, only for widget channels: on
    # the add page another type may be chosen with these fields left as they are.
    widget_title = forms.CharField(
        label=_("Chat title"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": WIDGET_TITLE_MAX, "size": 40}),
        help_text=_("Shown in the chat's header. Empty: the channel's name."),
    )
    widget_color = forms.CharField(
        label=_("Colour"),
        widget=ColorInput,
        required=False,
        initial=WIDGET_DEFAULT_COLOR,
        help_text=_(
            "The colour of the chat button, the header and the visitor's messages: # and "
            "six hexadecimal digits (e.g. #2563eb), or pick it. The text on it turns black "
            "or white, whichever reads better. Empty: the default blue."
        ),
    )
    widget_greeting = forms.CharField(
        label=_("Greeting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "maxlength": WIDGET_GREETING_MAX}),
        help_text=_(
            "The first message a visitor sees on opening the chat, before anyone answers. "
            "Empty: none."
        ),
    )
    widget_language = forms.ChoiceField(
        label=_("Widget language"),
        choices=[
            ("auto", _("The visitor's browser language")),
            ("en", _("English")),
            ("ru", _("Russian")),
        ],
        initial="auto",
        required=False,
        help_text=_(
            "The language of the widget's own texts (buttons, hints). A data-lang "
            "attribute in the snippet overrides it."
        ),
    )
    widget_position = forms.ChoiceField(
        label=_("Button position"),
        choices=[("right", _("Bottom right")), ("left", _("Bottom left"))],
        initial="right",
        required=False,
        help_text=_(
            "The corner of the page where the chat button sits. A data-position attribute "
            "in the snippet overrides it."
        ),
    )
    prechat_enabled = forms.BooleanField(
        label=_("Pre-chat form"),
        required=False,
        help_text=_(
            "Ask visitors to introduce themselves before their first message. Visitors "
            "your website already identified skip it when they gave what is required."
        ),
    )
    prechat_name = forms.ChoiceField(
        label=PRECHAT_LABELS["name"], choices=PRECHAT_CHOICES, initial=PRECHAT_OFF, required=False
    )
    prechat_email = forms.ChoiceField(
        label=PRECHAT_LABELS["email"],
        choices=PRECHAT_CHOICES,
        initial=PRECHAT_OFF,
        required=False,
        help_text=_("The address is checked in the browser and on the server."),
    )
    prechat_phone = forms.ChoiceField(
        label=PRECHAT_LABELS["phone"], choices=PRECHAT_CHOICES, initial=PRECHAT_OFF, required=False
    )
    allowed_origins = OriginListField(
        label=capfirst(_("allowed origins")),
        required=False,
        help_text=_(
            "Websites that may embed the widget, one per line, e.g. https://shop.example. "
            "Empty: any site."
        ),
    )

    # a choice, not a checkbox: a form that leaves it out (an older page, a script)
    # keeps translation on instead of switching it off
    translation = forms.ChoiceField(
        label=_("Translate messages"),
        choices=[("on", _("On")), ("off", _("Off"))],
        required=False,
        initial="on",
        help_text=_(
            "When a translation provider is configured, customers' messages are translated "
            "for operators and replies into the customer's language (docs/translation.md)."
        ),
    )

    class Meta:
        model = Channel
        fields = ["type", "name", "default_group", "is_active", "config", "allowed_origins"]
        help_texts = {
            "config": _(
                'Settings of this kind of channel as a JSON object, e.g. {"bot_token": "..."}. '
                "Secrets are never shown again: leave them out to keep the stored values, "
                "write them to replace them."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            off = (self.instance.config or {}).get("translation") is False
            self.initial["translation"] = "off" if off else "on"
        if self.instance.pk and "config" in self.fields:
            # Secrets never reach the page; what is shown is the config minus secrets.
            self.initial["config"] = self.instance.public_config()
        if self.instance.pk and self.instance.type == "widget":
            self.initial.update(widget_initial(self.instance.config or {}))
            if "config" in self.fields:
                # The JSON box holds only what the fields above do not.
                self.initial["config"] = {
                    key: value
                    for key, value in self.instance.public_config().items()
                    if key not in WIDGET_FIELDS.values() and key != "prechat"
                }
                self.fields["config"].help_text = _(
                    "Further settings of the widget as a JSON object, if any; the ones "
                    "above are not repeated here. Usually empty: {}."
                )

    @property
    def is_widget(self) -> bool:
        if self.instance.pk:
            return self.instance.type == "widget"
        return self.data.get("type", "") == "widget"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.is_widget or "widget_color" not in self.fields:
            return cleaned
        # The widget's settings are real fields; they are kept in ``config``, which the
        # widget reads, next to any other key of it (an add form's JSON, the API's).
        base = cleaned.get("config") if "config" in self.fields else self.instance.config
        chosen = {key: cleaned.get(field) for field, key in WIDGET_FIELDS.items()}
        chosen["prechat"] = {
            "enabled": bool(cleaned.get("prechat_enabled")),
            "fields": [
                {"name": name, "required": cleaned.get(field) == PRECHAT_REQUIRED}
                for field, name in PRECHAT_FIELD_NAMES.items()
                if cleaned.get(field) in (PRECHAT_OPTIONAL, PRECHAT_REQUIRED)
            ],
        }
        try:
            config = widget_settings_apply(config=dict(base or {}), settings=chosen)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                field = next((f for f, k in WIDGET_FIELDS.items() if k == key), None)
                self.add_error(field or "prechat_enabled", messages)
            return cleaned
        cleaned["config"] = config
        self.instance.config = config
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        # the switch is kept in ``config`` like the type's own settings, whichever form
        # of a channel type wrote them
        if "translation" in self.fields and not self.errors:
            config = dict(self.instance.config or {})
            config.pop("translation", None)  # absent: on
            if self.cleaned_data.get("translation") == "off":
                config["translation"] = False
            self.instance.config = config

    def clean_config(self) -> dict[str, Any]:
        config = self.cleaned_data.get("config")
        if config in (None, ""):
            config = {}
        channel_type = self.instance.type if self.instance.pk else self.data.get("type", "")
        config = channel_config_clean(channel_type=channel_type, config=config)
        if self.instance.pk:
            # Secrets left out or blank keep their stored values: they were never shown.
            config = self.instance.merged_config(config)
        config, self.secrets_made = channel_secrets_generate(
            channel_type=channel_type, config=config
        )
        return config


class EmailChannelForm(email_settings.EmailSettingsMixin, ChannelForm):
    """An e-mail channel's form: its settings as fields (``connectors/email``)."""


def widget_initial(config: dict[str, Any]) -> dict[str, Any]:
    """The form's widget fields as a stored ``config`` sets them."""
    prechat = config.get("prechat")
    if not isinstance(prechat, dict):
        prechat = {}
    asked = {
        field.get("name"): PRECHAT_REQUIRED if field.get("required") else PRECHAT_OPTIONAL
        for field in prechat.get("fields") or []
        if isinstance(field, dict)
    }
    initial: dict[str, Any] = {field: config.get(key) or "" for field, key in WIDGET_FIELDS.items()}
    initial["widget_color"] = config.get("color") or WIDGET_DEFAULT_COLOR
    initial["widget_language"] = config.get("language") or "auto"
    initial["widget_position"] = config.get("position") or "right"
    initial["prechat_enabled"] = bool(prechat.get("enabled"))
    for field, name in PRECHAT_FIELD_NAMES.items():
        initial[field] = asked.get(name, PRECHAT_OFF)
    return initial


class ProactiveInvitationForm(forms.ModelForm):
    class Meta:
        model = ProactiveInvitation
        fields = [
            "channel",
            "message",
            "delay_s",
            "url_pattern",
            "first_visit_only",
            "is_active",
            "position",
        ]

    def clean_url_pattern(self) -> str:
        pattern = self.cleaned_data.get("url_pattern") or ""
        try:
            re.compile(pattern)
        except re.error as error:
            raise forms.ValidationError(
                _("This is not a valid regular expression: %(error)s"),
                params={"error": error},
                code="invalid_pattern",
            ) from None
        return pattern


class ProactiveInvitationInline(admin.StackedInline):
    model = ProactiveInvitation
    form = ProactiveInvitationForm
    fields = ["message", "delay_s", "url_pattern", "first_visit_only", "is_active", "position"]
    ordering = ["position", "id"]
    extra = 0


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["name", "type", "default_group", "is_active", "key", "created_at"]
    list_filter = ["type", "is_active", "default_group"]
    list_select_related = ["default_group"]
    search_fields = ["name", "key"]
    readonly_fields = [
        "key",
        "widget_snippet",
        "widget_preview",
        "api_endpoints",
        "secrets_status",
        "webhook_address",
        "whatsapp_webhook",
        "created_at",
    ]
    autocomplete_fields = ["default_group"]
    ordering = ["name", "id"]
    inlines = [ProactiveInvitationInline]
    actions = [
        api_admin.inbound_secret_rotate,
        api_admin.webhook_secret_rotate,
        email_settings.email_connection_test,
        telegram_admin.webhook_register,
        telegram_admin.connection_check,
        whatsapp_admin.connection_test,
    ]
    webhook_address = telegram_admin.webhook_address
    whatsapp_webhook = whatsapp_admin.webhook_display
    fieldsets = [
        (None, {"fields": ["type", "name", "default_group", "is_active", "translation"]}),
        (_("Embedding"), {"fields": ["key", "widget_snippet", "allowed_origins"]}),
        (_("Settings"), {"fields": ["config", "secrets_status", "webhook_address"]}),
        (None, {"fields": ["created_at"]}),
    ]
    widget_fieldsets = [
        (
            _("Website widget"),
            {
                # One section, so that the preview stays in view for all of them.
                "fields": [
                    "widget_preview",
                    "widget_title",
                    "widget_color",
                    "widget_greeting",
                    "widget_language",
                    "widget_position",
                    "prechat_enabled",
                    "prechat_name",
                    "prechat_email",
                    "prechat_phone",
                ],
                "classes": ["widget-settings"],
                "description": _(
                    "What visitors of your website see. The preview follows your changes "
                    "as you type; they take effect on the website once saved."
                ),
            },
        ),
    ]

    class Media:
        css = {"all": ["admin/inbox/channel/widget_settings.css"]}
        js = ["admin/inbox/channel/widget_settings.js"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        basics, embedding, settings_, record = self.fieldsets
        if obj is None:
            # The type is picked on this page: both are there, the script shows one.
            settings_ = (settings_[0], {**settings_[1], "classes": ["channel-settings"]})
            return [basics, embedding, *self.widget_fieldsets, settings_, record]
        if obj.type == "api":
            return [
                basics,
                (_("Addresses"), {"fields": ["key", "api_endpoints"]}),
                settings_,
                record,
            ]
        if obj.type == "widget":
            other = (
                _("Other settings"),
                {"fields": ["config"], "classes": ["collapse"]},
            )
            return [basics, embedding, *self.widget_fieldsets, other, record]
        if obj.type == "email":
            stored = (_("Passwords"), {"fields": ["secrets_status"]})
            other = (_("Other settings"), {"fields": ["key", "config"], "classes": ["collapse"]})
            return [basics, *email_settings.FIELDSETS, stored, other, record]
        if obj.type == "whatsapp":
            return [basics, *whatsapp_admin.FIELDSETS, record]
        return self.fieldsets

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None and obj.type == "email":
            kwargs["form"] = EmailChannelForm
        if obj is not None and obj.type == "whatsapp":
            kwargs["form"] = whatsapp_admin.whatsapp_form(self.form)
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and obj.type == "telegram" and "config" in form.base_fields:
            # what to paste, in plain words (a copy: the field is shared by the class)
            form.base_fields["config"] = copy.copy(form.base_fields["config"])
            form.base_fields["config"].help_text = telegram_admin.TELEGRAM_HELP
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Secrets and settings mean something per type: a channel never changes its type.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "type"] if obj else readonly

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        token = _request_origin.set(request.build_absolute_uri("/").rstrip("/"))
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # Read-only fields are computed when the template renders: do it while the
            # origin is known.
            if hasattr(response, "render"):
                response.render()
            return response
        finally:
            _request_origin.reset(token)

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        api_admin.secrets_show_once(self, request, obj, getattr(form, "secrets_made", []))

    @admin.display(description=_("widget snippet"))
    def widget_snippet(self, obj: Channel) -> str:
        if not obj.pk:
            return str(_("Shown after the channel is saved."))
        if obj.type != "widget":
            return str(_("Only website widget channels are embedded with a snippet."))
        snippet = widget_snippet(origin=_request_origin.get(), key=obj.key)
        return format_html(
            '<textarea readonly rows="2" cols="90" class="vLargeTextField" '
            'data-select-on-focus aria-label="{}">{}</textarea>'
            '<div class="help">{}</div>',
            _("widget snippet"),
            snippet,
            _("Paste this before </body> on every page of the website."),
        )

    @admin.display(description=_("addresses of the API"))
    def api_endpoints(self, obj: Channel) -> str:
        return api_admin.endpoints(origin=_request_origin.get(), channel=obj)

    @admin.display(description=_("preview"))
    def widget_preview(self, obj: Channel) -> str:
        """A still of the widget (button and open panel) that ``widget_settings.js``
        redraws from the form's fields; the texts are the widget's own, in both
        languages, so that the chosen language shows too."""
        return format_html(
            '<div class="cc-preview" data-texts="{}" aria-label="{}" role="img"></div>',
            json.dumps(WIDGET_PREVIEW_TEXTS, ensure_ascii=False),
            _("Preview of the website widget"),
        )

    @admin.display(description=_("secrets"))
    def secrets_status(self, obj: Channel) -> str:
        keys = sorted(obj.secret_keys)
        if not keys:
            return str(_("This kind of channel has no secrets."))
        stored = obj.config or {}
        return format_html_join(
            "",
            "<div><code>{}</code>: {}</div>",
            ((key, _("set") if stored.get(key) else _("not set")) for key in keys),
        )


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["shortcut", "title", "text", "group"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = canned.help_text()

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        unknown = canned.unknown_in(text)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder %(names)s. Use one of: %(known)s."),
                params={
                    "names": ", ".join(f"{{{n}}}" for n in unknown),
                    "known": ", ".join(f"{{{n}}}" for n in canned.PLACEHOLDERS),
                },
                code="unknown_placeholder",
            )
        return text


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    form = CannedResponseForm
    list_display = ["shortcut", "title", "group", "created_at"]
    list_filter = ["group"]
    list_select_related = ["group"]
    search_fields = ["shortcut", "title", "text"]
    autocomplete_fields = ["group"]
    readonly_fields = ["created_at"]
    ordering = ["shortcut"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    """Labels operators put on chats in the inbox (and filter the lists by)."""

    list_display = ["name", "swatch", "description", "created_at"]
    search_fields = ["name", "description"]
    fields = ["name", "color", "description"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "color":  # the browser's colour picker
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("colour"), ordering="color")
    def swatch(self, obj: Label) -> Any:
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;border-radius:50%;'
            'background:{};vertical-align:middle"></span> {}',
            obj.color,
            obj.color,
        )


@admin.register(ProactiveInvitation)
class ProactiveInvitationAdmin(admin.ModelAdmin):
    form = ProactiveInvitationForm
    list_display = [
        "__str__",
        "channel",
        "delay_s",
        "url_pattern",
        "first_visit_only",
        "is_active",
        "position",
    ]
    list_filter = ["is_active", "first_visit_only", "channel"]
    list_select_related = ["channel"]
    search_fields = ["message", "url_pattern"]
    autocomplete_fields = ["channel"]
    ordering = ["channel", "position", "id"]
