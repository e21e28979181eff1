"""The e-mail channel's settings as admin form fields, in plain words: where customers
write, how their mail comes in (the SMTP receiver, or an IMAP mailbox), how replies
leave (SMTP); and the "Test connection" admin action. ``inbox.admin`` mixes the fields
into the channel form of e-mail channels; they are stored in ``Channel.config`` under
the keys the connector reads (docs/email.md). Passwords are write-only: the boxes are
always empty, and an empty box keeps the stored password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm.models import ChannelType
from inbox.connectors.email.checks import email_channel_check

# form field -> config key
FIELD_KEYS = {
    "email_address": "address",
    "imap_host": "imap_host",
    "imap_port": "imap_port",
    "imap_ssl": "imap_ssl",
    "imap_user": "imap_user",
    "imap_password": "imap_password",
    "imap_folder": "imap_folder",
    "from_address": "from_address",
    "from_name": "from_name",
    "smtp_host": "smtp_host",
    "smtp_port": "smtp_port",
    "smtp_security": "smtp_security",
    "smtp_user": "smtp_user",
    "smtp_password": "smtp_password",
    "email_subject": "subject",
}
SECRET_FIELDS = frozenset({"imap_password", "smtp_password"})

FIELDSETS = [
    (
        _("E-mail: where customers write"),
        {
            "fields": ["email_address"],
            "description": _(
                "Mail to this address comes in one of two ways: your mail server hands it "
                "to the product's SMTP receiver (run manage.py mail_receiver and point the "
                "address's MX or a forwarding rule at it), or the product reads the "
                "mailbox over IMAP (fill in the IMAP settings below). Both may be used: "
                "each e-mail is stored once."
            ),
        },
    ),
    (
        _("E-mail: reading the mailbox (IMAP)"),
        {
            "fields": [
                "imap_host",
                "imap_port",
                "imap_ssl",
                "imap_user",
                "imap_password",
                "imap_folder",
            ],
            "description": _(
                "Optional. Unread mail in the folder is stored and then marked as read. "
                "Run manage.py mail_imap to get new mail within a second, or let the "
                "periodic task read it every minute."
            ),
        },
    ),
    (
        _("E-mail: sending replies (SMTP)"),
        {
            "fields": [
                "from_address",
                "from_name",
                "smtp_host",
                "smtp_port",
                "smtp_security",
                "smtp_user",
                "smtp_password",
                "email_subject",
            ],
            "description": _(
                "The outgoing mail server of your mail provider. Use “Test connection” "
                "in the list of channels to check these settings."
            ),
        },
    ),
]


def _password(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Never shown again. Write it to set or change it; leave it empty to keep the "
            "stored one."
        ),
    )


class EmailSettingsMixin(forms.Form):
    """The e-mail fields of the channel form (mixed before ``ChannelForm``)."""

    email_address = forms.EmailField(
        label=_("Support address"),
        help_text=_("The address customers write to, e.g. support@shop.example."),
    )
    imap_host = forms.CharField(
        label=_("IMAP server"),
        required=False,
        max_length=255,
        help_text=_(
            "E.g. imap.shop.example; your mail provider names it. Empty: mail comes only "
            "through the SMTP receiver."
        ),
    )
    imap_port = forms.IntegerField(
        label=_("IMAP port"),
        required=False,
        min_value=1,
        max_value=65535,
        help_text=_("Empty: 993 with SSL, 143 without."),
    )
    imap_ssl = forms.BooleanField(
        label=_("IMAP over SSL"),
        required=False,
        initial=True,
        help_text=_("Keep it on unless the server is on your own network."),
    )
    imap_user = forms.CharField(
        label=_("IMAP login"),
        required=False,
        max_length=255,
        help_text=_("Usually the address itself. Empty: the support address."),
    )
    imap_password = _password(_("IMAP password"))
    imap_folder = forms.CharField(
        label=_("IMAP folder"),
        required=False,
        max_length=255,
        help_text=_("Where new mail arrives. Empty: INBOX."),
    )
    from_address = forms.EmailField(
        label=_("Replies from"),
        required=False,
        help_text=_("The sender address of replies. Empty: the support address."),
    )
    from_name = forms.CharField(
        label=_("Sender name"),
        required=False,
        max_length=100,
        help_text=_("Shown as the sender of replies. Empty: the channel's name."),
    )
    smtp_host = forms.CharField(
        label=_("SMTP server"),
        required=False,
        max_length=255,
        help_text=_("E.g. smtp.shop.example. Without it replies cannot be sent."),
    )
    smtp_port = forms.IntegerField(
        label=_("SMTP port"),
        required=False,
        min_value=1,
        max_value=65535,
        help_text=_("Usually 587 with STARTTLS, 465 with SSL. Empty: 25."),
    )
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"),
        required=False,
        choices=[("starttls", "STARTTLS"), ("ssl", "SSL/TLS"), ("", _("None"))],
        help_text=_("What your provider asks for; STARTTLS on port 587 is the most common."),
    )
    smtp_user = forms.CharField(label=_("SMTP login"), required=False, max_length=255)
    smtp_password = _password(_("SMTP password"))
    email_subject = forms.CharField(
        label=_("Subject of new threads"),
        required=False,
        max_length=200,
        help_text=_(
            "The subject of a reply when the customer's e-mail had none. Empty: the channel's name."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        config = dict(instance.config or {}) if instance is not None and instance.pk else {}
        for field, key in FIELD_KEYS.items():
            if field not in SECRET_FIELDS and key in config:
                self.initial[field] = config[key]
        if "imap_ssl" not in config:
            self.initial["imap_ssl"] = True
        if "config" in self.fields:
            # the JSON box keeps only what the fields do not show
            shown = set(FIELD_KEYS.values())
            public = instance.public_config() if instance is not None and instance.pk else {}
            self.initial["config"] = {k: v for k, v in public.items() if k not in shown}
            self.fields["config"].help_text = _(
                "Further settings as a JSON object, if any; the ones above are not "
                "repeated here. Usually empty: {}."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        instance = getattr(self, "instance", None)
        stored = dict(instance.config or {}) if instance is not None else {}
        base = cleaned.get("config") if "config" in self.fields else stored
        config = dict(base or {})
        for field, key in FIELD_KEYS.items():
            value = cleaned.get(field)
            if field in SECRET_FIELDS:
                if value:
                    config[key] = value
                elif stored.get(key):
                    config[key] = stored[key]
            elif field == "imap_ssl":
                config[key] = bool(value)
            elif value in (None, ""):
                config.pop(key, None)
            else:
                config[key] = value.strip().lower() if field == "email_address" else value
        cleaned["config"] = config
        if instance is not None:
            instance.config = config
        return cleaned


@admin.action(description=_("Test connection (e-mail channels)"))
def email_connection_test(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """Logs in to each selected e-mail channel's mailbox and mail server and says what
    works; other channels are named as not tested here."""
    for channel in queryset.order_by("name", "pk"):
        if channel.type != ChannelType.EMAIL:
            modeladmin.message_user(
                request,
                _("%(channel)s: this test is for e-mail channels.") % {"channel": channel.name},
                messages.WARNING,
            )
            continue
        for result in email_channel_check(channel=channel):
            modeladmin.message_user(
                request,
                f"{channel.name}: {result.text}",
                messages.SUCCESS if result.ok else messages.ERROR,
            )
