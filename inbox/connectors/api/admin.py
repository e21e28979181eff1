"""The API channel in the admin: its endpoints to copy, its generated secrets shown once
(on creation, or made anew by an action), never again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import ChannelType
from inbox.models import Channel
from inbox.services import channel_secret_rotate


def endpoints(*, origin: str, channel: Channel) -> str:
    """The channel's two addresses, as the company's developers need them."""
    send = origin + reverse("api-channel-messages", args=[channel.key])
    read = origin + reverse(
        "api-channel-contact-messages", args=[channel.key, "EXTERNAL_ID"]
    ).replace("EXTERNAL_ID", "{external_id}")
    return format_html(
        "<div>{}: <code>POST {}</code></div><div>{}: <code>GET {}?after=…</code></div>"
        '<div class="help">{}</div>',
        _("Send a message"),
        send,
        _("Read a conversation"),
        read,
        _(
            "Both take the header Authorization: Bearer and the inbound secret. "
            "See docs/api-channel.md."
        ),
    )


def secrets_show_once(
    modeladmin: admin.ModelAdmin, request: HttpRequest, channel: Channel, names: list[str]
) -> None:
    """Tells the admin the values of the secrets just made; they are not shown again."""
    if not names:
        return
    rows = format_html_join(
        "", "<div><code>{}</code>: <code>{}</code></div>", ((n, channel.config[n]) for n in names)
    )
    modeladmin.message_user(
        request,
        format_html(
            "{} {}",
            _("Copy these secrets of “%(name)s” now; they will not be shown again:")
            % {"name": channel.name},
            rows,
        ),
        messages.WARNING,
    )


def _rotate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Channel], key: str
) -> None:
    channels = list(queryset.filter(type=ChannelType.API))
    for channel in channels:
        channel_secret_rotate(channel=channel, key=key)
        channel.refresh_from_db(fields=["config"])
        secrets_show_once(modeladmin, request, channel, [key])
    if not channels:
        modeladmin.message_user(
            request, _("Only API channels have this secret; none was selected."), messages.ERROR
        )


@admin.action(description=gettext_lazy("Make a new inbound secret (API channels)"))
def inbound_secret_rotate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Channel]
) -> Any:
    _rotate(modeladmin, request, queryset, "inbound_secret")


@admin.action(description=gettext_lazy("Make a new webhook signing secret (API channels)"))
def webhook_secret_rotate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Channel]
) -> Any:
    _rotate(modeladmin, request, queryset, "webhook_secret")
