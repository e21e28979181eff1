"""Fixtures of the translation tests (imported by the test modules that use them): a
LibreTranslate-shaped server on loopback and the settings that point the product at it
(a fresh provider and cache per test; the translation threads drained after it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from inbox.services import translation_pool
from tests.translation.libre_server import LibreServer
from translation import services as translator


@pytest.fixture
def libre() -> Iterator[LibreServer]:
    server = LibreServer()
    yield server
    server.close()


@pytest.fixture
def translating(settings, libre):  # type: ignore[no-untyped-def]
    """The product translating through ``libre`` with a key; short timeouts."""
    settings.TRANSLATION_PROVIDER = "libretranslate"
    settings.TRANSLATION_URL = libre.url
    settings.TRANSLATION_API_KEY = "secret-key-123"
    settings.TRANSLATION_TIMEOUT_S = 1.0
    settings.TRANSLATION_REPLY_WAIT_S = 0.5
    settings.TRANSLATION_BREAKER_FAILURES = 3
    settings.TRANSLATION_BREAKER_PAUSE_S = 0.3
    translator.provider_reset()
    # a fresh cache for this test: results are filed under the provider's address (a new
    # server, a new port), and the shared health is dropped. Never a flush of the whole
    # cache: the other test worker's counters (sign-in lockouts...) live there too.
    cache.delete(translator.HEALTH_KEY)
    yield libre
    libre.mode = "ok"
    translation_pool.drain(timeout=10)
    translator.provider_reset()
    cache.delete(translator.HEALTH_KEY)
