"""A flow's problems, each naming its nodes: what the engine needs of a flow before it
is published. ``flow_problems(flow, group_exists=...)``: no database here; whether a
handoff's group exists is asked through the function passed in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from bots import conditions
from bots.flows import values

NODE_TYPES = ("message", "buttons", "input", "condition", "set", "faq", "handoff", "end")
MAX_NODES = 500
MAX_BUTTONS = 10
MAX_TEXT = 4096
MAX_TITLE = 100
MAX_ATTEMPTS = 20

MAX_PRIORITY = 1_000_000
MAX_ID = 2**63 - 1

_NODE_ID = re.compile(r"[\w.-]{1,100}")
_FIELD = re.compile(r"name|email|phone|attributes\.[\w-]{1,100}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing to correct: ``code`` says what (``unknown_next``, ``missing_next``,
    ``unreachable``, ``loop``, ``unknown_group``, ``bad_node``, ``bad_flow``), ``nodes``
    which nodes, ``message`` in words for the admin."""

    code: str
    nodes: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{', '.join(self.nodes)}: {self.message}" if self.nodes else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "nodes": list(self.nodes), "message": self.message}


def flow_problems(flow: Any, *, group_exists: Callable[[int], bool] | None = None) -> list[Problem]:
    """Every problem of ``flow``; an empty list when it can be published."""
    if not isinstance(flow, dict):
        return [Problem("bad_flow", (), _('A flow is an object: {"start": ..., "nodes": {...}}.'))]
    nodes = flow.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        return [Problem("bad_flow", (), _("A flow needs at least one node in “nodes”."))]
    if len(nodes) > MAX_NODES:
        return [Problem("bad_flow", (), _("A flow has at most %d nodes.") % MAX_NODES)]
    problems: list[Problem] = []
    start = flow.get("start")
    if not isinstance(start, str) or start not in nodes:
        problems.append(Problem("bad_flow", (), _("“start” must name one of the nodes.")))
    for node_id, node in nodes.items():
        problems += _node_problems(node_id, node, nodes, group_exists)
    if not any(p.code == "bad_node" for p in problems):
        if isinstance(start, str) and start in nodes:
            problems += _unreachable(start, nodes)
        problems += _loops(nodes)
    return problems


# --- one node -------------------------------------------------------------------------------


def _node_problems(
    node_id: str, node: Any, nodes: dict[str, Any], group_exists: Callable[[int], bool] | None
) -> list[Problem]:
    def bad(message: str) -> list[Problem]:
        return [Problem("bad_node", (node_id,), message)]

    if not _NODE_ID.fullmatch(node_id):
        return bad(_("A node's id is 1 to 100 letters, digits, “_”, “-” or “.”."))
    if not isinstance(node, dict):
        return bad(_("A node is an object with a “type”."))
    kind = node.get("type")
    if kind not in NODE_TYPES:
        return bad(_("Unknown type; use one of: %s.") % ", ".join(NODE_TYPES))
    message = _fields_problem(kind, node)
    if message:
        return bad(message)
    problems = [
        _next_problem(node_id, key, target, nodes)
        for key, target, required in _edges(node)
        if required or target is not None
    ]
    if kind == "handoff" and group_exists is not None:
        group = node.get("group")
        if group is not None and not group_exists(group):
            problems.append(
                Problem(
                    "unknown_group",
                    (node_id,),
                    _("Hands off to group %s, which does not exist.") % group,
                )
            )
    return [p for p in problems if p is not None]


def _next_problem(node_id: str, key: str, target: Any, nodes: dict[str, Any]) -> Problem | None:
    if target is None or target == "":
        return Problem(
            "missing_next", (node_id,), _("“%s” is missing: say where to go next.") % key
        )
    if not isinstance(target, str) or target not in nodes:
        return Problem(
            "unknown_next",
            (node_id,),
            _("“%(key)s” leads to “%(target)s”, which is not a node.")
            % {"key": key, "target": target},
        )
    return None


def _edges(node: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """``(where, target, required)`` for each way out of ``node``."""
    kind = node.get("type")
    if kind in ("message", "set"):
        return [("next", node.get("next"), True)]
    if kind == "buttons":
        return [(f"buttons[{b.get('id')}].next", b.get("next"), True) for b in node["buttons"]] + [
            ("fail_next", node.get("fail_next"), False)
        ]
    if kind == "input":
        return [("next", node.get("next"), True), ("fail_next", node.get("fail_next"), False)]
    if kind == "condition":
        return [(f"rules[{i}].next", r.get("next"), True) for i, r in enumerate(node["rules"])] + [
            ("else", node.get("else"), True)
        ]
    if kind == "faq":
        return [
            ("next", node.get("next"), True),
            ("no_match_next", node.get("no_match_next"), True),
        ]
    return []


def _fields_problem(kind: str, node: dict[str, Any]) -> str | None:
    """What is wrong with the node's own fields (its ways out aside), or None."""
    text = node.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        return _("“text” is text of up to %d characters.") % MAX_TEXT
    if kind in ("message", "buttons", "input") and not (isinstance(text, str) and text.strip()):
        return _("Write the “text” the bot sends.")
    if kind == "buttons":
        return _buttons_problem(node)
    if kind == "input":
        return _input_problem(node)
    if kind == "condition":
        return _rules_problem(node.get("rules"))
    if kind == "set":
        return _field_problem(node.get("field"))
    if kind == "handoff":
        return _handoff_problem(node)
    return None


def _buttons_problem(node: dict[str, Any]) -> str | None:
    buttons = node.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        return _("“buttons” is a list of 1 to %d buttons.") % MAX_BUTTONS
    ids: set[str] = set()
    for button in buttons:
        if not isinstance(button, dict):
            return _('Each button is {"id", "title", "next"}.')
        button_id, title = button.get("id"), button.get("title")
        if not isinstance(button_id, str) or not _NODE_ID.fullmatch(button_id) or button_id in ids:
            return _("Each button has its own “id”: 1 to 100 letters, digits, “_”, “-” or “.”.")
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            return _("Each button has a “title” of 1 to %d characters.") % MAX_TITLE
        ids.add(button_id)
    return _attempts_problem(node)


def _input_problem(node: dict[str, Any]) -> str | None:
    problem = _field_problem(node.get("field"))
    if problem:
        return problem
    check = node.get("validate", "text")
    reason = values.check_errors(check)
    if reason:
        return _("“validate” is text, email, phone, number or regex:<pattern> (%s).") % reason
    error_text = node.get("error_text")
    if error_text is not None and not isinstance(error_text, str):
        return _("“error_text” is text.")
    return _attempts_problem(node)


def _attempts_problem(node: dict[str, Any]) -> str | None:
    limit = node.get("max_attempts")
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_ATTEMPTS
    ):
        return _("“max_attempts” is a whole number from 1 to %d.") % MAX_ATTEMPTS
    return None


def _field_problem(field: Any) -> str | None:
    if not isinstance(field, str) or not _FIELD.fullmatch(field):
        return _("“field” is name, email, phone or attributes.<key>.")
    return None


def _rules_problem(rules: Any) -> str | None:
    if not isinstance(rules, list):
        return _('“rules” is a list of {"field", "op", "value", "next"}.')
    for rule in rules:
        if not isinstance(rule, dict):
            return _('Each rule is {"field", "op", "value", "next"}.')
        field, op = rule.get("field"), rule.get("op")
        errors = conditions.condition_errors(
            field=field if isinstance(field, str) else "?",
            operator=op if isinstance(op, str) else "?",
            value="1",
        )
        if errors:
            return " ".join(str(m) for messages in errors.values() for m in messages)
        if rule.get("op") in ("gt", "lt") and conditions.as_number(rule.get("value")) is None:
            return _("Greater and less than compare numbers: the “value” is a number.")
    return None


def _handoff_problem(node: dict[str, Any]) -> str | None:
    group, priority = node.get("group"), node.get("priority")
    if group is not None and not (_whole(group) and 1 <= group <= MAX_ID):
        return _("“group” is a group's id, or null for the channel's default group.")
    if priority is not None and not (_whole(priority) and abs(priority) <= MAX_PRIORITY):
        return _("“priority” is a whole number from -1,000,000 to 1,000,000.")
    return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- the graph --------------------------------------------------------------------------------


def waits(node: dict[str, Any]) -> bool:
    """Whether the bot stops at ``node`` for the contact (or finishes there)."""
    kind = node.get("type")
    return kind in ("buttons", "input", "handoff", "end") or (
        kind == "faq" and bool(node.get("text"))
    )


def successors(node: dict[str, Any], nodes: dict[str, Any]) -> list[str]:
    return [
        target
        for _where, target, _required in _edges(node)
        if isinstance(target, str) and target in nodes
    ]


def _unreachable(start: str, nodes: dict[str, Any]) -> list[Problem]:
    seen, todo = {start}, [start]
    while todo:
        for target in successors(nodes[todo.pop()], nodes):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    lost = tuple(node_id for node_id in nodes if node_id not in seen)
    if not lost:
        return []
    return [Problem("unreachable", lost, _("Nothing leads to these nodes from the start."))]


def _loops(nodes: dict[str, Any]) -> list[Problem]:
    """Cycles made only of nodes that do not wait: the bot would talk forever."""
    moving = {node_id for node_id, node in nodes.items() if not waits(node)}
    graph = {n: [t for t in successors(nodes[n], nodes) if t in moving] for n in moving}
    problems = []
    for component in _strong_components(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            ordered = tuple(n for n in nodes if n in component)
            problems.append(
                Problem(
                    "loop",
                    ordered,
                    _(
                        "These nodes lead round to each other with nothing that waits for the "
                        "customer: add buttons or an input on the way."
                    ),
                )
            )
    return problems


def _strong_components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = graph[node]
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components
