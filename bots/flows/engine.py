"""The flow engine: ``step(flow, state, event) -> (state, outputs)``, with no I/O.

The live channels, the simulator and the tests run this same function. It reads the
flow (the JSON of ``docs/bots.md``), the bot's state in one session and one thing that
happened (``Start``, ``Text``, ``Press``, ``FaqResult``), and answers the new state and
what must be done (``Say``, ``Save``, ``FaqLookup``, ``Handoff``, ``End``), in order.
The caller does the writing. A flow is expected to have passed
``bots.flows.validate.flow_problems``; a broken one never loops or crashes here: after
``MAX_STEPS`` nodes in one step, or at a node that is not there, the bot hands off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from bots import conditions
from bots.flows import values

MAX_STEPS = 50
DEFAULT_KEYWORDS = ("operator", "оператор")
DEFAULT_INPUT_ATTEMPTS = 3

NEW, WAITING, LOOKUP, HANDOFF, END = "new", "waiting", "lookup", "handoff", "end"
FINISHED = (HANDOFF, END)


@dataclass(frozen=True, slots=True)
class State:
    """The bot's state in one session; plain JSON through ``as_dict``/``from_dict``.

    ``outcome``: ``new`` (not started), ``waiting`` (for the contact at ``node``),
    ``lookup`` (for a ``FaqResult`` at ``node``), ``handoff`` or ``end`` (done).
    ``contact`` holds what conditions may read as ``contact.*`` (``name``, ``email``,
    ``phone``, ``attributes``), ``session`` what they read as ``session.*`` (e.g.
    ``group_open``); the caller fills both at the start, and saves update ``contact``.
    ``collected`` is every field the bot saved, by field name."""

    node: str | None = None
    attempts: int = 0
    outcome: str = NEW
    collected: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    session: dict[str, Any] = field(default_factory=dict)
    last_input: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "attempts": self.attempts,
            "outcome": self.outcome,
            "collected": dict(self.collected),
            "contact": dict(self.contact),
            "session": dict(self.session),
            "last_input": self.last_input,
        }

    @classmethod
    def from_dict(cls, data: Any) -> State:
        """A state from ``as_dict``'s output; anything unreadable gives a new state."""
        if not isinstance(data, dict):
            return cls()
        node, attempts = data.get("node"), data.get("attempts")
        outcome, last_input = data.get("outcome"), data.get("last_input")
        return cls(
            node=node if isinstance(node, str) else None,
            attempts=attempts if isinstance(attempts, int) and attempts >= 0 else 0,
            outcome=outcome if isinstance(outcome, str) and outcome in _OUTCOMES else NEW,
            collected=_dict(data.get("collected")),
            contact=_dict(data.get("contact")),
            session=_dict(data.get("session")),
            last_input=last_input if isinstance(last_input, str) else "",
        )


_OUTCOMES = (NEW, WAITING, LOOKUP, HANDOFF, END)


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


# --- events: what happened ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    """The session opened with the bot; ``text`` is the contact's first message, if any
    (a handoff keyword there hands off at once)."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    """The contact typed ``text``."""

    text: str


@dataclass(frozen=True, slots=True)
class Press:
    """The contact pressed ``button`` of the buttons of ``node``. Ids are compared as
    text, so the numbers older clients send work too; ``node`` None means the node the
    bot waits at."""

    node: str | int | None
    button: str | int


@dataclass(frozen=True, slots=True)
class FaqResult:
    """The knowledge base's answer to the last ``FaqLookup`` (None: nothing matched)."""

    answer: str | None


Event = Start | Text | Press | FaqResult


# --- outputs: what the caller must do -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    """Send a bot message; ``buttons`` are ``{"id", "title"}`` of ``node``'s buttons."""

    text: str
    buttons: tuple[dict[str, str], ...] = ()
    node: str | None = None


@dataclass(frozen=True, slots=True)
class Save:
    """Save ``value`` on the contact at ``field`` (``name``, ``email``, ``phone`` or
    ``attributes.<key>``); ``check`` is the validation it passed (``email``, ``phone``,
    ...; empty for a ``set`` node)."""

    field: str
    value: Any
    check: str = ""


@dataclass(frozen=True, slots=True)
class FaqLookup:
    """Ask the knowledge base about ``question``, then call ``step`` with a
    ``FaqResult`` (``bots.flows.runner.advance`` does both)."""

    question: str
    node: str


@dataclass(frozen=True, slots=True)
class Handoff:
    """Hand the session to people: ``group`` (None: the channel's default) at
    ``priority`` (None: unchanged). ``reason``: ``node`` (a handoff node), ``keyword``,
    ``failed`` (an input failed its last attempt with no ``fail_next``) or ``guard``
    (a broken flow)."""

    group: int | None = None
    priority: int | None = None
    reason: str = "node"


@dataclass(frozen=True, slots=True)
class End:
    """Close the session as resolved."""


Output = Say | Save | FaqLookup | Handoff | End


def step(
    flow: dict[str, Any],
    state: State,
    event: Event,
    *,
    keywords: tuple[str, ...] | list[str] = DEFAULT_KEYWORDS,
) -> tuple[State, list[Output]]:
    """One event through the flow: the new state and the outputs, in order."""
    if state.outcome in FINISHED:
        return state, []
    run = _Run(flow, state)
    if isinstance(event, FaqResult):
        if state.outcome == LOOKUP:
            run.faq_result(event.answer)
        return run.finish()
    text = event.text if isinstance(event, Start | Text) else ""
    if text:
        run.last_input = text
    if text and keyword_said(text, keywords):
        run.handoff(None, None, reason="keyword")
    elif state.outcome == NEW:
        if isinstance(event, Press):
            run.last_input = ""
        run.goto(flow.get("start") if isinstance(flow, dict) else None)
    elif isinstance(event, Text | Press):
        run.answer(event)
    return run.finish()


def keyword_said(text: str, keywords: tuple[str, ...] | list[str]) -> bool:
    said = text.strip().strip(".!?").strip().casefold()
    return bool(said) and any(
        said == k.strip().casefold() for k in keywords if isinstance(k, str) and k.strip()
    )


class _Run:
    """One step in progress: the state being changed and the outputs gathered."""

    def __init__(self, flow: dict[str, Any], state: State) -> None:
        nodes = flow.get("nodes") if isinstance(flow, dict) else None
        self.nodes: dict[str, Any] = nodes if isinstance(nodes, dict) else {}
        self.node, self.attempts, self.outcome = state.node, state.attempts, state.outcome
        self.collected = dict(state.collected)
        self.contact = dict(state.contact)
        self.contact["attributes"] = _dict(state.contact.get("attributes"))
        self.session = state.session
        self.last_input = state.last_input
        self.outputs: list[Output] = []
        self.steps = 0

    def finish(self) -> tuple[State, list[Output]]:
        state = State(
            node=self.node,
            attempts=self.attempts,
            outcome=self.outcome,
            collected=self.collected,
            contact=self.contact,
            session=dict(self.session),
            last_input=self.last_input,
        )
        return state, self.outputs

    # --- moving through nodes

    def goto(self, node_id: Any) -> None:
        """Runs nodes from ``node_id`` until one waits or finishes the session."""
        while True:
            self.steps += 1
            node = self.nodes.get(node_id) if isinstance(node_id, str) else None
            if self.steps > MAX_STEPS or not isinstance(node, dict):
                self.handoff(None, None, reason="guard")
                return
            self.node, self.attempts = node_id, 0
            node_id = self.enter(node_id, node)
            if node_id is None:
                return

    def enter(self, node_id: str, node: dict[str, Any]) -> str | None:
        """Does what ``node`` does on arrival; the node to go on to, or None to stop."""
        kind = node.get("type")
        if kind == "message":
            self.say(node.get("text"))
            return _next(node, "next")
        if kind in ("buttons", "input"):
            self.ask(node_id, node)
            return None
        if kind == "faq":
            if _text(node.get("text")):
                self.ask(node_id, node)
                return None
            return self.lookup(node_id, node, self.last_input)
        if kind == "condition":
            return self.decide(node)
        if kind == "set":
            return self.set(node)
        if kind == "handoff":
            self.say(node.get("text"))
            self.handoff(_int(node.get("group")), _int(node.get("priority")), reason="node")
            return None
        if kind == "end":
            self.say(node.get("text"))
            self.outputs.append(End())
            self.outcome = END
            return None
        return ""  # an unknown type: the guard hands off

    def ask(self, node_id: str, node: dict[str, Any], text: Any = None) -> None:
        buttons = _buttons(node) if node.get("type") == "buttons" else ()
        self.say(text if text is not None else node.get("text"), buttons, node_id)
        self.outcome = WAITING

    def say(self, text: Any, buttons: tuple[dict[str, str], ...] = (), node: Any = None) -> None:
        if _text(text) or buttons:
            self.outputs.append(
                Say(
                    text=text if isinstance(text, str) else "",
                    buttons=buttons,
                    node=node if buttons else None,
                )
            )

    def handoff(self, group: int | None, priority: int | None, *, reason: str) -> None:
        self.outputs.append(Handoff(group=group, priority=priority, reason=reason))
        self.outcome = HANDOFF

    # --- what the contact did at a waiting node

    def answer(self, event: Text | Press) -> None:
        node = self.nodes.get(self.node) if isinstance(self.node, str) else None
        if not isinstance(node, dict):
            self.handoff(None, None, reason="guard")
            return
        assert isinstance(self.node, str)
        if isinstance(event, Press):
            self.press(event, node)
            return
        kind = node.get("type")
        if kind == "buttons":
            chosen = _typed_button(node, event.text)
            if chosen is not None:
                self.goto(chosen.get("next"))
            else:
                self.retry(self.node, node, _("Please choose one of the options."))
        elif kind == "input":
            self.input(self.node, node, event.text)
        elif kind == "faq" and self.outcome == WAITING:
            target = self.lookup(self.node, node, event.text)
            if target is not None:
                self.goto(target)

    def press(self, event: Press, current: dict[str, Any]) -> None:
        """A press of the current node's buttons, or of an earlier menu of this flow
        (its button still leads where it says); any other press asks again."""
        node_id = self.node if event.node is None else str(event.node)
        node = self.nodes.get(node_id) if node_id else None
        if isinstance(node, dict) and node.get("type") == "buttons":
            for button in node.get("buttons") or []:
                if isinstance(button, dict) and str(button.get("id")) == str(event.button):
                    self.last_input = _text(button.get("title"))
                    self.goto(button.get("next"))
                    return
        assert isinstance(self.node, str)
        self.ask(self.node, current)

    def input(self, node_id: str, node: dict[str, Any], text: str) -> None:
        check = node.get("validate") or "text"
        ok, value = values.value_check(check if isinstance(check, str) else "text", text)
        if not ok:
            self.retry(node_id, node, _("That does not look right; please try again."))
            return
        field_name = node.get("field")
        if isinstance(field_name, str) and field_name:
            self.save(field_name, value, check.split(":", 1)[0] if isinstance(check, str) else "")
        self.goto(node.get("next"))

    def retry(self, node_id: str, node: dict[str, Any], default_error: str) -> None:
        """Asks again with the node's ``error_text``; after ``max_attempts`` failures
        (inputs: 3 by default; buttons: no limit unless set) follows ``fail_next``."""
        self.attempts += 1
        limit = _int(node.get("max_attempts"))
        if limit is None and node.get("type") == "input":
            limit = DEFAULT_INPUT_ATTEMPTS
        if limit is not None and self.attempts >= limit:
            if node.get("fail_next"):
                self.goto(node.get("fail_next"))
            else:
                self.handoff(None, None, reason="failed")
            return
        attempts = self.attempts
        self.ask(node_id, node, _text(node.get("error_text")) or default_error)
        self.attempts = attempts

    # --- nodes that do not wait

    def lookup(self, node_id: str, node: dict[str, Any], question: str) -> str | None:
        if not question.strip():
            return _next(node, "no_match_next")
        self.node = node_id
        self.outputs.append(FaqLookup(question=question, node=node_id))
        self.outcome = LOOKUP
        return None

    def faq_result(self, answer: str | None) -> None:
        node = self.nodes.get(self.node) if isinstance(self.node, str) else None
        if not isinstance(node, dict):
            self.handoff(None, None, reason="guard")
            return
        if answer and answer.strip():
            self.say(answer)
            self.goto(node.get("next"))
        else:
            self.goto(node.get("no_match_next"))

    def decide(self, node: dict[str, Any]) -> str:
        facts = self.facts()
        for rule in node.get("rules") or []:
            if isinstance(rule, dict) and _holds(rule, facts):
                return _next(rule, "next")
        return _next(node, "else")

    def set(self, node: dict[str, Any]) -> str:
        value = node.get("value")
        if isinstance(value, str):
            value = conditions.render(value, self.facts())
        field_name = node.get("field")
        if isinstance(field_name, str) and field_name:
            self.save(field_name, value, "")
        return _next(node, "next")

    def save(self, field_name: str, value: Any, check: str) -> None:
        self.outputs.append(Save(field=field_name, value=value, check=check))
        self.collected[field_name] = value
        if field_name.startswith("attributes."):
            self.contact["attributes"] = {**self.contact["attributes"], field_name[11:]: value}
        else:
            self.contact[field_name] = value

    def facts(self) -> dict[str, Any]:
        return {
            "contact": self.contact,
            "session": dict(self.session),
            "message": {"text": self.last_input},
        }


def _holds(rule: dict[str, Any], facts: dict[str, Any]) -> bool:
    op, path = rule.get("op"), rule.get("field")
    if op not in conditions.OPERATORS or not isinstance(path, str):
        return False
    value = rule.get("value")
    text = value if isinstance(value, str) else conditions.as_text(value)
    return conditions.check(field=path, operator=op, value=text, data=facts).held


def _typed_button(node: dict[str, Any], text: str) -> dict[str, Any] | None:
    """The button whose title or number (1 = the first) the contact typed."""
    buttons = [b for b in node.get("buttons") or [] if isinstance(b, dict)]
    typed = text.strip().rstrip(".").strip()
    if typed.isascii() and typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return buttons[int(typed) - 1]
    wanted = typed.casefold()
    for button in buttons:
        if wanted and _text(button.get("title")).strip().casefold() == wanted:
            return button
    return None


def _buttons(node: dict[str, Any]) -> tuple[dict[str, str], ...]:
    return tuple(
        {"id": str(b.get("id")), "title": _text(b.get("title"))}
        for b in node.get("buttons") or []
        if isinstance(b, dict)
    )


def _next(node: dict[str, Any], key: str) -> str:
    target = node.get(key)
    return target if isinstance(target, str) else ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
