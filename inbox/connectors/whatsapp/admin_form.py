"""The WhatsApp channel in the admin: its own settings form with plain-language help
(what to copy from Meta's console and what to paste there), secrets write-only, the
webhook address to copy and the "Test connection (WhatsApp)" action.
``inbox.admin.ChannelAdmin`` uses them; the work is in ``setup``."""

from __future__ import annotations

import copy
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import ChannelType
from inbox.connectors.whatsapp import setup
from inbox.models import Channel
from inbox.services import channel_config_clean

SECRET_FIELDS = {
    "wa_access_token": "access_token",
    "wa_app_secret": "app_secret",
    "wa_verify_token": "verify_token",
}
FIELDS = [
    "whatsapp_webhook",
    "wa_phone_number_id",
    *SECRET_FIELDS,
    "wa_api_base_url",
    "wa_templates",
    "secrets_status",
]
FIELDSET_HELP = gettext_lazy(
    "Connect a WhatsApp Business number through Meta's Cloud API. In Meta for Developers "
    "open your app → WhatsApp → API Setup for the phone number ID; the app secret is "
    "under App settings → Basic. Then, under WhatsApp → Configuration, paste the webhook "
    "address below as the Callback URL and your verify token as the Verify token, press "
    '"Verify and save" and subscribe to the "messages" field. Secrets are kept but never '
    "shown again: leave a secret empty to keep it."
)


def _secret(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"size": 60, "autocomplete": "off"}),
        help_text=help_text,
    )


class WhatsAppSettingsForm(forms.Form):
    """The fields; ``whatsapp_form`` puts them on the channel form."""

    wa_phone_number_id = forms.CharField(
        label=gettext_lazy("Phone number ID"),
        required=False,
        max_length=32,
        help_text=gettext_lazy(
            "WhatsApp → API Setup → “Phone number ID” (digits; not the phone number)."
        ),
    )
    wa_access_token = _secret(
        gettext_lazy("Access token"),
        gettext_lazy(
            "A permanent token of a system user with the whatsapp_business_messaging "
            "permission (Business settings → Users → System users → Generate new token). "
            "The temporary token on API Setup stops working after 24 hours."
        ),
    )
    wa_app_secret = _secret(
        gettext_lazy("App secret"),
        gettext_lazy(
            "App settings → Basic → App secret. Meta signs every webhook with it; "
            "without it no message is accepted."
        ),
    )
    wa_verify_token = _secret(
        gettext_lazy("Verify token"),
        gettext_lazy(
            "Any long phrase you make up: type it here and as the Verify token in "
            "WhatsApp → Configuration, so that Meta can check the webhook address is yours."
        ),
    )
    wa_api_base_url = forms.CharField(
        label=gettext_lazy("Graph API address"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Leave empty for Meta's own (https://graph.facebook.com/v21.0); another address "
            "only for a test server."
        ),
    )
    wa_templates = forms.CharField(
        label=gettext_lazy("Message templates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=gettext_lazy(
            "The templates Meta approved (WhatsApp Manager → Message templates) that "
            "operators may send more than 24 hours after the customer's last message, as "
            'JSON: [{"name": "order_update", "language": "en_US", "body": "Hi {{1}}, '
            'your order {{2}} shipped."}]. Copy name, language and text exactly.'
        ),
    )


class _WhatsAppSettings:
    """Put before the channel form: reads and writes the settings fields."""

    instance: Channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = self.instance.config or {}
        initial: dict[str, Any] = self.initial  # type: ignore[attr-defined]
        initial["wa_phone_number_id"] = config.get("phone_number_id", "")
        initial["wa_api_base_url"] = config.get("api_base_url", "")
        templates = config.get("templates")
        initial["wa_templates"] = (
            json.dumps(templates, ensure_ascii=False, indent=1) if templates else ""
        )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        try:
            templates = json.loads(cleaned.get("wa_templates") or "[]")
        except ValueError:
            self.add_error("wa_templates", _("This is not valid JSON."))  # type: ignore[attr-defined]
            return cleaned
        config = dict(self.instance.config or {})
        config.update(
            phone_number_id=(cleaned.get("wa_phone_number_id") or "").strip(),
            api_base_url=(cleaned.get("wa_api_base_url") or "").strip(),
            templates=templates,
        )
        for field, key in SECRET_FIELDS.items():
            if cleaned.get(field):  # empty keeps the stored secret: it was never shown
                config[key] = cleaned[field]
        for key in ("api_base_url", "templates"):
            if config[key] in ("", []):
                config.pop(key)
        try:
            config = channel_config_clean(channel_type=ChannelType.WHATSAPP, config=config)
        except ValidationError as error:
            self.add_error(None, error)  # type: ignore[attr-defined]
            return cleaned
        self.instance.config = config
        return cleaned


def whatsapp_form(base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """``base`` (the channel form) with the WhatsApp settings as its own fields, written
    into ``config`` (through ``channel_config_clean``) when the form is clean."""
    fields = {name: copy.deepcopy(f) for name, f in WhatsAppSettingsForm.base_fields.items()}
    made: type[forms.ModelForm] = type(base)(  # type: ignore[misc]  # the form's metaclass
        "WhatsAppChannelForm", (_WhatsAppSettings, base), fields
    )
    return made


FIELDSETS = [(gettext_lazy("WhatsApp Cloud API"), {"fields": FIELDS, "description": FIELDSET_HELP})]


@admin.display(description=gettext_lazy("webhook address (Callback URL)"))
def webhook_display(modeladmin: Any, obj: Channel) -> str:
    if not obj.pk or obj.type != ChannelType.WHATSAPP:
        return ""
    url = setup.whatsapp_webhook_url(channel=obj)
    if not url:
        return _("Set PUBLIC_URL (the product's public address) to get this channel's address.")
    return format_html(
        '<input readonly size="90" class="vLargeTextField" value="{}" aria-label="{}" '
        "data-select-on-focus>"
        '<div class="help">{}</div>',
        url,
        _("webhook address"),
        _("Paste it in WhatsApp → Configuration → Callback URL in Meta for Developers."),
    )


@admin.action(description=gettext_lazy("Test connection (WhatsApp)"))
def connection_test(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
    for channel in queryset:
        if channel.type != ChannelType.WHATSAPP:
            modeladmin.message_user(
                request,
                _("%(channel)s is not a WhatsApp channel: skipped.") % {"channel": channel.name},
                messages.WARNING,
            )
            continue
        try:
            said = setup.whatsapp_connection_test(channel=channel)
            modeladmin.message_user(request, f"{channel.name}: {said}", messages.SUCCESS)
        except setup.SetupProblem as problem:
            modeladmin.message_user(request, f"{channel.name}: {problem}", messages.ERROR)
