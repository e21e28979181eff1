"""The provider interface against a LibreTranslate-shaped server on loopback: batches,
the key, the cache, detection, the characters counted, and every way the provider can
fail (an error, a hang, garbage, the breaker)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.translation.fixtures import libre, translating
from translation import selectors
from translation import services as translator
from translation.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from translation.models import TranslatedCharacters
from translation.providers import FakeProvider, TranslationUnavailable

__all__ = ["libre", "translating"]  # fixtures

pytestmark = pytest.mark.django_db


def test_a_batch_is_translated_in_one_call_with_the_key(translating):
    result = translator.translate(["привет", "где мой заказ?"], "ru", "en")

    assert result == ["hello", "where my order"]
    (call,) = translating.calls("/translate")
    assert call == {
        "q": ["привет", "где мой заказ?"],
        "source": "ru",
        "target": "en",
        "format": "text",
        "api_key": "secret-key-123",
    }


def test_a_second_translation_of_the_same_text_asks_no_server(translating):
    first = translator.translate(["спасибо"], "ru", "en")
    again = translator.translate(["спасибо"], "ru", "en")

    assert first == again == ["thank you"]
    assert len(translating.calls("/translate")) == 1


def test_only_the_texts_not_in_the_cache_are_sent(translating):
    translator.translate(["привет"], "ru", "en")
    result = translator.translate(["привет", "доставка"], "ru", "en")

    assert result == ["hello", "delivery"]
    assert [c["q"] for c in translating.calls("/translate")] == [["привет"], ["доставка"]]


def test_with_a_limit_only_the_short_texts_are_remembered(translating):
    # given: a short and a long text translated with a limit between their lengths
    long = "где мой заказ? " * 5
    translator.translate(["привет", long], "ru", "en", remember_upto=20)

    # when: both are asked again
    again = translator.translate(["привет", long], "ru", "en", remember_upto=20)

    # then: the long one went to the provider again, the short one came from the cache,
    # and the answers are in order
    assert [c["q"] for c in translating.calls("/translate")] == [["привет", long], [long]]
    assert again[0] == "hello" and again[1] == translator.translate([long], "ru", "en")[0]


def test_characters_sent_are_counted_per_day_and_cache_hits_are_not(translating):
    translator.translate(["привет"], "ru", "en")
    translator.translate(["привет", "где"], "ru", "en")
    translator.counts_flush()  # written at most once a second

    row = TranslatedCharacters.objects.get(day=timezone.localdate(), provider="libretranslate")
    assert (row.characters, row.texts) == (len("привет") + len("где"), 2)


def test_russian_and_english_are_told_by_their_letters_without_the_provider(translating):
    assert translator.detect("Здравствуйте, где мой заказ?") == "ru"
    assert translator.detect("Hello, where is my order?") == "en"
    assert translating.calls("/detect") == []


def test_a_text_the_letters_cannot_tell_is_detected_by_the_provider(translating):
    assert translator.detect("Hallo, wo ist meine Bestellung? Grüße") == "de"
    assert translator.detect("Hallo, wo ist meine Bestellung? Grüße") == "de"  # cached
    (call,) = translating.calls("/detect")
    assert call["api_key"] == "secret-key-123"


def test_the_languages_are_listed(translating):
    assert translator.languages() == ["en", "ru", "de"]


def test_a_provider_answering_500_is_retried_once_then_unavailable(translating):
    translating.mode = "error"

    with pytest.raises(TranslationUnavailable) as failure:
        translator.translate(["привет"], "ru", "en")

    assert len(translating.calls("/translate")) == 2
    assert "secret-key-123" not in str(failure.value)
    assert cache.get_many([]) == {}
    health = selectors.provider_health()
    assert health["failures"] == 2 and "500" in health["last_error"]
    assert "secret-key-123" not in str(health)


def test_a_hanging_provider_costs_at_most_the_timeout(translating):
    translating.mode, translating.hang_s = "hang", 5.0

    started = time.monotonic()
    with pytest.raises(TranslationUnavailable):
        translator.translate(["привет"], "ru", "en", timeout=0.4)

    # the timeout cut the wait: far less than the provider's 5 s (with room for a busy
    # machine: 1.08 s was seen at a load average of 14)
    assert time.monotonic() - started < 2.5


def test_garbage_from_the_provider_is_no_translation_and_is_not_cached(translating):
    translating.mode = "garbage"
    with pytest.raises(TranslationUnavailable):
        translator.translate(["привет"], "ru", "en")

    translating.mode = "ok"
    assert translator.translate(["привет"], "ru", "en") == ["hello"]


def test_the_breaker_opens_after_failures_in_a_row_and_half_opens_after_the_pause(translating):
    translating.mode = "error"
    with pytest.raises(TranslationUnavailable):
        translator.translate(["один"], "ru", "en")  # two failures (a retry)
    with pytest.raises(TranslationUnavailable):
        translator.translate(["два"], "ru", "en")  # the third opens the breaker
    asked = len(translating.calls("/translate"))

    with pytest.raises(TranslationUnavailable, match="paused"):
        translator.translate(["три"], "ru", "en")
    assert len(translating.calls("/translate")) == asked  # not asked while open
    assert selectors.provider_health()["breaker"] == OPEN

    time.sleep(0.35)
    translating.mode = "ok"
    assert translator.translate(["привет"], "ru", "en") == ["hello"]
    assert selectors.provider_health()["breaker"] == CLOSED


def test_a_failed_trial_call_opens_the_breaker_again():
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, pause_s=10, clock=lambda: now[0])
    breaker.failure()
    breaker.failure()
    assert (breaker.state, breaker.allow()) == (OPEN, False)

    now[0] = 10.0
    assert breaker.state == HALF_OPEN
    assert breaker.allow() is True
    assert breaker.allow() is False  # one trial at a time
    breaker.failure()

    assert breaker.state == OPEN


def test_the_fake_provider_is_deterministic():
    fake = FakeProvider()

    assert fake.translate(["Спасибо, где мой заказ?"], "ru", "en", timeout=1) == [
        "[en] thank you, where my order?"
    ]
    assert fake.translate(["hello"], None, "ru", timeout=1) == ["[ru] привет"]


def test_without_a_provider_nothing_is_translated(settings):
    settings.TRANSLATION_PROVIDER = "none"
    translator.provider_reset()

    assert translator.enabled() is False
    with pytest.raises(TranslationUnavailable):
        translator.translate(["привет"], "ru", "en")
    translator.provider_reset()


def test_the_admin_sees_the_providers_health_and_the_days_counts_never_the_key(
    translating, admin_client, settings
):
    translator.translate(["привет"], "ru", "en")
    translating.mode = "error"
    with pytest.raises(TranslationUnavailable):
        translator.translate(["где"], "ru", "en")
    settings.TRANSLATION_URL = translating.url.replace("http://", "http://user:pw@") + "/?k=1"

    page = admin_client.get("/admin/translation/translatedcharacters/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "libretranslate" in body and "500" in body
    assert "secret-key-123" not in body and "pw@" not in body and "k=1" not in body
    assert len(page.context["cl"].result_list) == 1


def test_a_provider_that_cannot_work_is_reported_by_the_system_checks(settings):
    from translation.checks import translation_settings_check

    settings.TRANSLATION_PROVIDER = "libretranslate"
    settings.TRANSLATION_URL = ""
    assert [c.id for c in translation_settings_check()] == ["translation.E002"]
    settings.TRANSLATION_PROVIDER = "deepl"
    assert [c.id for c in translation_settings_check()] == ["translation.E001"]
    settings.TRANSLATION_PROVIDER = "none"
    assert translation_settings_check() == []
