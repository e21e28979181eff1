"""Writes of the inbox app, and the rules about channels that every write path shares."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
    return config
