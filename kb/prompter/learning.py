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
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kb.matcher import lexicon
from kb.matcher import terms as termlib
from kb.matcher import text as textlib

SIMILAR = 0.5  # cosine of the terms from which a past phrasing counts as "close"
EDITED = 0.7  # trigram cosine from which a sent text that differs from a suggestion is its edit
ACCEPT_STEP = 0.2
REJECT_STEP = 0.2
ACCEPTED_STEP = 0.01  # any accept, first place included: a slight raise...
MAX_ACCEPTED = 0.03
SAME = 0.8  # ...for a phrasing this close only (the same question asked again)
MAX_BOOST = 0.3
MAX_PENALTY = 0.3


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


def adjustments(text: str, pairs: Iterable[Pair]) -> dict[int, float]:
    """Score changes per article for a customer's ``text`` from past feedback ``pairs``
    (only articles with a close pair appear)."""
    mine = terms_of(text)
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
