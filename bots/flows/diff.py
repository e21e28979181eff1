"""What changed between two flows, for the admin's "compare versions": the start,
the nodes added and removed, and for each node in both the fields that differ (a
button or a rule counts as a field of its own, by id or by place). Pure: no Django."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return shown(self.before)

    @property
    def after_text(self) -> str:
        return shown(self.after)


@dataclass(frozen=True, slots=True)
class NodeChange:
    node: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class FlowDiff:
    start: tuple[Any, Any] | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[NodeChange, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.start or self.added or self.removed or self.changed)


MISSING: Any = type("Missing", (), {"__repr__": lambda self: "—"})()


def shown(value: Any) -> str:
    """A field's value as the admin reads it: text as it is, the rest as JSON."""
    if value is MISSING:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _nodes(flow: Any) -> dict[str, Any]:
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    return nodes if isinstance(nodes, dict) else {}


def _parts(node: Any) -> dict[str, Any]:
    """A node's fields, with each button (``buttons[b1]``) and rule (``rules[1]``) apart."""
    if not isinstance(node, dict):
        return {"": node}
    parts: dict[str, Any] = {}
    for key, value in node.items():
        if key == "buttons" and isinstance(value, list):
            for i, button in enumerate(value):
                name = button.get("id") if isinstance(button, dict) else None
                parts[f"buttons[{name if isinstance(name, str) else i}]"] = button
        elif key == "rules" and isinstance(value, list):
            for i, rule in enumerate(value, start=1):
                parts[f"rules[{i}]"] = rule
        else:
            parts[key] = value
    return parts


def node_changes(before: Any, after: Any) -> tuple[FieldChange, ...]:
    old, new = _parts(before), _parts(after)
    keys = list(old) + [k for k in new if k not in old]
    return tuple(
        FieldChange(k, old.get(k, MISSING), new.get(k, MISSING))
        for k in keys
        if old.get(k, MISSING) != new.get(k, MISSING)
    )


def flow_diff(before: Any, after: Any) -> FlowDiff:
    """From ``before`` to ``after``: nodes in the order of the flow they are in."""
    old, new = _nodes(before), _nodes(after)
    start_old = before.get("start") if isinstance(before, dict) else None
    start_new = after.get("start") if isinstance(after, dict) else None
    changed = []
    for node_id, node in new.items():
        if node_id in old:
            fields = node_changes(old[node_id], node)
            if fields:
                changed.append(NodeChange(node_id, fields))
    return FlowDiff(
        start=(start_old, start_new) if start_old != start_new else None,
        added=tuple(n for n in new if n not in old),
        removed=tuple(n for n in old if n not in new),
        changed=tuple(changed),
    )
