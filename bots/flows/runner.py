"""``advance``: ``engine.step`` with its knowledge-base lookups answered, for callers
that want one call per thing the contact did (the live channels, the simulator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.flows import engine, faq

FaqAnswer = Callable[[str, str | None], str | None]


def advance(
    flow: dict[str, Any],
    state: engine.State,
    event: engine.Event,
    *,
    keywords: tuple[str, ...] | list[str] = engine.DEFAULT_KEYWORDS,
    faq_answer: FaqAnswer = faq.answer,
    language: str | None = None,
) -> tuple[engine.State, list[engine.Output]]:
    """Steps ``event`` through ``flow``; each ``FaqLookup`` on the way is answered with
    ``faq_answer`` (the registry by default) and stepped on. The lookups stay in the
    outputs, each before what its answer caused."""
    state, outputs = engine.step(flow, state, event, keywords=keywords)
    done = list(outputs)
    for _round in range(engine.MAX_STEPS):
        if state.outcome != engine.LOOKUP or not done or not isinstance(done[-1], engine.FaqLookup):
            break
        answer = faq_answer(done[-1].question, language)
        state, outputs = engine.step(flow, state, engine.FaqResult(answer), keywords=keywords)
        done += outputs
    return state, done
