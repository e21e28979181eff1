"""Reads of translation: the provider's health and the characters translated per day."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from translation.models import TranslatedCharacters
from translation.services import HEALTH_KEY, counts_flush, provider


def provider_health() -> dict[str, Any]:
    """The configured provider and its last known health (shared by whichever process
    last called it): breaker state, last error, latency of the last success."""
    current = provider()
    shared = cache.get(HEALTH_KEY) or {}
    breaker = getattr(current, "breaker", None)
    data: dict[str, Any] = {
        "provider": current.name,
        "url": _address(settings.TRANSLATION_URL) if current.name == "libretranslate" else "",
        "breaker": breaker.state if breaker is not None else "closed",
        "last_error": "",
        "last_error_at": None,
        "last_ok_at": None,
        "latency_ms": None,
        "calls": 0,
        "failures": 0,
    }
    if shared.get("provider") == current.name:
        data.update({k: v for k, v in shared.items() if k in data and k != "url"})
    return data


def _address(url: str) -> str:
    """The provider's scheme, host and port: never a user, password or query (where a
    key could hide)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if host else ""


def characters_by_day(*, days: int = 30) -> list[TranslatedCharacters]:
    """The latest days' rows (this process's last second of counting included)."""
    counts_flush()
    return list(TranslatedCharacters.objects.all()[:days])
