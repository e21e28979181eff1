"""The one entrance to translation: ``translate``, ``detect``, ``languages``.

Results are cached (Django's cache) by provider, source, target and a hash of the text,
so a text is sent to the provider once; characters actually sent are counted per day.
The configured provider is built once per process (``provider``); tests swap it with
``provider_reset``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from translation.models import TranslatedCharacters
from translation.providers import (
    FakeProvider,
    LibreTranslateProvider,
    NoneProvider,
    Provider,
    TranslationUnavailable,
)
from translation.script import script_guess

logger = logging.getLogger(__name__)

__all__ = [
    "TranslationUnavailable",
    "counts_flush",
    "detect",
    "enabled",
    "languages",
    "provider",
    "provider_reset",
    "translate",
]

_provider: Provider | None = None
_provider_lock = threading.Lock()
CACHE_TTL_S = 7 * 24 * 3600
HEALTH_KEY = "translation:health"


def provider() -> Provider:
    global _provider
    if _provider is None:
        with _provider_lock:
            if _provider is None:
                _provider = _build()
    return _provider


def provider_reset() -> None:
    """Forget the provider built from the settings, and what was counted and not yet
    written (tests that change them)."""
    global _provider
    with _provider_lock:
        _provider = None
    with _counted_lock:
        _counted.clear()


def _build() -> Provider:
    kind = settings.TRANSLATION_PROVIDER
    if kind == "libretranslate" and settings.TRANSLATION_URL:
        return LibreTranslateProvider(
            url=settings.TRANSLATION_URL,
            api_key=settings.TRANSLATION_API_KEY,
            breaker_failures=settings.TRANSLATION_BREAKER_FAILURES,
            breaker_pause_s=settings.TRANSLATION_BREAKER_PAUSE_S,
        )
    if kind == "fake":
        return FakeProvider()
    return NoneProvider()


def enabled() -> bool:
    """Is a provider configured at all? (``none`` translates nothing.)"""
    return provider().enabled


def _key(name: str, source: str | None, target: str, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]
    return f"tr:{name}:{source or 'auto'}:{target}:{digest}"


def translate(
    texts: list[str],
    source: str | None,
    target: str,
    *,
    timeout: float | None = None,
    remember_upto: int | None = None,
) -> list[str]:
    """``texts`` in ``target`` (from ``source``, or detected when None), in order.
    ``TranslationUnavailable`` when the provider cannot answer within ``timeout`` (the
    setting ``TRANSLATION_TIMEOUT_S`` by default). Translations are remembered in the
    cache for ``CACHE_TTL_S`` and asked once; with ``remember_upto``, only those of texts
    of at most that many characters (customers' longer messages hardly ever come twice,
    and storing each one's translation cost a tenth of a message's translation)."""
    current = provider()
    if not texts:
        return []
    keys = [
        _key(current.cache_name, source, target, text)
        if remember_upto is None or len(text) <= remember_upto
        else None
        for text in texts
    ]
    wanted = list({key for key in keys if key is not None})
    known = cache.get_many(wanted) if wanted else {}
    missing = [i for i, key in enumerate(keys) if key is None or key not in known]
    answered: dict[int, str] = {}
    if missing:
        wait = settings.TRANSLATION_TIMEOUT_S if timeout is None else timeout
        asked = [texts[i] for i in missing]
        try:
            answers = current.translate(asked, source, target, timeout=wait)
        finally:
            _health_share(current)
        answered = dict(zip(missing, answers, strict=True))
        kept = {keys[i]: answer for i, answer in answered.items() if keys[i] is not None}
        if kept:
            cache.set_many(kept, CACHE_TTL_S)
        _count(current.name, asked)
    return [answered[i] if i in answered else known[key] for i, key in enumerate(keys)]


def detect(text: str, *, timeout: float | None = None) -> str | None:
    """The language of ``text``: the script's quick guess (Russian or English), else the
    provider's detection; None when neither knows."""
    guess = script_guess(text)
    if guess is not None:
        return guess
    current = provider()
    if not current.enabled:
        return None
    key = _key(current.cache_name, "detect", "", text)
    found = cache.get(key)
    if found is not None:
        return str(found)
    wait = settings.TRANSLATION_TIMEOUT_S if timeout is None else timeout
    try:
        language = current.detect(text, timeout=wait)
    finally:
        _health_share(current)
    if language:
        cache.set(key, language, CACHE_TTL_S)
    return language


def languages(*, timeout: float | None = None) -> list[str]:
    """The languages the provider translates (cached for an hour)."""
    current = provider()
    key = f"tr:{current.cache_name}:languages"
    found = cache.get(key)
    if found is not None:
        return list(found)
    wait = settings.TRANSLATION_TIMEOUT_S if timeout is None else timeout
    codes = current.languages(timeout=wait)
    cache.set(key, codes, 3600)
    return codes


# Characters sent, added up in the process and written at most once a second (a write
# per translation would cost the translating threads a transaction each).
COUNT_EVERY_S = 1.0
_counted: dict[str, list[int]] = {}
_counted_lock = threading.Lock()
_counted_at = [0.0]


def _count(name: str, texts: list[str]) -> None:
    with _counted_lock:
        totals = _counted.setdefault(name, [0, 0])
        totals[0] += sum(len(text) for text in texts)
        totals[1] += len(texts)
        now = time.monotonic()
        if now - _counted_at[0] < COUNT_EVERY_S:
            return
        _counted_at[0] = now
        pending = {key: tuple(value) for key, value in _counted.items()}
        _counted.clear()
    for provider_name, (characters, count) in pending.items():
        _count_write(provider_name, characters, count)


def counts_flush() -> None:
    """Writes what was counted and not yet written (tests; a process that stops)."""
    with _counted_lock:
        pending = {key: tuple(value) for key, value in _counted.items()}
        _counted.clear()
        _counted_at[0] = time.monotonic()
    for provider_name, (characters, count) in pending.items():
        _count_write(provider_name, characters, count)


def _count_write(name: str, characters: int, texts: int) -> None:
    """Adds to today's row (an ``F()`` update: concurrent writers add up)."""
    day = timezone.localdate()
    added = {"characters": F("characters") + characters, "texts": F("texts") + texts}
    try:
        with transaction.atomic():
            if TranslatedCharacters.objects.filter(day=day, provider=name).update(**added):
                return
            with transaction.atomic():
                TranslatedCharacters.objects.create(
                    day=day, provider=name, characters=characters, texts=texts
                )
    except IntegrityError:
        TranslatedCharacters.objects.filter(day=day, provider=name).update(**added)
    except Exception:  # the count must never cost a translation
        logger.exception("translated characters not counted")


_shared: dict[str, Any] = {"at": 0.0, "breaker": "closed"}


def _health_share(current: Provider) -> None:
    """Puts the provider's health where the admin (another process) reads it: at once
    after a failure or a change of the breaker, else at most once a second."""
    now = time.monotonic()
    breaker = getattr(current, "breaker", None)
    state = breaker.state if breaker is not None else "closed"
    failed_last = (current.health.last_error_at or 0) >= (current.health.last_ok_at or 0)
    if not failed_last and state == _shared["breaker"] and now - _shared["at"] < 1.0:
        return
    _shared.update(at=now, breaker=state)
    data: dict[str, Any] = asdict(current.health)
    data["breaker"] = state
    try:
        cache.set(HEALTH_KEY, data, 24 * 3600)
    except Exception:
        logger.exception("translation health not shared")
