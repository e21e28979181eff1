"""The matcher through its service (kb.services.matching): the demo articles ranked for
questions as customers type them, in both languages, the answer in the question's
language, no answer out of scope, adjusters, and changes reaching every process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.core.cache.backends.locmem import LocMemCache

from kb.matcher.index import Index
from kb.models import Article
from kb.services import articles, index_holder, matching

pytestmark = pytest.mark.django_db


def best(text: str, language: str | None = None) -> str | None:
    result = matching.match(text, language)
    return result.answer.key if result.answer else None


def test_a_russian_question_finds_its_article_and_answers_in_russian(demo_kb):
    result = matching.match("Здравствуйте! Сколько стоит доставка курьером?")

    assert result.answer is not None and result.answer.key == "delivery_cost"
    assert result.language == "ru"
    text = matching.answer_text(result.answer.article_id, result.language)
    assert text.startswith("Доставка курьером")
    assert len(result.matches) == 3
    assert [m.score for m in result.matches] == sorted(
        (m.score for m in result.matches), reverse=True
    )


def test_an_english_question_is_answered_in_english(demo_kb):
    result = matching.match("how can i track my parcel")

    assert result.answer is not None and result.answer.key == "order_tracking"
    assert result.language == "en"
    assert matching.faq_answer("how can i track my parcel", None).startswith("Your order status")


def test_transliterated_russian_counts_as_russian(demo_kb):
    result = matching.match("skolko stoit dostavka")

    assert result.answer is not None and result.answer.key == "delivery_cost"
    assert result.language == "ru"


def test_typos_are_absorbed(demo_kb):
    assert best("скольк стоит даставка") == "delivery_cost"
    assert best("как атменить заказ") == "order_cancel"


def test_a_given_language_chooses_the_answers_language(demo_kb):
    result = matching.match("сколько стоит доставка", "en")

    assert result.language == "en"
    assert matching.answer_text(result.answer.article_id, "en").startswith("Courier delivery")


@pytest.mark.parametrize(
    "text", ["здравствуйте", "hello", "", "   ", "!!!", "фывапролдж", "как приготовить борщ"]
)
def test_out_of_scope_has_no_answer(demo_kb, text):
    assert matching.match(text).answer is None


def test_an_empty_knowledge_base_answers_nothing(db):
    result = matching.match("сколько стоит доставка")

    assert result.matches == [] and result.answer is None


def test_a_disabled_article_is_not_matched(demo_kb):
    article = Article.objects.get(key="delivery_cost")

    articles.article_update(article=article, data={"enabled": False})

    assert "delivery_cost" not in [m.key for m in matching.match("сколько стоит доставка").matches]


@pytest.fixture
def adjuster() -> Iterator[list[str]]:
    seen: list[str] = []

    def sink_delivery_cost(text: str, matches: list[matching.Match]) -> list[matching.Match]:
        seen.append(text)
        return [replace(m, score=0.0) if m.key == "delivery_cost" else m for m in matches]

    matching.adjuster_register(sink_delivery_cost)
    yield seen
    matching.adjuster_unregister(sink_delivery_cost)


def test_adjusters_change_the_ranking_before_the_threshold(demo_kb, adjuster):
    result = matching.match("Сколько стоит ДОСТАВКА?")

    assert adjuster == ["сколько стоит доставка"]
    assert result.matches[0].key != "delivery_cost"
    assert result.answer is None or result.answer.key != "delivery_cost"


BATCH = [
    "Здравствуйте! Сколько стоит доставка курьером?",
    "how can i track my parcel",
    "skolko stoit dostavka",
    "скока стоит доставкк",
    "какая погода завтра на марсе",
]


def _bare(result: matching.MatchResult) -> tuple:
    answer = result.answer.key if result.answer else None
    return [(m.key, m.score) for m in result.matches], answer, result.language


def test_a_batch_is_matched_as_one_by_one(demo_kb):
    batch = matching.match_many(BATCH)

    assert [_bare(r) for r in batch] == [_bare(matching.match(q)) for q in BATCH]
    assert batch[0].answer is not None and batch[0].answer.key == "delivery_cost"
    assert batch[-1].answer is None


def test_a_batch_runs_a_busy_adjuster_and_skips_an_idle_one(demo_kb, adjuster, monkeypatch):
    # given the adjuster that sinks the delivery article, busy
    ranked_limits: list[int] = []
    real = Index.rank_scores_many

    def counting(self, queries, *, limit):
        ranked_limits.append(limit)
        return real(self, queries, limit=limit)

    monkeypatch.setattr(Index, "rank_scores_many", counting)
    question = "Сколько стоит ДОСТАВКА?"

    # when a batch is matched, it runs, over the candidates beyond the limit
    busy = matching.match_many([question])[0]
    assert adjuster == ["сколько стоит доставка"]
    assert busy.matches[0].key != "delivery_cost" and ranked_limits == [matching.CANDIDATES]

    # and when it says it is idle, it is not run and only the limit is ranked
    sink = matching.adjusters[-1]
    matching.adjuster_register(sink, idle=lambda: True)
    idle = matching.match_many([question], limit=3)[0]
    assert adjuster == ["сколько стоит доставка"]  # not called again
    assert idle.matches[0].key == "delivery_cost" and ranked_limits[-1] == 3
    assert len(idle.matches) == 3

    # and when its idle check fails, it runs
    def broken() -> bool:
        raise RuntimeError("cache away")

    matching.adjuster_register(sink, idle=broken)
    assert matching.match_many([question])[0].matches[0].key != "delivery_cost"
    assert len(adjuster) == 2


def test_a_change_reaches_another_process_within_a_second(demo_kb, monkeypatch):
    # given two processes' indexes sharing one cache (Redis in production), both built
    shared = LocMemCache("kb-shared", {})
    monkeypatch.setattr(matching, "_holder", matching._Holder(shared))
    other = matching._Holder(shared)
    first = matching._holder
    assert first.current() is not None and other.current() is not None
    question = "можно ли расплатиться криптовалютой"
    assert "crypto" not in [first.current().articles[c.article].key for c in _rank(other, question)]

    # when an article is added in the first process (its commit bumps the shared version)
    articles.article_create(
        data={
            "key": "crypto",
            "titles": {"ru": "Криптовалюта", "en": "Crypto"},
            "answers": {"ru": "Криптовалюту не принимаем.", "en": "We take no crypto."},
            "phrases": ["можно ли расплатиться криптовалютой", "do you take bitcoin"],
        }
    )
    created = Article.objects.get(key="crypto")
    # what the commit does (the test's transaction stays open)
    matching.version_bump(shared, [created.pk])

    # then the other process sees it within a second
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        keys = [other.current().articles[c.article].key for c in _rank(other, question)]
        if keys and keys[0] == "crypto":
            break
        time.sleep(0.05)
    assert keys[0] == "crypto"


def test_a_process_with_its_own_cache_never_sees_the_change_without_the_shared_counter(
    demo_kb,
):
    # the counter is what carries the change: two separate caches keep two versions
    one, two = matching._Holder(LocMemCache("kb-a", {})), matching._Holder(LocMemCache("kb-b", {}))
    one.current(), two.current()
    matching.version_bump(one.shared)
    time.sleep(matching.CHECK_EVERY_S + 0.1)

    assert one.current() is not None and one.version == 1
    assert two.version is None


def _two_processes(monkeypatch):  # type: ignore[no-untyped-def]
    shared = LocMemCache("kb-shared-2", {})
    shared.clear()
    first = matching._Holder(shared)
    monkeypatch.setattr(matching, "_holder", first)
    other = matching._Holder(shared)
    first.current(), other.current()
    return first, other


def _answer_seen(holder: matching._Holder, key: str, text: str, within: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < within:
        held = [a for a in holder.current().articles if a.key == key]
        if held and held[0].answers["ru"] == text:
            return time.monotonic() - started
        time.sleep(0.01)
    return None


def test_an_edit_is_patched_into_another_process_without_building_its_index_again(
    demo_kb, monkeypatch
):
    # given two processes over one cache, each with its index built
    first, other = _two_processes(monkeypatch)
    built = other.index
    article = Article.objects.get(key="delivery_cost")

    # when the article's answer is edited in the first process and committed
    articles.article_update(article=article, data={"answers": {"ru": "Теперь 199 ₽."}})
    matching.version_bump(first.shared, [article.pk])

    # then the other process answers with the new text within a check's period, by a
    # patch of that one article (the rest of its index is not built again)
    took = _answer_seen(other, "delivery_cost", "Теперь 199 ₽.", within=1.0)
    assert took is not None and took <= matching.CHECK_EVERY_S + 0.2
    assert other.index is not built and other.index.patched == 1
    assert built.word_space.vocabulary.items() <= other.index.word_space.vocabulary.items()
    assert matching.answer_text(article.pk, "ru") == "Теперь 199 ₽."  # the writer at once


def test_a_disabled_or_deleted_article_leaves_every_process(demo_kb, monkeypatch):
    first, other = _two_processes(monkeypatch)
    cost = Article.objects.get(key="delivery_cost")
    cancel = Article.objects.get(key="order_cancel")
    cancel_id = cancel.pk

    articles.article_update(article=cost, data={"enabled": False})
    articles.article_delete(article=cancel)
    matching.version_bump(first.shared, [cost.pk])
    matching.version_bump(first.shared, [cancel_id])
    time.sleep(matching.CHECK_EVERY_S + 0.05)

    for holder in (first, other):
        keys = [a.key for a in holder.current().articles]
        assert "delivery_cost" not in keys and "order_cancel" not in keys
        assert "delivery_time" in keys
        assert "delivery_cost" not in [
            holder.current().articles[c.article].key
            for c in _rank(holder, "сколько стоит доставка")
        ]


def test_a_change_whose_list_is_lost_makes_the_process_build_its_index_whole(demo_kb, monkeypatch):
    # given a change whose list of articles is gone from the cache (evicted)
    first, other = _two_processes(monkeypatch)
    built = other.index
    article = Article.objects.get(key="delivery_cost")
    articles.article_update(article=article, data={"answers": {"ru": "Теперь 199 ₽."}})
    matching.version_bump(first.shared, [article.pk])
    first.shared.delete("kb:index:changes:1")

    # then the other process still gets it (one more check, then a full build)
    assert _answer_seen(other, "delivery_cost", "Теперь 199 ₽.", within=1.0) is not None
    assert other.index is not built and other.index.patched == 0


def test_patches_past_the_drift_bound_are_followed_by_a_full_build_in_the_background(
    demo_kb, monkeypatch
):
    # given a bound of two patched articles
    monkeypatch.setattr(index_holder, "REBUILD_DRIFT_MIN", 2)
    first, _other = _two_processes(monkeypatch)
    cost = Article.objects.get(key="delivery_cost")
    time_ = Article.objects.get(key="delivery_time")

    # when two articles are patched in
    articles.article_update(article=cost, data={"answers": {"ru": "Теперь 199 ₽."}})
    articles.article_update(article=time_, data={"answers": {"ru": "Завтра."}})
    assert first.current().patched == 2

    # then a full build replaces the patched index soon, with the changes in it
    deadline = time.monotonic() + 5
    while first.current().patched and time.monotonic() < deadline:
        time.sleep(0.02)
    index = first.current()
    assert index.patched == 0
    assert index.by_id[cost.pk].answers["ru"] == "Теперь 199 ₽."
    assert index.by_id[time_.pk].answers["ru"] == "Завтра."


def _rank(holder: matching._Holder, text: str):  # type: ignore[no-untyped-def]
    index = holder.current()
    return index.rank(index.prepare(text), limit=3)
