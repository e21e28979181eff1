"""System checks of the knowledge base's settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from kb.matcher import semantic


def check_semantic(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    value = getattr(settings, "KB_SEMANTIC", "auto")
    if value not in semantic.MODES:
        return [
            checks.Error(
                f"KB_SEMANTIC is {value!r}; it must be one of: {', '.join(semantic.MODES)}.",
                hint="auto uses the semantic extra when installed; off never does.",
                id="kb.E001",
            )
        ]
    return []
