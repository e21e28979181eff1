"""What feedback does to later rankings, as pure functions (no Django), shared by the
prompter's services and ``bench/prompter_learning.py``.

A customer's phrasing is compared to the phrasings operators gave feedback on in the
matcher's own terms (Russian lemmas, English stems, the shop lexicon's concepts; padding
words dropped): the cosine of the two sets of terms. Only the feedback that corrected
the ranking moves it: for every close past phrasing (similarity at least ``SIMILAR``),
an article accepted below the first place gains ``ACCEPT_STEP`` (times the similarity)
per such accept, and a rejected article loses ``REJECT_STEP`` per reject. The sum is
capped both ways. An accept of the first suggestion counts only for the same question
asked again (similarity at least ``SAME``: ``ACCEPTED_STEP`` per accept, at most
``MAX_ACCEPTED``), where a reject also counts twice: the matcher already ranked that
article first, and boosting it for merely similar questions pushes it onto other
questions (measured: ``bench/prompter_learning.py`` loses accept@1 that way).
Character trigrams (``similarity``) compare a sent reply with a suggestion and group
candidate questions.

Words that carry over to questions never seen (``gap_boosts``): when an operator accepts
an article below the first place, the customer's terms that the article does not
contain (its titles, answers and phrasings: the ``Vocabulary``) are the customer's words
for it, a synonym the knowledge base lacks. A later question that uses such a word
raises that article by ``GAP_STEP`` times the word's rarity among the articles (a word
most articles contain says little), over the square root of the question's terms,
capped at ``GAP_CAP``. Only corrections teach words: words of questions the matcher
already answered first, or the whole question's words, spill onto other questions
(measured: ``bench/prompter_learning.py``).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kb.matcher import lexicon
from kb.matcher import terms as termlib
from kb.matcher import text as textlib
from kb.matcher.index import ArticleData, Index

SIMILAR = 0.5  # cosine of the terms from which a past phrasing counts as "close"
EDITED = 0.7  # trigram cosine from which a sent text that differs from a suggestion is its edit
ACCEPT_STEP = 0.2
REJECT_STEP = 0.2
ACCEPTED_STEP = 0.01  # any accept, first place included: a slight raise...
MAX_ACCEPTED = 0.03
SAME = 0.8  # ...for a phrasing this close only (the same question asked again)
MAX_BOOST = 0.3
MAX_PENALTY = 0.3
GAP_STEP = 0.5  # a corrected question's word the article lacks, per unit of rarity
GAP_CAP = 0.2


def normalise(text: str) -> str:
    """The matcher's normalisation (``kb.matcher.text.normalise``)."""
    return textlib.normalise(text)


def squeeze(text: str) -> str:
    """Whitespace normalised only (for comparing a sent text to a suggestion)."""
    return " ".join(text.split())


def terms_of(text: str) -> frozenset[str]:
    """The matcher's terms of a text (no typo mending: that needs the index)."""
    tokens = textlib.unpadded(textlib.to_cyrillic_if(textlib.words(textlib.normalise(text))))
    return frozenset(lexicon.expand(termlib.terms(tokens)))


def term_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def trigrams(text: str) -> Counter[str]:
    padded = f" {normalise(text)} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str | Counter[str], b: str | Counter[str]) -> float:
    """Cosine of the character trigrams of two texts, 0..1."""
    ga = a if isinstance(a, Counter) else trigrams(a)
    gb = b if isinstance(b, Counter) else trigrams(b)
    if not ga or not gb:
        return 0.0
    dot = sum(count * gb.get(gram, 0) for gram, count in ga.items())
    norm = math.sqrt(sum(c * c for c in ga.values())) * math.sqrt(sum(c * c for c in gb.values()))
    return dot / norm if norm else 0.0


@dataclass(frozen=True, slots=True)
class Pair:
    """Feedback on one (phrasing, article) pair: how often it was accepted below the
    first place (``corrections``) and how often rejected."""

    article: int
    phrasing: str
    corrections: int = 0
    rejects: int = 0
    accepts: int = 0  # corrections included


@dataclass(frozen=True)
class Vocabulary:
    """The terms of each article (titles, answers, phrasings; learned ones left out) and
    how many articles contain each term."""

    terms: dict[int, frozenset[str]]
    counts: Counter[str] = field(default_factory=Counter)

    def rarity(self, term: str) -> float:
        """1 for a word no article contains, towards 0 for one that every article does."""
        n = len(self.terms)
        return math.log((n + 1) / (1 + self.counts.get(term, 0))) / math.log(n + 1) if n else 1.0


_by_index: weakref.WeakKeyDictionary[Index, Vocabulary] = weakref.WeakKeyDictionary()
_by_article: dict[int, tuple[ArticleData, frozenset[str]]] = {}
_lock = threading.Lock()


def vocabulary_of(index: Index) -> Vocabulary:
    """The ``Vocabulary`` of an index's articles, made once per index; an article that a
    patch left as it was keeps its terms."""
    with _lock:
        found = _by_index.get(index)
        if found is not None:
            return found
        terms: dict[int, frozenset[str]] = {}
        for article in index.articles:
            cached = _by_article.get(article.id)
            if cached is None or cached[0] is not article:
                texts = [*article.titles.values(), *article.answers.values(), *article.phrases]
                cached = _by_article[article.id] = (article, article_terms(texts))
            terms[article.id] = cached[1]
        counts: Counter[str] = Counter()
        for held in terms.values():
            counts.update(held)
        found = _by_index[index] = Vocabulary(terms=terms, counts=counts)
        return found


def article_terms(texts: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for text in texts:
        found |= terms_of(text)
    return frozenset(found)


def gap_boosts(
    mine: frozenset[str],
    pairs: Iterable[Pair],
    vocabulary: Vocabulary,
    seen: dict[str, frozenset[str]] | None = None,
) -> dict[int, float]:
    """Raises per article for a question of terms ``mine``: the words of corrected
    questions that the accepted article lacks, weighted by their rarity (``seen``: the
    phrasings' terms already made)."""
    seen = {} if seen is None else seen
    if not mine:
        return {}
    words: dict[int, set[str]] = {}
    for pair in pairs:
        held = vocabulary.terms.get(pair.article)
        if not pair.corrections or held is None:
            continue
        theirs = seen.get(pair.phrasing)
        if theirs is None:
            theirs = seen[pair.phrasing] = terms_of(pair.phrasing)
        words.setdefault(pair.article, set()).update(theirs - held)
    scale = GAP_STEP / math.sqrt(len(mine))
    boosts = {}
    for article, lacked in words.items():
        hit = sum(vocabulary.rarity(term) for term in mine & lacked)
        if hit:
            boosts[article] = min(GAP_CAP, scale * hit)
    return boosts


def adjustments(
    text: str, pairs: Iterable[Pair], vocabulary: Vocabulary | None = None
) -> dict[int, float]:
    """Score changes per article for a customer's ``text`` from past feedback ``pairs``
    (only articles with a close pair, or with a word taught by a correction, appear);
    without a ``vocabulary`` no words are taught."""
    mine = terms_of(text)
    pairs = list(pairs)
    raw: dict[int, float] = {}
    seen: dict[str, frozenset[str]] = {}
    for pair in pairs:
        if not (pair.corrections or pair.rejects or pair.accepts):
            continue
        theirs = seen.get(pair.phrasing)
        if theirs is None:
            theirs = seen[pair.phrasing] = terms_of(pair.phrasing)
        sim = term_similarity(mine, theirs)
        if sim < SIMILAR:
            continue
        accepted = min(MAX_ACCEPTED, pair.accepts * ACCEPTED_STEP) if sim >= SAME else 0.0
        # the same question asked again: a reject counts twice (the matcher's nearest
        # phrasing part lifts such a question strongly, the reject has to outweigh it)
        rejected = pair.rejects * REJECT_STEP * (2 if sim >= SAME else 1)
        delta = sim * (pair.corrections * ACCEPT_STEP + accepted) - sim * rejected
        raw[pair.article] = raw.get(pair.article, 0.0) + delta
    if vocabulary is not None:
        for article, boost in gap_boosts(mine, pairs, vocabulary, seen).items():
            raw[article] = raw.get(article, 0.0) + boost
    return {a: max(-MAX_PENALTY, min(MAX_BOOST, d)) for a, d in raw.items() if d}


def rerank(
    scored: Iterable[tuple[int, float]], deltas: Mapping[int, float], *, limit: int = 3
) -> list[tuple[int, float]]:
    """Candidates ``(article, score)`` with their ``deltas`` applied, best first,
    scores kept within 0..1; a candidate pushed to 0 is dropped."""
    moved = [(a, max(0.0, min(1.0, s + deltas.get(a, 0.0)))) for a, s in scored]
    moved = [(a, s) for a, s in moved if s > 0.0]
    moved.sort(key=lambda item: -item[1])
    return moved[:limit]


def sent_outcome(sent: str, suggested: str) -> str | None:
    """What an operator's sent text says about a suggestion: ``accepted`` when equal
    after whitespace normalisation, ``edited`` when close, else None."""
    a, b = squeeze(sent), squeeze(suggested)
    if not a or not b:
        return None
    if a == b:
        return "accepted"
    if similarity(a, b) >= EDITED or (len(b) >= 20 and b in a):
        return "edited"
    return None
