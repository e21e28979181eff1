"""The engine: every node type and every error path, with no database (these tests
are not marked ``django_db``, so any query would fail them)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bots.flows import engine
from bots.flows.engine import (
    End,
    FaqLookup,
    FaqResult,
    Handoff,
    Press,
    Save,
    Say,
    Start,
    State,
    Text,
    step,
)
from tests.bots.flows.samples import contract_flow


def run(
    flow: dict[str, Any], *events: engine.Event, state: State | None = None, **kw: Any
) -> tuple[State, list[engine.Output]]:
    """Starts the flow (unless a state is given), then steps each event; the final
    state and the outputs of the last event."""
    if state is None:
        state, outputs = step(flow, State(**kw), Start())
    for event in events:
        state, outputs = step(flow, state, event)
    return state, outputs


def says(outputs: list[engine.Output]) -> list[str]:
    return [o.text for o in outputs if isinstance(o, Say)]


MENU = [{"id": "b1", "title": "Delivery"}, {"id": "b2", "title": "Sales"},
        {"id": "b3", "title": "Nothing, thanks"}]  # fmt: skip


# --- message and buttons ----------------------------------------------------------------


def test_start_says_the_messages_then_waits_at_the_buttons():
    # when
    state, outputs = step(contract_flow(), State(), Start())
    # then
    assert outputs == [Say("Hi!"), Say("What about?", tuple(MENU), "menu")]
    assert (state.outcome, state.node) == ("waiting", "menu")


@pytest.mark.parametrize(
    "event",
    [
        Press("menu", "b2"),
        Press(None, "b2"),
        Text("Sales"),
        Text("  sales "),
        Text("2"),
        Text("2."),
    ],
)
def test_a_press_a_typed_title_or_a_typed_number_follow_the_button(event):
    # when
    state, outputs = run(contract_flow(), event)
    # then
    assert outputs == [Say("Your e-mail?")]
    assert (state.outcome, state.node) == ("waiting", "email")


def test_numeric_ids_from_older_clients_match_as_text():
    # given
    flow = {"start": "m", "nodes": {
        "m": {"type": "buttons", "text": "Pick", "buttons": [
            {"id": "1", "title": "One", "next": "bye"}]},
        "bye": {"type": "end", "text": "Bye"}}}  # fmt: skip
    # when
    _, outputs = run(flow, Press(7, 1), state=State(outcome="waiting", node="m"))
    # then: node 7 is no node of the flow, but the button of the node it waits at is "1"
    assert outputs == [Say("Pick", ({"id": "1", "title": "One"},), "m")]
    _, outputs = run(flow, Press("m", 1), state=State(outcome="waiting", node="m"))
    assert outputs == [Say("Bye"), End()]


def test_an_unknown_answer_at_buttons_asks_again_with_the_buttons():
    # when
    state, outputs = run(contract_flow(), Text("What?"), Text("5"), Press("menu", "b9"))
    # then
    assert outputs == [Say("What about?", tuple(MENU), "menu")]
    state, outputs = run(contract_flow(), Text("What?"))
    assert outputs == [Say("Please choose one of the options.", tuple(MENU), "menu")]
    assert (state.node, state.attempts) == ("menu", 1)


def test_buttons_with_a_limit_follow_fail_next_after_the_last_failed_answer():
    # given
    flow = contract_flow()
    flow["nodes"]["menu"].update(max_attempts=2, fail_next="to_sales", error_text="Pick one")
    # when
    first_state, first = run(flow, Text("hm"))
    state, outputs = run(flow, Text("hm"), state=first_state)
    # then
    assert first == [Say("Pick one", tuple(MENU), "menu")]
    assert outputs == [Say("Connecting you to sales"), Handoff(1, None, "node")]
    assert state.outcome == "handoff"


def test_a_button_of_an_earlier_menu_still_leads_where_it_says():
    # given: the contact went to the e-mail question
    state, _ = run(contract_flow(), Text("Sales"))
    # when: they press "Nothing, thanks" on the menu above
    state, outputs = run(contract_flow(), Press("menu", "b3"), state=state)
    # then
    assert outputs == [Say("Glad to help!"), End()]


def test_a_press_that_fits_no_menu_asks_the_current_question_again():
    # given
    state, _ = run(contract_flow(), Text("Sales"))
    # when
    state, outputs = run(contract_flow(), Press("menu", "nope"), state=state)
    # then
    assert outputs == [Say("Your e-mail?")]
    assert state.node == "email"


# --- input ------------------------------------------------------------------------------


def test_a_valid_input_is_saved_and_the_flow_goes_on():
    # when
    state, outputs = run(contract_flow(), Text("Sales"), Text(" Ann@Example.COM "))
    # then
    assert outputs == [
        Save("email", "Ann@example.com", "email"),
        Say("Connecting you to sales"),
        Handoff(1, None, "node"),
    ]
    assert state.collected == {"email": "Ann@example.com"}
    assert state.contact["email"] == "Ann@example.com"


def test_an_invalid_input_is_asked_again_then_follows_fail_next():
    # given
    state, _ = run(contract_flow(), Text("Sales"))
    # when / then: attempts 1 and 2 are asked again with the error text
    for attempt in (1, 2):
        state, outputs = run(contract_flow(), Text("no"), state=state)
        assert outputs == [Say("That is not an e-mail")]
        assert (state.node, state.attempts) == ("email", attempt)
    # the third failure follows fail_next
    state, outputs = run(contract_flow(), Text("still no"), state=state)
    assert outputs == [Say("Connecting you to sales"), Handoff(1, None, "node")]
    assert state.collected == {}


def test_an_input_without_fail_next_hands_off_after_three_failures():
    # given
    flow = contract_flow()
    del flow["nodes"]["email"]["fail_next"], flow["nodes"]["email"]["max_attempts"]
    del flow["nodes"]["email"]["error_text"]
    # when
    state, outputs = run(flow, Text("Sales"), Text("x"))
    # then
    assert says(outputs) == ["That does not look right; please try again."]
    state, outputs = run(flow, Text("y"), Text("z"), state=state)
    assert outputs == [Handoff(None, None, "failed")]


@pytest.mark.parametrize(
    ("check", "typed", "saved"),
    [
        ("text", "  Ann Lee ", "Ann Lee"),
        ("email", "a.b@mail.Example.org", "a.b@mail.example.org"),
        ("phone", "+44 (20) 7946-0958", "+442079460958"),
        ("number", "42", 42),
        ("number", "2,5", 2.5),
        ("regex:[A-Z]{2}\\d{4}", "AB1234", "AB1234"),
    ],
)
def test_each_validation_accepts_a_good_value(check, typed, saved):
    # given
    flow = {"start": "ask", "nodes": {
        "ask": {"type": "input", "text": "?", "field": "attributes.code", "validate": check,
                "next": "bye"},
        "bye": {"type": "end"}}}  # fmt: skip
    # when
    state, outputs = run(flow, Text(typed))
    # then
    assert outputs[0] == Save("attributes.code", saved, check.split(":")[0])
    assert state.contact["attributes"] == {"code": saved}
    assert state.outcome == "end"


@pytest.mark.parametrize(
    ("check", "typed"),
    [
        ("text", "   "),
        ("email", "ann@"),
        ("email", "ann example.com"),
        ("phone", "call me"),
        ("phone", "12"),
        ("number", "many"),
        ("number", "nan"),
        ("regex:[A-Z]{2}\\d{4}", "ab1234"),
        ("text", "x" * 1001),
    ],
)
def test_each_validation_refuses_a_bad_value(check, typed):
    # given
    flow = {"start": "ask", "nodes": {
        "ask": {"type": "input", "text": "?", "field": "name", "validate": check,
                "error_text": "Again", "next": "bye"},
        "bye": {"type": "end"}}}  # fmt: skip
    # when
    state, outputs = run(flow, Text(typed))
    # then
    assert outputs == [Say("Again")]
    assert state.collected == {}


# --- condition and set ------------------------------------------------------------------


@pytest.mark.parametrize(("attributes", "node"), [({"vip": True}, "to_vip"), ({}, "to_sales")])
def test_a_condition_follows_the_first_rule_that_holds_else_its_else(attributes, node):
    # when
    state, _ = run(
        contract_flow(),
        Text("Sales"),
        Text("ann@example.com"),
        contact={"attributes": attributes},
    )
    # then
    assert (state.outcome, state.node) == ("handoff", node)


@pytest.mark.parametrize(
    ("rule", "holds"),
    [
        ({"field": "contact.email", "op": "is_set"}, True),
        ({"field": "contact.phone", "op": "is_not_set"}, True),
        ({"field": "contact.attributes.orders", "op": "gt", "value": 3}, True),
        ({"field": "contact.attributes.orders", "op": "lt", "value": 3}, False),
        ({"field": "contact.attributes.plan", "op": "in", "value": ["gold", "silver"]}, True),
        ({"field": "contact.attributes.plan", "op": "not_equals", "value": "gold"}, False),
        ({"field": "message.text", "op": "contains", "value": "example"}, True),
        ({"field": "session.group_open", "op": "equals", "value": False}, True),
    ],
)
def test_conditions_use_the_trigger_ops_over_what_the_bot_knows(rule, holds):
    # given: an e-mail was just collected; the group is closed
    flow = {"start": "ask", "nodes": {
        "ask": {"type": "input", "text": "?", "field": "email", "validate": "email",
                "next": "check"},
        "check": {"type": "condition", "rules": [{**rule, "next": "yes"}], "else": "no"},
        "yes": {"type": "end", "text": "yes"},
        "no": {"type": "end", "text": "no"}}}  # fmt: skip
    contact = {"attributes": {"orders": 5, "plan": "Gold"}}
    # when
    _, outputs = run(flow, Text("ann@example.com"), contact=contact,
                     session={"group_open": False})  # fmt: skip
    # then
    assert says(outputs) == ["yes" if holds else "no"]


def test_set_saves_a_value_filled_from_what_the_bot_knows():
    # given
    flow = {"start": "s", "nodes": {
        "s": {"type": "set", "field": "attributes.greeting", "value": "Hi {contact.name}",
              "next": "t"},
        "t": {"type": "set", "field": "attributes.vip", "value": True, "next": "bye"},
        "bye": {"type": "end"}}}  # fmt: skip
    # when
    state, outputs = step(flow, State(contact={"name": "Ann"}), Start())
    # then
    assert outputs == [
        Save("attributes.greeting", "Hi Ann", ""),
        Save("attributes.vip", True, ""),
        End(),
    ]
    assert state.collected == {"attributes.greeting": "Hi Ann", "attributes.vip": True}


# --- faq --------------------------------------------------------------------------------


def test_faq_looks_up_what_led_there_and_answers_then_goes_on():
    # when: "Delivery" leads to the knowledge base
    state, outputs = run(contract_flow(), Press("menu", "b1"))
    # then
    assert outputs == [FaqLookup("Delivery", "kb")]
    assert state.outcome == "lookup"
    state, outputs = step(contract_flow(), state, FaqResult("We deliver in 2 days."))
    assert outputs == [Say("We deliver in 2 days."), Say("What about?", tuple(MENU), "menu")]
    assert state.node == "menu"


def test_faq_without_an_answer_follows_no_match_next():
    # given
    state, _ = run(contract_flow(), Text("delivery"))
    # when
    state, outputs = step(contract_flow(), state, FaqResult(None))
    # then
    assert outputs == [Handoff(None, None, "node")]


def test_faq_with_a_text_asks_and_waits_for_the_question():
    # given
    flow = {"start": "kb", "nodes": {
        "kb": {"type": "faq", "text": "Ask me", "next": "bye", "no_match_next": "human"},
        "bye": {"type": "end"},
        "human": {"type": "handoff", "group": None}}}  # fmt: skip
    # when
    state, first = step(flow, State(), Start())
    state, outputs = step(flow, state, Text("Where is my parcel?"))
    # then
    assert first == [Say("Ask me")]
    assert outputs == [FaqLookup("Where is my parcel?", "kb")]


def test_a_faq_result_nobody_asked_for_changes_nothing():
    # given
    state, _ = run(contract_flow())
    # when
    after, outputs = step(contract_flow(), state, FaqResult("Unasked"))
    # then
    assert (after, outputs) == (state, [])


# --- handoff, end and the keyword -------------------------------------------------------


def test_handoff_says_its_text_and_hands_off_with_group_and_priority():
    # given
    flow = {"start": "h", "nodes": {"h": {"type": "handoff", "group": 4, "priority": 10,
                                          "text": "One moment"}}}  # fmt: skip
    # when
    state, outputs = step(flow, State(), Start())
    # then
    assert outputs == [Say("One moment"), Handoff(4, 10, "node")]
    assert state.outcome == "handoff"


def test_after_a_handoff_or_an_end_the_bot_says_nothing_more():
    # given
    ended, _ = run(contract_flow(), Text("3"))
    # when / then
    for event in (Text("hello"), Press("menu", "b1"), Text("operator"), Start()):
        assert step(contract_flow(), ended, event) == (ended, [])


@pytest.mark.parametrize("typed", ["operator", "Operator!", " ОПЕРАТОР ", "оператор."])
def test_the_handoff_keyword_hands_off_from_any_node(typed):
    # given: waiting at the menu, and at the e-mail input
    at_menu, _ = run(contract_flow())
    at_email, _ = run(contract_flow(), Text("Sales"))
    for state in (at_menu, at_email):
        # when
        after, outputs = step(contract_flow(), state, Text(typed))
        # then
        assert outputs == [Handoff(None, None, "keyword")]
        assert after.outcome == "handoff"


def test_the_keyword_in_the_first_message_hands_off_at_once():
    # when
    _, outputs = step(contract_flow(), State(), Start("operator"))
    # then
    assert outputs == [Handoff(None, None, "keyword")]


def test_the_bots_own_keywords_replace_the_default_and_must_be_the_whole_message():
    # given
    state, _ = run(contract_flow())
    # when
    _, own = step(contract_flow(), state, Text("human"), keywords=["human"])
    _, default = step(contract_flow(), state, Text("operator"), keywords=["human"])
    _, inside = step(contract_flow(), state, Text("I want an operator"))
    # then
    assert own == [Handoff(None, None, "keyword")]
    assert not any(isinstance(o, Handoff) for o in default + inside)


# --- a broken flow never loops ----------------------------------------------------------


def test_a_loop_without_a_waiting_node_is_stopped_and_handed_off():
    # given: a flow that would not validate
    flow = {"start": "a", "nodes": {
        "a": {"type": "message", "text": "a", "next": "b"},
        "b": {"type": "set", "field": "name", "value": "x", "next": "a"}}}  # fmt: skip
    # when
    state, outputs = step(flow, State(), Start())
    # then
    assert outputs[-1] == Handoff(None, None, "guard")
    assert len(says(outputs)) <= engine.MAX_STEPS
    assert state.outcome == "handoff"


@pytest.mark.parametrize(
    "flow",
    [
        {},
        {"start": "x", "nodes": {}},
        {"start": "a", "nodes": {"a": {"type": "message", "text": "a", "next": "ghost"}}},
        {"start": "a", "nodes": {"a": {"type": "teleport"}}},
        {"start": "a", "nodes": {"a": "not a node"}},
    ],
)
def test_a_missing_or_unknown_node_hands_off_instead_of_crashing(flow):
    # when
    _, outputs = step(flow, State(), Start())
    # then
    assert outputs[-1] == Handoff(None, None, "guard")


# --- state ------------------------------------------------------------------------------


def test_step_changes_neither_the_flow_nor_the_state_it_is_given():
    # given
    flow = contract_flow()
    state, _ = run(flow, Text("Sales"), contact={"attributes": {"vip": True}})
    flow_before, state_before = copy.deepcopy(flow), copy.deepcopy(state.as_dict())
    # when
    step(flow, state, Text("ann@example.com"))
    # then
    assert flow == flow_before
    assert state.as_dict() == state_before


def test_the_state_travels_as_json_and_garbage_reads_as_a_new_state():
    # given
    state, _ = run(contract_flow(), Text("Sales"), contact={"name": "Ann"})
    # when
    again = State.from_dict(state.as_dict())
    # then
    assert again == state
    assert State.from_dict("garbage") == State()
    assert State.from_dict({"outcome": "exploded", "attempts": -1, "node": 5}) == State()
