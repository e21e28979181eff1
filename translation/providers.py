"""The providers behind ``translate`` / ``detect`` / ``languages``.

* ``none``: no translation (the default); the inbox then translates nothing.
* ``fake``: deterministic, for tests and the demo: a small word table between Russian and
  English, the rest marked with the target, e.g. ``[en] спасибо`` → ``[en] thank you``.
* ``libretranslate``: a LibreTranslate-compatible HTTP API (``/translate``, ``/detect``,
  ``/languages``) at ``TRANSLATION_URL``, with a key from ``TRANSLATION_API_KEY``; every
  call has a timeout, one retry when time is left, and a circuit breaker.

Every failure (an error status, a timeout, an answer that is not what the API promises,
the breaker open) is ``TranslationUnavailable``; callers fall back to the original.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from translation.breaker import CircuitBreaker
from translation.script import script_guess


class TranslationUnavailable(Exception):
    """The provider could not translate now. The message says why, never with the key."""


@dataclass
class Health:
    """What the admin sees of a provider in this process."""

    provider: str
    breaker: str = "closed"
    last_error: str = ""
    last_error_at: float | None = None
    last_ok_at: float | None = None
    latency_ms: float | None = None
    calls: int = 0
    failures: int = 0


class Provider:
    name = "none"

    @property
    def cache_name(self) -> str:
        """What the cached results of this provider are filed under: its name, and for a
        server its address (another server may translate otherwise)."""
        return self.name

    enabled = False

    def __init__(self) -> None:
        self.health = Health(provider=self.name)

    def translate(
        self, texts: list[str], source: str | None, target: str, *, timeout: float
    ) -> list[str]:
        raise TranslationUnavailable("no translation provider is configured")

    def detect(self, text: str, *, timeout: float) -> str | None:
        return script_guess(text)

    def languages(self, *, timeout: float) -> list[str]:
        return []


class NoneProvider(Provider):
    pass


# The demo's words; everything else keeps its spelling behind the target's marker.
WORDS_RU_EN = {
    "привет": "hello",
    "здравствуйте": "hello",
    "спасибо": "thank you",
    "да": "yes",
    "нет": "no",
    "заказ": "order",
    "где": "where",
    "мой": "my",
    "помогите": "help",
    "пожалуйста": "please",
    "доставка": "delivery",
    "оплата": "payment",
}
WORDS_EN_RU = {en: ru for ru, en in WORDS_RU_EN.items()} | {"hi": "привет", "hello": "привет"}
WORD = re.compile(r"\w+", re.UNICODE)


class FakeProvider(Provider):
    name = "fake"
    enabled = True

    def translate(
        self, texts: list[str], source: str | None, target: str, *, timeout: float
    ) -> list[str]:
        table = WORDS_EN_RU if target == "ru" else WORDS_RU_EN if target == "en" else {}

        def word(match: re.Match[str]) -> str:
            found = table.get(match.group(0).lower())
            return found if found is not None else match.group(0)

        return [f"[{target}] {WORD.sub(word, text)}" for text in texts]

    def languages(self, *, timeout: float) -> list[str]:
        return ["en", "ru"]


class LibreTranslateProvider(Provider):
    name = "libretranslate"
    enabled = True

    def __init__(
        self, *, url: str, api_key: str = "", breaker_failures: int = 5, breaker_pause_s: float = 30
    ) -> None:
        super().__init__()
        self.url = url.rstrip("/")
        self._api_key = api_key
        self.breaker = CircuitBreaker(threshold=breaker_failures, pause_s=breaker_pause_s)
        # no Nagle: a request's body must not wait for the server's delayed ACK of its
        # headers (up to 40 ms on Linux) while a contact waits for the reply
        transport = httpx.HTTPTransport(
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        )
        self._cache_name = f"{self.name}@{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"
        self._client = httpx.Client(
            base_url=self.url, headers={"Accept": "application/json"}, transport=transport
        )
        self._lock = threading.Lock()

    @property
    def cache_name(self) -> str:
        return self._cache_name

    def translate(
        self, texts: list[str], source: str | None, target: str, *, timeout: float
    ) -> list[str]:
        body = {"q": texts, "source": source or "auto", "target": target, "format": "text"}
        answer = self._call("POST", "/translate", body, timeout)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if isinstance(translated, str) and len(texts) == 1:
            translated = [translated]
        if (
            not isinstance(translated, list)
            or len(translated) != len(texts)
            or not all(isinstance(t, str) and t.strip() for t in translated)
        ):
            self._failed("the provider's answer is not a translation of the texts sent")
            raise TranslationUnavailable("the provider's answer is not a translation")
        return translated

    def detect(self, text: str, *, timeout: float) -> str | None:
        answer = self._call("POST", "/detect", {"q": text}, timeout)
        if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
            raise TranslationUnavailable("the provider's answer is not a detection")
        language = answer[0].get("language")
        if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]+)?", language):
            raise TranslationUnavailable("the provider's answer is not a language")
        return language

    def languages(self, *, timeout: float) -> list[str]:
        answer = self._call("GET", "/languages", None, timeout)
        if not isinstance(answer, list):
            raise TranslationUnavailable("the provider's answer is not a list of languages")
        return [str(x["code"]) for x in answer if isinstance(x, dict) and "code" in x]

    def _call(self, method: str, path: str, body: dict[str, Any] | None, timeout: float) -> Any:
        """One call with one retry while time is left, through the breaker."""
        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            left = deadline - time.monotonic()
            if left <= 0.01:
                break
            if not self.breaker.allow():
                raise TranslationUnavailable("the provider is paused after repeated failures")
            started = time.monotonic()
            try:
                answer = self._request(method, path, body, left)
            except TranslationUnavailable as failure:
                self._failed(str(failure))
                if attempt == 2 or isinstance(failure, _Refused):
                    raise
                continue
            self._succeeded((time.monotonic() - started) * 1000)
            return answer
        raise TranslationUnavailable("the provider did not answer in time")

    def _request(self, method: str, path: str, body: dict[str, Any] | None, left: float) -> Any:
        try:
            if method == "GET":
                response = self._client.get(path, timeout=left)
            else:
                payload = dict(body or {})
                if self._api_key:
                    payload["api_key"] = self._api_key
                response = self._client.post(path, json=payload, timeout=left)
        except httpx.TimeoutException:
            raise TranslationUnavailable(f"{path}: no answer within {left:.1f} s") from None
        except httpx.HTTPError as error:
            raise TranslationUnavailable(f"{path}: {type(error).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise TranslationUnavailable(f"{path}: status {response.status_code}")
        if response.status_code >= 400:
            raise _Refused(f"{path}: refused with status {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise TranslationUnavailable(f"{path}: the answer is not JSON") from None

    def _succeeded(self, latency_ms: float) -> None:
        self.breaker.success()
        with self._lock:
            self.health.calls += 1
            self.health.last_ok_at = time.time()
            self.health.latency_ms = round(latency_ms, 1)

    def _failed(self, reason: str) -> None:
        self.breaker.failure()
        with self._lock:
            self.health.calls += 1
            self.health.failures += 1
            self.health.last_error = reason
            self.health.last_error_at = time.time()


class _Refused(TranslationUnavailable):
    """A 4xx: asking again will not help (a bad key, an unknown language)."""
