"""System checks of the translation settings: a provider that does not exist or has no
address would silently translate nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

PROVIDERS = ("none", "fake", "libretranslate")


def translation_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    kind = settings.TRANSLATION_PROVIDER
    if kind not in PROVIDERS:
        found.append(
            checks.Error(
                f"TRANSLATION_PROVIDER is {kind!r}; it is one of {', '.join(PROVIDERS)}.",
                id="translation.E001",
            )
        )
    elif kind == "libretranslate" and not settings.TRANSLATION_URL.startswith(
        ("http://", "https://")
    ):
        found.append(
            checks.Error(
                "TRANSLATION_PROVIDER is libretranslate but TRANSLATION_URL is not an "
                "http(s) address: nothing would be translated.",
                id="translation.E002",
            )
        )
    if settings.TRANSLATION_REPLY_WAIT_S <= 0 or settings.TRANSLATION_TIMEOUT_S <= 0:
        found.append(
            checks.Error(
                "TRANSLATION_TIMEOUT_S and TRANSLATION_REPLY_WAIT_S must be above 0.",
                id="translation.E003",
            )
        )
    return found
