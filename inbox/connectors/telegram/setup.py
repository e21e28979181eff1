"""Setting a Telegram channel up: its webhook address, registering it with the Bot API
(``setWebhook`` with the channel's ``webhook_secret``, made here when empty) and checking
the connection (``getMe``, ``getWebhookInfo``). Each answers in plain words for the
admin; ``SetupProblem`` says what went wrong and what to do."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.models import ChannelType
from inbox.connectors.base import DeliveryRefused, RetryAfter, SendFailed
from inbox.connectors.telegram.connector import TelegramConnector
from inbox.models import Channel

# The updates the inbox reads; Telegram sends no others.
ALLOWED_UPDATES = ["message", "callback_query"]


class SetupProblem(Exception):
    """What the admin is told when an action could not be done."""


def telegram_webhook_url(*, channel: Channel) -> str:
    """The address Telegram delivers this channel's updates to, or "" without
    ``PUBLIC_URL``."""
    if not settings.PUBLIC_URL:
        return ""
    path = reverse("connector-webhook", kwargs={"kind": ChannelType.TELEGRAM, "key": channel.key})
    return settings.PUBLIC_URL + path


def telegram_webhook_secret_ensure(*, channel: Channel) -> str:
    """The channel's ``webhook_secret``, made (and kept) when it has none."""
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        config = dict(locked.config or {})
        if not config.get("webhook_secret"):
            config["webhook_secret"] = secrets.token_urlsafe(32)
            Channel.objects.filter(pk=locked.pk).update(config=config)
    channel.config = config
    return str(config["webhook_secret"])


def telegram_webhook_register(*, channel: Channel) -> str:
    """Registers the channel's webhook with the Bot API; returns what to tell the admin."""
    connector = _connector(channel)
    url = telegram_webhook_url(channel=channel)
    if not url:
        raise SetupProblem(
            _(
                "Set PUBLIC_URL to the product's public address (e.g. "
                "https://support.example.com) first: Telegram needs it to reach the product."
            )
        )
    secret = telegram_webhook_secret_ensure(channel=channel)
    _call(
        connector,
        "setWebhook",
        {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES},
    )
    return _("Telegram now delivers the messages of %(channel)s to %(url)s.") % {
        "channel": channel.name,
        "url": url,
    }


def telegram_connection_check(*, channel: Channel) -> str:
    """Whether the bot token works and where Telegram delivers its updates."""
    connector = _connector(channel)
    me = _call(connector, "getMe", {})
    info = _call(connector, "getWebhookInfo", {})
    username = me.get("username", "") if isinstance(me, dict) else ""
    info = info if isinstance(info, dict) else {}
    parts = [_("The bot @%(name)s answers.") % {"name": username}]
    expected = telegram_webhook_url(channel=channel)
    registered = str(info.get("url") or "")
    if not registered:
        parts.append(_('No webhook is registered: use "Register webhook".'))
    elif expected and registered != expected:
        parts.append(
            _('Its webhook is %(url)s, not this channel\'s: use "Register webhook".')
            % {"url": registered}
        )
    else:
        parts.append(_("Its webhook is %(url)s.") % {"url": registered})
    waiting = info.get("pending_update_count")
    if isinstance(waiting, int) and waiting:
        parts.append(_("%(n)s updates wait to be delivered.") % {"n": waiting})
    if info.get("last_error_message"):
        parts.append(
            _("Telegram's last delivery error: %(error)s")
            % {"error": str(info["last_error_message"])[:200]}
        )
    return " ".join(parts)


def _connector(channel: Channel) -> TelegramConnector:
    if channel.type != ChannelType.TELEGRAM:
        raise SetupProblem(_("%(channel)s is not a Telegram channel.") % {"channel": channel.name})
    if not (channel.config or {}).get("bot_token"):
        raise SetupProblem(
            _("%(channel)s has no bot token yet: paste the one from @BotFather into its settings.")
            % {"channel": channel.name}
        )
    return TelegramConnector(channel)


def _call(connector: TelegramConnector, method: str, data: dict[str, object]) -> object:
    try:
        return connector.api.call(method, data)
    except DeliveryRefused as refused:
        raise SetupProblem(
            _("Telegram refused it (%(reason)s). Check the bot token.") % {"reason": refused}
        ) from None
    except (SendFailed, RetryAfter) as failure:
        raise SetupProblem(
            _("Telegram could not be reached (%(reason)s). Try again in a minute.")
            % {"reason": failure}
        ) from None
