"""Words as terms: Russian lemmas (pymorphy3 with its Russian dictionaries, which ship
in the wheel: nothing is fetched) and English stems (Snowball)."""

from __future__ import annotations

import functools
import re

import pymorphy3
import snowballstemmer

from kb.matcher.text import EN, RU

_CYRILLIC = re.compile(r"[а-я]")

# Common English words, so that a Latin text of them is not taken for Russian in Latin
# letters; the index adds every English word of the articles.
ENGLISH_COMMON = frozenset(
    """
    a an the i me my we our you your he she it its they them their is are was were be
    been am do does did done have has had can could will would should may might must
    shall not no yes to of in on at by for from with about into over after before up
    down out off and or but if so than then there here what which who whom whose when
    where why how all any some more most other such only own same too very just also
    this that these those get got make want need please thanks hello hi ok okay
    order delivery price store card account phone return refund pay payment item
    """.split()
)


@functools.cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@functools.cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=100_000)
def russian_lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


@functools.lru_cache(maxsize=100_000)
def russian_known(word: str) -> bool:
    return bool(_morph().word_is_known(word))


@functools.lru_cache(maxsize=100_000)
def english_stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def term(word: str) -> str:
    """The word's lemma (Cyrillic) or stem (Latin); digits stay as they are."""
    if _CYRILLIC.search(word):
        return russian_lemma(word)
    if word.isdigit():
        return word
    return english_stem(word)


def terms(tokens: list[str]) -> list[str]:
    return [term(token) for token in tokens]


def warm() -> None:
    """Loads the dictionaries now rather than on the first question."""
    russian_lemma("доставка")
    english_stem("delivery")


__all__ = ["EN", "ENGLISH_COMMON", "RU", "russian_known", "term", "terms", "warm"]
