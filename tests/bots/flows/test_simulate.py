"""The simulator in memory: the contract's answer from a flow and inputs."""

from __future__ import annotations

import pytest

from bots.flows.simulate import BadInput, flow_simulate
from tests.bots.flows.samples import contract_flow


def test_a_press_shows_as_the_buttons_title_and_the_outcome_names_the_group():
    # when
    answer = flow_simulate(
        flow=contract_flow(sales=5),
        inputs=[{"button": "b2"}, "bob@example.com"],
        contact={"attributes": {"vip": False}},
    )
    # then
    assert answer["transcript"][2:] == [
        {"from": "contact", "text": "Sales"},
        {"from": "bot", "text": "Your e-mail?"},
        {"from": "contact", "text": "bob@example.com"},
        {"from": "bot", "text": "Connecting you to sales"},
    ]
    assert (answer["outcome"], answer["group"], answer["collected"]) == (
        "handoff",
        5,
        {"email": "bob@example.com"},
    )


def test_inputs_after_the_end_are_shown_but_answered_by_nobody():
    # when
    answer = flow_simulate(flow=contract_flow(), inputs=["Nothing, thanks", "one more thing"])
    # then
    assert answer["outcome"] == "end"
    assert answer["transcript"][-2:] == [
        {"from": "bot", "text": "Glad to help!"},
        {"from": "contact", "text": "one more thing"},
    ]


def test_the_group_open_flag_reaches_conditions():
    # given
    flow = {"start": "c", "nodes": {
        "c": {"type": "condition", "rules": [{"field": "session.group_open", "op": "equals",
              "value": True, "next": "open"}], "else": "closed"},
        "open": {"type": "handoff", "group": 1},
        "closed": {"type": "input", "text": "We are closed; your phone?", "field": "phone",
                   "validate": "phone", "next": "later"},
        "later": {"type": "handoff", "group": 1, "text": "We will call you back"}}}  # fmt: skip
    # when
    opened = flow_simulate(flow=flow, inputs=[], group_open=True)
    closed = flow_simulate(flow=flow, inputs=["+1 555 0100 200"], group_open=False)
    # then
    assert (opened["outcome"], opened["transcript"]) == ("handoff", [])
    assert closed["transcript"][0] == {"from": "bot", "text": "We are closed; your phone?"}
    assert closed["collected"] == {"phone": "+15550100200"}


@pytest.mark.parametrize("bad", [5, None, {"press": "b1"}, {"button": ["b1"]}, ["b1"]])
def test_an_input_it_cannot_read_is_named_by_position(bad):
    # when
    with pytest.raises(BadInput) as refused:
        flow_simulate(flow=contract_flow(), inputs=["Sales", bad])
    # then
    assert refused.value.index == 1
