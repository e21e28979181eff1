"""The matcher of this process: one index of the enabled articles, kept in memory and
rebuilt when articles change, in every process within a second.

    match(text, language=None, limit=3) -> MatchResult
    answer_text(article_id, language) -> str

Every write of articles (``kb.services.articles``) calls ``index_changed()``, which after
commit bumps a version counter in the shared cache (Redis in production) and marks this
process's index stale at once. ``match`` reads the counter at most every
``CHECK_EVERY_S`` (0.25 s) and rebuilds when it moved.

Adjusters (the prompter's learning): ``adjusters`` is a list of functions
``(normalised_text, matches) -> matches`` applied, in order, to the ranked candidates
(up to ``CANDIDATES`` of them) before the no-match threshold and the limit; they may
change scores or drop candidates (the result is sorted again). See
docs/knowledge-base.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import BaseCache, cache
from django.db import transaction

from kb.matcher import index as indexlib
from kb.matcher import semantic as semanticlib
from kb.matcher import terms as termlib
from kb.matcher import text as textlib
from kb.models import Article

logger = logging.getLogger(__name__)

VERSION_KEY = "kb:index:version"
CHECK_EVERY_S = 0.25
CANDIDATES = 10


@dataclass(frozen=True)
class Match:
    article_id: int
    key: str
    score: float
    # why: the phrasing that matched best and each part's share of the score
    phrase: str = field(default="", compare=False)
    parts: dict[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MatchResult:
    matches: list[Match]
    answer: Match | None
    language: str  # the detected or given language, "ru" | "en"


Adjuster = Callable[[str, list[Match]], list[Match]]
adjusters: list[Adjuster] = []


def adjuster_register(fn: Adjuster) -> None:
    if fn not in adjusters:
        adjusters.append(fn)


def adjuster_unregister(fn: Adjuster) -> None:
    if fn in adjusters:
        adjusters.remove(fn)


class _Holder:
    """One process's index, its version and when the shared counter was last read."""

    def __init__(self, shared: BaseCache) -> None:
        self.shared = shared
        self.lock = threading.Lock()
        self.index: indexlib.Index | None = None
        self.version: int | None = None
        self.checked_at = 0.0
        self.stale = True

    def current(self) -> indexlib.Index:
        now = time.monotonic()
        if not self.stale and now - self.checked_at < CHECK_EVERY_S and self.index is not None:
            return self.index
        with self.lock:
            version = self._shared_version()
            self.checked_at = time.monotonic()
            if self.index is None or self.stale or version != self.version:
                self.stale = False
                self.index = indexlib.Index(_articles(), semantic=_encoder())
                self.version = version
            return self.index

    def _shared_version(self) -> int | None:
        try:
            value = self.shared.get(VERSION_KEY)
        except Exception:  # the cache is away: keep what we have, check again later
            logger.warning("kb: the index version could not be read", exc_info=True)
            return self.version
        return int(value) if value is not None else None


_holder = _Holder(cache)


def _articles() -> list[indexlib.ArticleData]:
    articles = Article.objects.filter(enabled=True).prefetch_related("phrases").order_by("pk")
    return [
        indexlib.ArticleData(
            id=a.pk,
            key=a.key,
            titles={"ru": a.title_ru, "en": a.title_en},
            answers={"ru": a.answer_ru, "en": a.answer_en},
            phrases=tuple(p.text for p in a.phrases.all()),
        )
        for a in articles
    ]


def _encoder() -> semanticlib.Encoder | None:
    """The semantic part's encoder when ``KB_SEMANTIC`` allows it and the extra is
    installed (loaded once per process), else None: the lexical matcher alone."""
    mode = getattr(settings, "KB_SEMANTIC", "auto")
    if mode not in semanticlib.MODES:  # the system check kb.E001 says so at start
        return None
    encoder = semanticlib.encoder_get(mode)
    if encoder is not None and encoder.store is None:
        encoder.store = _VectorStore(cache)
    return encoder


class _VectorStore:
    """The texts' sentence vectors in the shared cache (Redis in production)."""

    TIMEOUT_S = 30 * 86400

    def __init__(self, shared: BaseCache) -> None:
        self.shared = shared

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        return dict(self.shared.get_many(keys))

    def set_many(self, values: dict[str, bytes]) -> None:
        self.shared.set_many(values, timeout=self.TIMEOUT_S)


def index_current() -> indexlib.Index:
    """This process's index as it stands (the prompter asks it without the adjusters)."""
    return _holder.current()


def version_bump(shared: BaseCache | None = None) -> None:
    shared = shared or cache
    try:
        try:
            shared.incr(VERSION_KEY)
        except ValueError:  # not there yet (or evicted)
            if not shared.add(VERSION_KEY, 1, timeout=None):
                shared.incr(VERSION_KEY)
    except Exception:
        logger.warning("kb: the index version could not be bumped", exc_info=True)


def index_changed() -> None:
    """Called by every write of articles: after commit, every process rebuilds."""

    def changed() -> None:
        _holder.stale = True
        version_bump(_holder.shared)

    # this process at once too: the writer's own next question sees its change
    _holder.stale = True
    transaction.on_commit(changed)


def index_reset() -> None:
    """Forgets this process's index (tests: each starts with its own database)."""
    with _holder.lock:
        _holder.index = None
        _holder.version = None
        _holder.stale = True


def language_of(text: str) -> str:
    """``ru`` or ``en`` by script; Russian in Latin letters counts as Russian."""
    tokens = textlib.words(textlib.normalise(text))
    found = textlib.script_language(" ".join(tokens))
    if found == textlib.EN and textlib.is_latin_russian(
        tokens, russian_word=termlib.russian_known, english=termlib.ENGLISH_COMMON
    ):
        return textlib.RU
    return found or textlib.RU


def _ranked(index: indexlib.Index, query: indexlib.Query, *, explain: bool) -> list[Match]:
    return [
        Match(
            article_id=index.articles[c.article].id,
            key=index.articles[c.article].key,
            score=round(c.score, 4),
            phrase=c.phrase,
            parts=c.parts,
        )
        for c in index.rank(query, limit=CANDIDATES, explain=explain)
    ]


def match(
    text: str, language: str | None = None, limit: int = 3, *, explain: bool = False
) -> MatchResult:
    """The best articles for a customer's text, best first, and the one to answer with
    (None when none scores above the threshold). With ``explain``, each match's
    ``parts`` also holds the parts that weigh nothing in its score (the admin's "why")."""
    index = _holder.current()
    query = index.prepare(text, language if language in ("ru", "en") else None)
    matches = _ranked(index, query, explain=explain)
    normalised = textlib.normalise(text)
    for adjust in list(adjusters):
        try:
            matches = adjust(normalised, matches)
        except Exception:
            logger.exception("kb adjuster %r failed; skipped", adjust)
    matches = sorted(matches, key=lambda m: -m.score)[: max(limit, 1)]
    best = matches[0] if matches and matches[0].score >= index.weights.threshold else None
    return MatchResult(matches=matches, answer=best, language=query.language)


def threshold() -> float:
    """The score an answer needs (below it: no match)."""
    return _holder.current().weights.threshold


def answer_text(article_id: int, language: str) -> str:
    """The article's answer in ``language`` (else in the other one); from the index in
    memory when the article is there (no query), else from the database."""
    held = _holder.current().by_id.get(article_id)
    if held is not None:
        other = "en" if language == "ru" else "ru"
        return held.answers.get(language) or held.answers.get(other) or ""
    article = Article.objects.filter(pk=article_id).first()
    return article.answer(language) if article is not None else ""


def faq_answer(question: str, language: str | None = None) -> str | None:
    """The ``faq`` node's answerer (registered in ``KbConfig.ready``)."""
    result = match(question, language)
    if result.answer is None:
        return None
    return answer_text(result.answer.article_id, result.language) or None


__all__ = ["Match", "MatchResult", "adjusters", "answer_text", "match"]
