"""advance: the knowledge base answers faq nodes through the registry; with none
registered a faq node follows its no_match_next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bots.flows import engine, faq, runner
from tests.bots.flows.samples import contract_flow


@pytest.fixture
def knowledge_base() -> Iterator[list[str]]:
    asked: list[str] = []

    def answer(question: str, language: str | None) -> str | None:
        asked.append(question)
        return "We deliver in 2 days." if "deliver" in question.lower() else None

    faq.answer_register(answer)
    yield asked
    faq.answer_unregister(answer)


def _at_menu() -> engine.State:
    state, _ = engine.step(contract_flow(), engine.State(), engine.Start())
    return state


def test_without_a_knowledge_base_a_faq_node_follows_no_match_next():
    # when
    state, outputs = runner.advance(contract_flow(), _at_menu(), engine.Text("Delivery"))
    # then
    assert outputs == [engine.FaqLookup("Delivery", "kb"), engine.Handoff(None, None, "node")]
    assert state.outcome == "handoff"


def test_a_registered_knowledge_base_answers_and_the_flow_goes_on(knowledge_base):
    # when
    state, outputs = runner.advance(contract_flow(), _at_menu(), engine.Press("menu", "b1"))
    # then
    assert knowledge_base == ["Delivery"]
    assert outputs[1] == engine.Say("We deliver in 2 days.")
    assert (state.outcome, state.node) == ("waiting", "menu")


def test_a_knowledge_base_that_fails_counts_as_no_match():
    # given
    def broken(question: str, language: str | None) -> str | None:
        raise RuntimeError("index missing")

    faq.answer_register(broken)
    faq.answer_register(broken)  # twice is once
    try:
        # when
        state, _ = runner.advance(contract_flow(), _at_menu(), engine.Text("Delivery"))
    finally:
        faq.answer_unregister(broken)
    # then
    assert (state.outcome, state.node) == ("handoff", "to_support")
    assert faq.answer("Delivery") is None
