"""The matcher of this process: one index of the enabled articles, kept in memory and
patched when articles change, in every process within a second (``index_holder``).

    match(text, language=None, limit=3) -> MatchResult
    answer_text(article_id, language) -> str

Every write of articles (``kb.services.articles``) calls ``index_changed(ids)``: this
process patches those articles in at its next question, and after commit the shared
cache (Redis in production) tells every other process, which reads it at most every
``CHECK_EVERY_S`` (0.1 s) and patches them in too (``kb.services.index_holder``).

Adjusters (the prompter's learning): ``adjusters`` is a list of functions
``(normalised_text, matches) -> matches`` applied, in order, to the ranked candidates
(up to ``CANDIDATES`` of them) before the no-match threshold and the limit; they may
change scores or drop candidates (the result is sorted again). See
docs/knowledge-base.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import BaseCache, cache
from django.db import transaction

from kb.matcher import index as indexlib
from kb.matcher import semantic as semanticlib
from kb.matcher import terms as termlib
from kb.matcher import text as textlib
from kb.models import Article
from kb.services import index_holder

logger = logging.getLogger(__name__)

VERSION_KEY = index_holder.VERSION_KEY
CHECK_EVERY_S = index_holder.CHECK_EVERY_S
PATCH_AT_MOST = index_holder.REBUILD_DRIFT_MIN  # articles of one write patched in
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
# the same for a batch of questions at once: ``[(normalised_text, matches)] ->
# [matches]``, in order (``match_many``), e.g. to read what it needs once per batch
BatchAdjuster = Callable[[list[tuple[str, list[Match]]]], list[list[Match]]]
adjusters: list[Adjuster] = []
_batch_adjusters: dict[Adjuster, BatchAdjuster] = {}
_idle_checks: dict[Adjuster, Callable[[], bool]] = {}


def adjuster_register(
    fn: Adjuster, *, many: BatchAdjuster | None = None, idle: Callable[[], bool] | None = None
) -> None:
    """Adds ``fn``; ``many``, if given, does its work for a whole batch (``match_many``)
    and must give what ``fn`` gives for each question of it; ``idle``, if given, says
    cheaply that ``fn`` would change nothing now (``match_many`` then neither runs it
    nor ranks more candidates than it returns)."""
    if fn not in adjusters:
        adjusters.append(fn)
    if many is not None:
        _batch_adjusters[fn] = many
    if idle is not None:
        _idle_checks[fn] = idle


def adjuster_unregister(fn: Adjuster) -> None:
    if fn in adjusters:
        adjusters.remove(fn)
    _batch_adjusters.pop(fn, None)
    _idle_checks.pop(fn, None)


def _idle(fn: Adjuster) -> bool:
    check = _idle_checks.get(fn)
    if check is None:
        return False
    try:
        return bool(check())
    except Exception:
        logger.exception("kb adjuster %r: its idle check failed; it runs", fn)
        return False


_Holder = index_holder.Holder


def _encoder_for_holder() -> semanticlib.Encoder | None:
    return _encoder()


_holder = index_holder.Holder(cache, encoder=_encoder_for_holder)


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


def version_bump(shared: BaseCache | None = None, ids: Iterable[int] | None = None) -> None:
    """What a commit of articles does: every process learns that ``ids`` (None: any)
    changed."""
    index_holder.version_bump(shared or cache, ids)


def index_changed(ids: Iterable[int] | None = None) -> None:
    """Called by every write of articles with the ids of the articles it changed (None:
    maybe all of them): this process patches them in at its next question, and after
    commit every other process does."""
    listed = None if ids is None else set(ids)
    _holder.changed(listed)
    holder = _holder
    transaction.on_commit(lambda: version_bump(holder.shared, listed))


def index_reset() -> None:
    """Forgets this process's index (tests: each starts with its own database)."""
    _holder.reset()


def language_of(text: str) -> str:
    """``ru`` or ``en`` by script; Russian in Latin letters counts as Russian."""
    normalised = textlib.normalise(text)
    tokens = textlib.words(normalised)
    found = textlib.normalised_language(normalised)
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


def _result(index: indexlib.Index, matches: list[Match], language: str, limit: int) -> MatchResult:
    matches = sorted(matches, key=lambda m: -m.score)[: max(limit, 1)]
    best = matches[0] if matches and matches[0].score >= index.weights.threshold else None
    return MatchResult(matches=matches, answer=best, language=language)


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
    return _result(index, matches, query.language, limit)


def match_many(texts: list[str], limit: int = 3) -> list[MatchResult]:
    """``match`` for each of ``texts``, in order, as a batch (the prompter's worker):
    the questions' sentence vectors encoded in one call of the model, each adjuster
    run once for the batch when it has a batch form (the prompter's feedback is read
    once, not per question) and not at all when it says it is idle (no feedback yet:
    then only ``limit`` candidates are ranked), and no match's ``phrase`` or ``parts``
    (nobody shows them). The same articles and scores as one by one (summed in
    another order, a score may differ in its last float bit)."""
    if not texts:
        return []
    index = _holder.current()
    if not index.articles:  # an empty knowledge base: the language, and nothing to rank
        return [MatchResult(matches=[], answer=None, language=language_of(t)) for t in texts]
    moving = [adjust for adjust in list(adjusters) if not _idle(adjust)]
    wanted = CANDIDATES if moving else max(limit, 1)
    queries = index.prepare_many(list(texts))
    held = index.articles
    ranked = [
        [Match(held[i].id, held[i].key, round(score, 4)) for i, score in top]
        for top in index.rank_scores_many(queries, limit=wanted)
    ]
    normalised = [textlib.normalise(text) for text in texts] if moving else []
    for adjust in moving:
        many = _batch_adjusters.get(adjust)
        try:
            if many is not None:
                ranked = many(list(zip(normalised, ranked, strict=True)))
            else:
                ranked = [adjust(n, m) for n, m in zip(normalised, ranked, strict=True)]
        except Exception:
            logger.exception("kb adjuster %r failed on a batch; skipped", adjust)
    return [
        _result(index, matches, query.language, limit)
        for matches, query in zip(ranked, queries, strict=True)
    ]


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


__all__ = ["Match", "MatchResult", "adjusters", "answer_text", "match", "match_many"]
