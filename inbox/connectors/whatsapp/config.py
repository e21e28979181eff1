"""A WhatsApp channel's settings (``Channel.config``), read in one place.

``phone_number_id`` (the business number's id in Meta's console), ``access_token``,
``app_secret`` and ``verify_token`` (secrets), ``api_base_url`` (default: Meta's Graph
API; tests point it at a local server), ``templates`` (the approved message templates
operators may send outside the 24-hour window: ``[{"name", "language", "body"}]``, the
body with ``{{1}}``... placeholders)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from inbox.models import Channel

GRAPH_API_BASE_URL = "https://graph.facebook.com/v21.0"
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    language: str
    body: str

    @property
    def param_count(self) -> int:
        """How many parameters the body takes: its highest ``{{n}}``."""
        return max((int(n) for n in PLACEHOLDER.findall(self.body)), default=0)

    def render(self, params: list[str]) -> str:
        """The body with its placeholders filled, as the contact will read it."""
        return PLACEHOLDER.sub(
            lambda m: params[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(params) else "",
            self.body,
        )


@dataclass(frozen=True, slots=True)
class WhatsAppConfig:
    phone_number_id: str
    access_token: str
    app_secret: str
    verify_token: str
    api_base_url: str
    templates: tuple[Template, ...]

    @classmethod
    def of(cls, channel: Channel) -> WhatsAppConfig:
        config: dict[str, Any] = channel.config or {}
        return cls(
            phone_number_id=str(config.get("phone_number_id") or "").strip(),
            access_token=str(config.get("access_token") or "").strip(),
            app_secret=str(config.get("app_secret") or "").strip(),
            verify_token=str(config.get("verify_token") or ""),
            api_base_url=str(config.get("api_base_url") or GRAPH_API_BASE_URL).rstrip("/"),
            templates=templates_read(config.get("templates")),
        )

    @property
    def api_host(self) -> str:
        return (urlsplit(self.api_base_url).hostname or "").lower()

    def template(self, name: str, language: str) -> Template | None:
        for template in self.templates:
            if template.name == name and template.language == language:
                return template
        return None


def templates_read(value: Any) -> tuple[Template, ...]:
    """The well-formed entries of a ``templates`` setting (others are left out)."""
    if not isinstance(value, list):
        return ()
    found = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        name, language = entry.get("name"), entry.get("language")
        if isinstance(name, str) and name and isinstance(language, str) and language:
            found.append(Template(name, language, str(entry.get("body") or "")))
    return tuple(found)
