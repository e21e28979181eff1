"""Writes of the inbox app, and the rules about channels that every write path shares."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactcenter import webhooks
from crm.models import ChannelType
from inbox.models import Channel


def channel_origins_clean(*, origins: Any) -> list[str]:
    """The ``allowed_origins`` of a widget channel: a list of web origins
    ``scheme://host[:port]`` (http or https, no path), lower-cased and without repeats.
    Raises ``ValidationError`` naming the first bad entry."""
    if not isinstance(origins, list):
        raise ValidationError(_('Allowed origins are a list like ["https://shop.example"].'))
    cleaned: list[str] = []
    for origin in origins:
        normalized = _origin_normalize(origin)
        if normalized is None:
            raise ValidationError(
                _("%(origin)s is not an origin; write scheme://host[:port], e.g. %(example)s."),
                params={"origin": repr(origin)[:100], "example": "https://shop.example"},
            )
        if normalized not in cleaned:
            cleaned.append(normalized)
    return cleaned


def _origin_normalize(origin: Any) -> str | None:
    if not isinstance(origin, str) or not origin or len(origin) > 255 or origin != origin.strip():
        return None
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def channel_config_clean(*, channel_type: str, config: Any) -> dict[str, Any]:
    """Type-specific settings: an object whose secrets, when given, are strings."""
    if not isinstance(config, dict):
        raise ValidationError(_("Settings are a JSON object."))
    secret_keys = Channel(type=channel_type).secret_keys
    for key in secret_keys & config.keys():
        if config[key] is not None and not isinstance(config[key], str):
            raise ValidationError(_("%(key)s must be a string."), params={"key": key})
    if "translation" in config and not isinstance(config["translation"], bool):
        # docs/translation.md: absent is on (when a provider is configured)
        raise ValidationError(_("translation is true or false."))
    if channel_type == ChannelType.TELEGRAM:
        _telegram_config_check(config)
    if channel_type == ChannelType.WHATSAPP:
        _whatsapp_config_check(config)
    if channel_type == ChannelType.API:
        return _api_config_clean(config)
    return config


# Secrets a channel needs and the product makes when the admin leaves them empty.
GENERATED_SECRETS: dict[str, tuple[str, ...]] = {
    ChannelType.API: ("inbound_secret", "webhook_secret"),
}
SECRET_MIN_LENGTH = 16
WEBHOOK_URL_MAX = 2000


def _api_config_clean(config: dict[str, Any]) -> dict[str, Any]:
    """The API channel's ``webhook_url`` (empty: messages are read by polling only) may
    receive webhooks exactly as a webhook subscription's address may; its secrets, when
    given, are long enough not to be guessed."""
    cleaned = dict(config)
    url = config.get("webhook_url")
    if url in (None, ""):
        cleaned["webhook_url"] = ""
    else:
        if not isinstance(url, str) or len(url.strip()) > WEBHOOK_URL_MAX:
            raise ValidationError(_("webhook_url is an http:// or https:// address."))
        try:
            webhooks.url_check(url.strip())
        except webhooks.UnsafeURL as refused:
            raise ValidationError(
                _("webhook_url: %(reason)s"), params={"reason": str(refused)}
            ) from None
        cleaned["webhook_url"] = url.strip()
    for key in GENERATED_SECRETS[ChannelType.API]:
        value = config.get(key)
        if value:  # a bearer header loses surrounding blanks: the secret has none
            cleaned[key] = value = value.strip()
        if value and len(value) < SECRET_MIN_LENGTH:
            raise ValidationError(
                ngettext(
                    "%(key)s needs at least %(n)d character; leave it empty to have a "
                    "random one made.",
                    "%(key)s needs at least %(n)d characters; leave it empty to have a "
                    "random one made.",
                    SECRET_MIN_LENGTH,
                ),
                params={"key": key, "n": SECRET_MIN_LENGTH},
            )
    return cleaned


def new_channel_secret() -> str:
    return secrets.token_urlsafe(32)


def channel_secrets_generate(
    *, channel_type: str, config: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``config`` (after an edit was merged with the stored secrets) with a random value
    for each secret the channel needs and does not have; and the names of those made, for
    the admin to be shown them once."""
    made = [key for key in GENERATED_SECRETS.get(channel_type, ()) if not config.get(key)]
    return {**config, **{key: new_channel_secret() for key in made}}, made


@transaction.atomic
def channel_secret_rotate(*, channel: Channel, key: str) -> str:
    """Replaces one generated secret of the channel with a new random one and returns it
    (to be shown once); whoever used the old one must switch to it."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if key not in GENERATED_SECRETS.get(channel.type, ()):
        raise ValidationError(_("This kind of channel has no secret %(key)s."), params={"key": key})
    secret = new_channel_secret()
    channel.config = {**(channel.config or {}), key: secret}
    channel.save(update_fields=["config"])
    return secret


# What Telegram accepts as a webhook's secret_token. (The bot token is checked by the
# admin's "Check connection": only the Bot API can tell a good one.)
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _telegram_config_check(config: dict[str, Any]) -> None:
    secret = config.get("webhook_secret")
    if secret and not TELEGRAM_SECRET.fullmatch(secret):
        raise ValidationError(
            _("webhook_secret is 1 to 256 letters, digits, - and _ (or empty: one is made).")
        )
    base = config.get("api_base_url")
    if base not in (None, ""):
        try:
            parts = urlsplit(base) if isinstance(base, str) else None
            host = parts.hostname if parts is not None else None
        except ValueError:
            parts, host = None, None
        if parts is None or parts.scheme not in ("http", "https") or not host:
            raise ValidationError(
                _("api_base_url is an address like https://api.telegram.org (or empty).")
            )


WHATSAPP_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
WHATSAPP_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Za-z]{2,4})?")


def _whatsapp_config_check(config: dict[str, Any]) -> None:
    """A WhatsApp channel's settings, in words an admin can act on. (The token and the
    number are checked by the admin's "Test connection": only Meta can tell.)"""
    number = config.get("phone_number_id")
    if number not in (None, "") and not (isinstance(number, str) and number.isdigit()):
        raise ValidationError(
            _("phone_number_id is the number's id from Meta's console: digits only.")
        )
    base = config.get("api_base_url")
    if base not in (None, ""):
        try:
            parts = urlsplit(base) if isinstance(base, str) else None
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(
                _("api_base_url is an address like https://graph.facebook.com/v21.0 (or empty).")
            )
    _whatsapp_templates_check(config.get("templates"))


def _whatsapp_templates_check(templates: Any) -> None:
    if templates in (None, ""):
        return
    problem = ValidationError(
        _(
            'templates is a list like [{"name": "order_update", "language": "en_US", '
            '"body": "Hi {{1}}, your order {{2}} shipped."}]: each template\'s name as in '
            "Meta's console (lower-case letters, digits and _), its language code and its "
            "text."
        )
    )
    if not isinstance(templates, list) or len(templates) > 200:
        raise problem
    for template in templates:
        if not isinstance(template, dict):
            raise problem
        name, language, body = (template.get(k) for k in ("name", "language", "body"))
        if not (isinstance(name, str) and WHATSAPP_TEMPLATE_NAME.fullmatch(name)):
            raise problem
        if not (isinstance(language, str) and WHATSAPP_LANGUAGE.fullmatch(language)):
            raise problem
        if not isinstance(body, str) or not body.strip() or len(body) > 1024:
            raise problem


# What the website widget reads from a widget channel's settings (``widget_api``): the
# colour must be exactly what the widget accepts, or it silently falls back to its blue.
WIDGET_COLOR = re.compile(r"#[0-9a-f]{6}")
WIDGET_SHORT_COLOR = re.compile(r"#[0-9a-f]{3}")
WIDGET_DEFAULT_COLOR = "#2563eb"
WIDGET_LANGUAGES = ("auto", "en", "ru")
WIDGET_POSITIONS = ("right", "left")
WIDGET_PRECHAT_FIELDS = ("name", "email", "phone")
WIDGET_TITLE_MAX = 100
WIDGET_GREETING_MAX = 1000


def widget_color_clean(*, color: Any) -> str:
    """A colour as the widget takes it, ``#rrggbb`` in lower case (``#abc`` is widened);
    empty stays empty (the widget's default). Raises ``ValidationError``."""
    text = str(color or "").strip().lower()
    if not text:
        return ""
    if WIDGET_SHORT_COLOR.fullmatch(text):
        text = "#" + "".join(digit * 2 for digit in text[1:])
    if not WIDGET_COLOR.fullmatch(text):
        raise ValidationError(
            _("%(color)s is not a colour; write # and six hexadecimal digits, e.g. %(example)s."),
            params={"color": repr(str(color))[:40], "example": WIDGET_DEFAULT_COLOR},
            code="invalid_color",
        )
    return text


def widget_settings_apply(*, config: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the widget's settings replaced by ``settings`` (``title``,
    ``color``, ``greeting``, ``language``, ``position``, ``prechat`` as
    ``{"enabled", "fields": [{"name", "required"}]}``). Empty texts drop their key, so
    the widget's defaults apply; other keys of ``config`` are kept. Raises
    ``ValidationError`` with the errors by setting name."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, limit in (("title", WIDGET_TITLE_MAX), ("greeting", WIDGET_GREETING_MAX)):
        text = str(settings.get(key) or "").strip()
        if len(text) > limit:
            errors[key] = [
                ngettext("Up to %(n)d character.", "Up to %(n)d characters.", limit) % {"n": limit}
            ]
        cleaned[key] = text
    try:
        cleaned["color"] = widget_color_clean(color=settings.get("color"))
    except ValidationError as error:
        errors["color"] = error.messages
    for key, allowed in (("language", WIDGET_LANGUAGES), ("position", WIDGET_POSITIONS)):
        value = settings.get(key) or allowed[0]
        if value not in allowed:
            errors[key] = [_("Pick one of: %(allowed)s.") % {"allowed": ", ".join(allowed)}]
        cleaned[key] = value
    try:
        cleaned["prechat"] = _widget_prechat_clean(settings.get("prechat") or {})
    except ValidationError as error:
        errors["prechat"] = error.messages
    if errors:
        raise ValidationError(errors)
    result = dict(config)
    for key, value in cleaned.items():
        if value in ("", None):
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _widget_prechat_clean(prechat: Any) -> dict[str, Any]:
    if not isinstance(prechat, dict) or not isinstance(prechat.get("fields", []), list):
        raise ValidationError(_('The pre-chat form is {"enabled": ..., "fields": [...]}.'))
    fields: list[dict[str, Any]] = []
    for field in prechat.get("fields", []):
        name = field.get("name") if isinstance(field, dict) else None
        if name not in WIDGET_PRECHAT_FIELDS or any(f["name"] == name for f in fields):
            raise ValidationError(
                _("Pre-chat fields are %(fields)s, each at most once."),
                params={"fields": ", ".join(WIDGET_PRECHAT_FIELDS)},
            )
        fields.append({"name": name, "required": bool(field.get("required"))})
    enabled = bool(prechat.get("enabled"))
    if enabled and not fields:
        raise ValidationError(
            _("Ask for at least one thing in the pre-chat form, or turn the form off.")
        )
    return {"enabled": enabled, "fields": fields}
