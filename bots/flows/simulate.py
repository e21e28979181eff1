"""The simulator, in memory: runs a flow over a customer's inputs and answers what the
customer would see, with nothing written. ``POST bots/{id}/simulate/`` and the admin's
simulator page both call ``flow_simulate`` (through ``bots.services.bot_simulate``,
which fills in the bot's keywords and the channel's default group)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.flows import engine, faq, runner

MAX_INPUTS = 200


class BadInput(ValueError):
    """An input the simulator cannot read; ``index`` is its position in the list."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def contact_facts(contact: dict[str, Any] | None) -> dict[str, Any]:
    """What conditions may read as ``contact.*``: name, email, phone, attributes."""
    contact = contact if isinstance(contact, dict) else {}
    attributes = contact.get("attributes")
    return {
        "name": contact.get("name") or "",
        "email": contact.get("email") or "",
        "phone": contact.get("phone") or "",
        "attributes": dict(attributes) if isinstance(attributes, dict) else {},
    }


def event_of(item: Any, index: int = 0) -> engine.Text | engine.Press:
    """One simulator input: a text, or ``{"button": id}`` (``"node"`` optional)."""
    if isinstance(item, str):
        return engine.Text(item)
    if isinstance(item, dict) and isinstance(item.get("button"), str | int):
        node = item.get("node")
        if node is not None and not isinstance(node, str | int):
            raise BadInput(index, "“node” is a node's id.")
        return engine.Press(node=node, button=item["button"])
    raise BadInput(index, 'An input is a text, or {"button": "<button id>"}.')


def flow_simulate(
    *,
    flow: dict[str, Any],
    inputs: list[Any],
    contact: dict[str, Any] | None = None,
    group_open: bool = True,
    keywords: tuple[str, ...] | list[str] = engine.DEFAULT_KEYWORDS,
    default_group: int | None = None,
    faq_answer: Callable[[str, str | None], str | None] = faq.answer,
) -> dict[str, Any]:
    """``{"transcript", "outcome", "group", "collected", ...}`` as the contract says:
    the bot speaks first (as when a session opens), then each input in turn. ``group``
    is the handoff's group (``default_group`` for a handoff to the channel's default),
    null when there was none. ``BadInput`` for an input it cannot read."""
    if len(inputs) > MAX_INPUTS:
        raise BadInput(MAX_INPUTS, f"At most {MAX_INPUTS} inputs.")
    events = [event_of(item, index) for index, item in enumerate(inputs)]
    state = engine.State(contact=contact_facts(contact), session={"group_open": group_open})
    transcript: list[dict[str, Any]] = []
    state, outputs = runner.advance(
        flow, state, engine.Start(), keywords=keywords, faq_answer=faq_answer
    )
    handoff = _record(transcript, outputs)
    for event in events:
        transcript.append({"from": "contact", "text": _said(flow, state, event)})
        state, outputs = runner.advance(
            flow, state, event, keywords=keywords, faq_answer=faq_answer
        )
        handoff = _record(transcript, outputs) or handoff
    return {
        "transcript": transcript,
        "outcome": _outcome(state),
        "group": (handoff.group if handoff.group is not None else default_group)
        if handoff
        else None,
        "priority": handoff.priority if handoff else None,
        "node": state.node,
        "group_open": group_open,
        "collected": dict(state.collected),
    }


def _record(
    transcript: list[dict[str, Any]], outputs: list[engine.Output]
) -> engine.Handoff | None:
    handoff = None
    for output in outputs:
        if isinstance(output, engine.Say):
            line: dict[str, Any] = {"from": "bot", "text": output.text}
            if output.buttons:
                line["buttons"] = [dict(b) for b in output.buttons]
                line["node"] = output.node
            transcript.append(line)
        elif isinstance(output, engine.Handoff):
            handoff = output
    return handoff


def _said(flow: dict[str, Any], state: engine.State, event: engine.Text | engine.Press) -> str:
    """What the contact's input reads as: the text, or the pressed button's title."""
    if isinstance(event, engine.Text):
        return event.text
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    node_id = state.node if event.node is None else str(event.node)
    node = nodes.get(node_id) if isinstance(nodes, dict) and node_id else None
    buttons = node.get("buttons") if isinstance(node, dict) else None
    for button in buttons if isinstance(buttons, list) else []:
        if isinstance(button, dict) and str(button.get("id")) == str(event.button):
            title = button.get("title")
            return title if isinstance(title, str) else str(event.button)
    return str(event.button)


def _outcome(state: engine.State) -> str:
    if state.outcome in engine.FINISHED:
        return state.outcome
    return "waiting"
