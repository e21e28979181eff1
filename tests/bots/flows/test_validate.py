"""The validator names each problem and its nodes (pure: no database)."""

from __future__ import annotations

from typing import Any

import pytest

from bots.flows.validate import flow_problems
from tests.bots.flows.samples import contract_flow


def problems(flow: Any, **kw: Any) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.code, p.nodes) for p in flow_problems(flow, **kw)]


def test_the_contracts_flow_has_no_problems():
    assert flow_problems(contract_flow()) == []


def test_an_unknown_next_names_the_node_and_where_it_leads():
    # given
    flow = contract_flow()
    flow["nodes"]["hello"]["next"] = "meun"
    # when
    found = flow_problems(flow)
    # then
    assert found[0].code == "unknown_next" and found[0].nodes == ("hello",)
    assert str(found[0]) == "hello: “next” leads to “meun”, which is not a node."


@pytest.mark.parametrize(
    ("node", "key"),
    [("hello", "next"), ("is_vip", "else"), ("kb", "no_match_next"), ("email", "next")],
)
def test_a_missing_next_names_the_node(node, key):
    # given
    flow = contract_flow()
    del flow["nodes"][node][key]
    # when / then
    assert ("missing_next", (node,)) in problems(flow)


def test_a_buttons_missing_next_names_its_node_and_button():
    # given
    flow = contract_flow()
    del flow["nodes"]["menu"]["buttons"][2]["next"]
    # when
    found = flow_problems(flow)
    # then
    assert (found[0].code, found[0].nodes) == ("missing_next", ("menu",))
    assert "buttons[b3].next" in found[0].message


def test_nodes_nothing_reaches_are_named_together():
    # given
    flow = contract_flow()
    flow["nodes"]["orphan"] = {"type": "end"}
    flow["nodes"]["stray"] = {"type": "message", "text": "?", "next": "orphan"}
    # when / then
    assert problems(flow) == [("unreachable", ("orphan", "stray"))]


def test_a_loop_with_nothing_that_waits_names_its_nodes():
    # given: is_vip → loop_a → loop_b → is_vip, with no buttons or input on the way
    flow = contract_flow()
    flow["nodes"]["is_vip"]["else"] = "loop_a"
    flow["nodes"]["loop_a"] = {"type": "message", "text": "...", "next": "loop_b"}
    flow["nodes"]["loop_b"] = {"type": "set", "field": "name", "value": "x", "next": "is_vip"}
    # when / then
    assert problems(flow) == [("loop", ("is_vip", "loop_a", "loop_b"))]


def test_a_node_that_leads_to_itself_is_a_loop():
    flow = {"start": "a", "nodes": {"a": {"type": "message", "text": "a", "next": "a"}}}
    assert problems(flow) == [("loop", ("a",))]


def test_a_loop_through_a_waiting_node_is_fine():
    # given: the knowledge base goes back to the menu, which waits
    flow = contract_flow()
    # then
    assert flow["nodes"]["kb"]["next"] == "menu"
    assert problems(flow) == []


def test_a_loop_through_a_faq_that_asks_is_fine_and_one_that_does_not_is_not():
    # given
    flow = {"start": "kb", "nodes": {
        "kb": {"type": "faq", "text": "Ask me", "next": "kb", "no_match_next": "kb"}}}  # fmt: skip
    # then
    assert problems(flow) == []
    del flow["nodes"]["kb"]["text"]
    assert problems(flow) == [("loop", ("kb",))]


def test_a_handoff_to_a_group_that_does_not_exist_is_asked_through_the_function():
    # given
    asked: list[int] = []

    def group_exists(group_id: int) -> bool:
        asked.append(group_id)
        return group_id == 1

    # when
    found = problems(contract_flow(), group_exists=group_exists)
    # then
    assert found == [("unknown_group", ("to_vip",))]
    assert sorted(asked) == [1, 2]  # null (the channel's default) is not asked


@pytest.mark.parametrize(
    ("node", "change"),
    [
        ("hello", {"type": "wormhole"}),
        ("hello", {"text": ""}),
        ("hello", {"text": 5}),
        ("menu", {"buttons": []}),
        ("menu", {"buttons": [{"id": "b", "title": "x", "next": "bye"}] * 2}),
        ("menu", {"buttons": [{"id": 1, "title": "x", "next": "bye"}]}),
        ("menu", {"buttons": [{"id": "b", "title": "", "next": "bye"}]}),
        ("menu", {"buttons": [{"id": f"b{i}", "title": "x", "next": "bye"} for i in range(11)]}),
        ("menu", {"max_attempts": 0}),
        ("email", {"field": "password"}),
        ("email", {"field": "attributes."}),
        ("email", {"validate": "postcode"}),
        ("email", {"validate": "regex:(unclosed"}),
        ("email", {"max_attempts": "3"}),
        ("is_vip", {"rules": "vip"}),
        ("is_vip", {"rules": [{"field": "contact.attributes.vip", "op": "resembles"}]}),
        ("is_vip", {"rules": [{"field": "weather.today", "op": "equals", "value": 1}]}),
        ("is_vip", {"rules": [{"field": "contact.attributes.n", "op": "gt", "value": "many"}]}),
        ("to_vip", {"group": "VIP"}),
        ("to_vip", {"priority": "high"}),
        ("to_vip", {"priority": 10**9}),
        ("to_vip", {"group": 2**64}),
        ("to_vip", {"group": 0}),
        ("email", {"field": "email\n"}),
    ],
)
def test_a_bad_field_of_a_node_names_the_node(node, change):
    # given
    flow = contract_flow()
    flow["nodes"][node].update(change)
    # when
    found = flow_problems(flow)
    # then
    assert [(p.code, p.nodes) for p in found] == [("bad_node", (node,))]
    assert found[0].message


@pytest.mark.parametrize(
    "flow",
    [None, [], "flow", {"start": "a"}, {"start": "a", "nodes": {}}, {"nodes": {"a": {}}}],
)
def test_a_flow_that_is_not_a_flow_says_so(flow):
    assert problems(flow)[0] == ("bad_flow", ())


def test_a_start_that_names_no_node_is_a_problem():
    flow = contract_flow()
    flow["start"] = "welcome"
    assert ("bad_flow", ()) in problems(flow)


@pytest.mark.parametrize("node_id", ["a b", "a\n", "", "x" * 101])
def test_a_node_id_with_odd_characters_is_refused(node_id):
    flow = {"start": node_id, "nodes": {node_id: {"type": "end"}}}
    assert problems(flow) == [("bad_node", (node_id,))]
