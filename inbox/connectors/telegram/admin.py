"""The Telegram channel in the admin: the actions "Register webhook" and "Check
connection", and the webhook address to copy. ``inbox.admin.ChannelAdmin`` uses them;
the work is in ``setup``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import ChannelType
from inbox.connectors.telegram import setup
from inbox.models import Channel

TELEGRAM_HELP = gettext_lazy(
    "A Telegram bot: in Telegram, open @BotFather, send /newbot and follow its questions; "
    'it answers with a token like 123456789:AAE.... Paste it here as {"bot_token": '
    '"<the token>"}. It is kept secret and never shown again. Then save, select the '
    'channel in the list and run "Register webhook". Optional: "webhook_secret" (made '
    'for you when empty) and "api_base_url" (only to use another Bot API server).'
)


def _each_telegram(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Channel], run: Any
) -> None:
    for channel in queryset:
        if channel.type != ChannelType.TELEGRAM:
            modeladmin.message_user(
                request,
                _("%(channel)s is not a Telegram channel: skipped.") % {"channel": channel.name},
                messages.WARNING,
            )
            continue
        try:
            modeladmin.message_user(request, run(channel=channel), messages.SUCCESS)
        except setup.SetupProblem as problem:
            modeladmin.message_user(request, f"{channel.name}: {problem}", messages.ERROR)


@admin.action(description=gettext_lazy("Register webhook (Telegram)"))
def webhook_register(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
    _each_telegram(modeladmin, request, queryset, setup.telegram_webhook_register)


@admin.action(description=gettext_lazy("Check connection (Telegram)"))
def connection_check(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
    _each_telegram(modeladmin, request, queryset, setup.telegram_connection_check)


@admin.display(description=gettext_lazy("webhook address"))
def webhook_address(modeladmin: Any, obj: Channel) -> str:
    if not obj.pk or obj.type != ChannelType.TELEGRAM:
        return _("Only messenger channels receive by webhook.")
    url = setup.telegram_webhook_url(channel=obj)
    if not url:
        return _("Set PUBLIC_URL (the product's public address) to get this channel's address.")
    return format_html(
        '<input readonly size="90" class="vLargeTextField" value="{}" aria-label="{}">'
        '<div class="help">{}</div>',
        url,
        _("webhook address"),
        _('"Register webhook" in the channel list gives it to Telegram for you.'),
    )
