"""Normalisation, transliteration back to Cyrillic and language detection by script.

Customers type in lowercase with stray punctuation, write ``е`` for ``ё``, pad their
question with greetings and "please", and sometimes write Russian in Latin letters
("skolko stoit dostavka"). Everything here is pure and cheap.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

RU, EN = "ru", "en"

_WORD = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")

# Greetings and politeness that say nothing about the question. Dropped before the
# word-level match only (the ablation in docs/benchmarks.md measures it).
PADDING = frozenset(
    """
    здравствуйте здраствуйте здрасте здрасьте привет приветствую добрый доброе день утро
    вечер пожалуйста пожалуста пжлст плиз спасибо подскажите подскажи скажите скажи
    уважаемые hello hi hey please pls thanks thank you good morning afternoon evening
    """.split()
)

# Latin to Cyrillic, longest spellings first: the common ways Russians type their
# language on a Latin keyboard (no standard is followed by everyone).
_TRANSLIT = [
    ("shch", "щ"), ("sch", "щ"), ("iya", "ия"), ("yo", "е"), ("zh", "ж"), ("kh", "х"),
    ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ya", "я"), ("ju", "ю"),
    ("ja", "я"), ("ye", "е"), ("iy", "ий"), ("yy", "ый"), ("x", "кс"), ("a", "а"),
    ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"),
    ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "к"),
    ("y", "ы"), ("w", "в"), ("q", "к"), ("'", "ь"),
]  # fmt: skip
_TRANSLIT_RE = re.compile("|".join(re.escape(latin) for latin, _ in _TRANSLIT))
_TRANSLIT_MAP = dict(_TRANSLIT)


def normalise(text: str) -> str:
    """Lowercase, ``ё`` as ``е``, accents and punctuation gone, one space between words."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    return " ".join(_WORD.findall(text))


def words(text: str) -> list[str]:
    return text.split()


def unpadded(tokens: Iterable[str]) -> list[str]:
    return [token for token in tokens if token not in PADDING]


@functools.lru_cache(maxsize=50_000)
def cyrillic(word: str) -> str:
    """A Latin-written Russian word in Cyrillic ("dostavka" -> "доставка")."""
    return _TRANSLIT_RE.sub(lambda m: _TRANSLIT_MAP[m.group(0)], word)


def is_latin_russian(
    tokens: list[str], *, russian_word: Callable[[str], bool], english: frozenset[str]
) -> bool:
    """Whether an all-Latin text is Russian in Latin letters: more of its words are
    Russian once turned to Cyrillic than are English words we know."""
    latin = [t for t in tokens if _LATIN.search(t) and not t.isdigit()]
    if not latin:
        return False
    as_russian = sum(1 for t in latin if t not in english and russian_word(cyrillic(t)))
    as_english = sum(1 for t in latin if t in english)
    return as_russian > as_english


def script_language(text: str) -> str | None:
    """``ru`` when Cyrillic letters are at least as many as Latin ones, ``en`` when
    Latin ones win, None without letters."""
    cyr, lat = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if not cyr and not lat:
        return None
    return RU if cyr >= lat else EN


def normalised_language(text: str) -> str | None:
    """``script_language`` of a ``normalise``d text, counted without a pass per script:
    such a text holds only digits, ``a``-``z``, ``а``-``я`` and spaces, and the Cyrillic
    letters are its only characters of two bytes in UTF-8 (counting the letters one
    by one was a tenth of a question's matching)."""
    cyr = len(text.encode()) - len(text)
    lat = len(text) - cyr - text.count(" ") - sum(map(text.count, "0123456789"))
    if not cyr and not lat:
        return None
    return RU if cyr >= lat else EN


def to_cyrillic(tokens: list[str]) -> list[str]:
    return [cyrillic(t) if _LATIN.search(t) else t for t in tokens]


def to_cyrillic_if(tokens: list[str]) -> list[str]:
    """The tokens, and for each Latin one also its Cyrillic reading (for vocabularies)."""
    return tokens + [cyrillic(t) for t in tokens if _LATIN.search(t)]
