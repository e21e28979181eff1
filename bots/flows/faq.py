"""Where a ``faq`` node gets its answers: a registry, so that the knowledge base (a
package of its own) plugs in without the engine knowing it.

    faq.answer_register(fn)   # fn(question, language) -> answer text | None

``answer`` asks the registered functions in order; the first text wins. With nothing
registered (no knowledge base yet) every question is "no match", and a ``faq`` node
follows its ``no_match_next``. A function that raises is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Answerer = Callable[[str, str | None], str | None]

_answerers: list[Answerer] = []


def answer_register(fn: Answerer) -> None:
    """Registers ``fn``; registering the same one twice is a no-op."""
    if fn not in _answerers:
        _answerers.append(fn)


def answer_unregister(fn: Answerer) -> None:
    if fn in _answerers:
        _answerers.remove(fn)


def answer(question: str, language: str | None = None) -> str | None:
    """The knowledge base's answer to ``question``, or None when nothing matches."""
    for fn in list(_answerers):
        try:
            text = fn(question, language)
        except Exception:
            logger.exception("faq answerer %r failed; skipped", fn)
            continue
        if isinstance(text, str) and text.strip():
            return text
    return None
