"""Property: no flow that validates can leave a session stuck. Whatever the contact
does, after each event the bot waits at a node that waits for the contact, or it has
handed off or ended; it never needs the guard."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bots.flows import engine, runner
from bots.flows.validate import flow_problems, successors, waits

KINDS = ("message", "buttons", "input", "condition", "set", "faq", "faq_asks", "handoff", "end")
TYPED = ("1", "2", "3", "Yes", "No", "a@b.co", "+44 20 7946 0958", "42", "hello", "operator", "")


def _node(draw: Any, kind: str, target: Any) -> dict[str, Any]:
    if kind == "message":
        return {"type": "message", "text": "Note", "next": draw(target)}
    if kind == "buttons":
        count = draw(st.integers(1, 3))
        node: dict[str, Any] = {"type": "buttons", "text": "Pick", "buttons": [
            {"id": f"b{i}", "title": ("Yes", "No", "Maybe")[i], "next": draw(target)}
            for i in range(count)]}  # fmt: skip
        if draw(st.booleans()):
            node.update(max_attempts=draw(st.integers(1, 3)), fail_next=draw(target))
        return node
    if kind == "input":
        return {"type": "input", "text": "?", "field": draw(st.sampled_from(["email", "phone",
                "attributes.n"])), "validate": draw(st.sampled_from(["email", "phone", "number",
                "text"])), "max_attempts": draw(st.integers(1, 3)), "next": draw(target),
                "fail_next": draw(target)}  # fmt: skip
    if kind == "condition":
        return {"type": "condition", "rules": [{"field": draw(st.sampled_from(
            ["contact.email", "session.group_open", "message.text"])), "op": "is_set",
            "value": "", "next": draw(target)}], "else": draw(target)}  # fmt: skip
    if kind == "set":
        return {"type": "set", "field": "attributes.seen", "value": "yes", "next": draw(target)}
    if kind in ("faq", "faq_asks"):
        node = {"type": "faq", "next": draw(target), "no_match_next": draw(target)}
        return {**node, "text": "Ask me"} if kind == "faq_asks" else node
    if kind == "handoff":
        return {"type": "handoff", "group": draw(st.sampled_from([None, 1, 2]))}
    return {"type": "end"}


@st.composite
def flows(draw: Any) -> dict[str, Any]:
    """Random flows over up to 8 nodes, cut down to what the start reaches."""
    ids = [f"n{i}" for i in range(draw(st.integers(1, 8)))]
    target = st.sampled_from(ids)
    nodes = {node_id: _node(draw, draw(st.sampled_from(KINDS)), target) for node_id in ids}
    reached, todo = {"n0"}, ["n0"]
    while todo:
        for following in successors(nodes[todo.pop()], nodes):
            if following not in reached:
                reached.add(following)
                todo.append(following)
    return {"start": "n0", "nodes": {k: v for k, v in nodes.items() if k in reached}}


events = st.one_of(
    st.sampled_from(TYPED).map(engine.Text),
    st.builds(
        engine.Press,
        node=st.sampled_from([None, "n0", "n1", "n2", 3]),
        button=st.sampled_from(["b0", "b1", "b2", 1]),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    flow=flows(),
    inputs=st.lists(events, max_size=8),
    answers=st.lists(st.sampled_from([None, "An answer"]), min_size=1, max_size=4),
    group_open=st.booleans(),
)
def test_no_valid_flow_leaves_a_session_stuck(flow, inputs, answers, group_open):
    # given
    assume(not flow_problems(flow))
    asked = iter(answers * 100)

    def faq_answer(question: str, language: str | None) -> str | None:
        return next(asked)

    state = engine.State(session={"group_open": group_open})
    # when / then: after every event
    for event in [engine.Start(), *inputs]:
        state, outputs = runner.advance(flow, state, event, faq_answer=faq_answer)
        assert not any(isinstance(o, engine.Handoff) and o.reason == "guard" for o in outputs)
        assert state.outcome in ("waiting", "handoff", "end")
        if state.outcome == "waiting":
            assert waits(flow["nodes"][state.node])
