"""Trigger conditions and text templates over the facts of an event.

The facts are plain JSON-like data (``bots.selectors.facts_data``): ``session``,
``contact``, ``lead``, ``message`` and ``event``, each a dict. A condition names a dotted
path into them (``contact.attributes.plan``), an operator and a value typed by an admin.
Comparisons are forgiving on purpose: text is compared case-insensitively, numbers as
numbers, and a path that leads nowhere is simply "not set".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

ROOTS = ("session", "contact", "lead", "message", "event")
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<not set>"})()

_PATH = re.compile(r"^[a-z_]+(\.[\w-]+)*$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[\w-]+)*)\}")


# --- paths ------------------------------------------------------------------------------


def path_errors(path: str) -> list[str]:
    if not _PATH.match(path or ""):
        return [_("Write a dotted path like contact.attributes.plan or session.group.name.")]
    if path.split(".", 1)[0] not in ROOTS:
        return [_("A path starts with one of: %s.") % ", ".join(ROOTS)]
    return []


def resolve(data: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in ``data``, or ``MISSING``. Lists take numeric steps."""
    value: Any = data
    for step in path.split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif (
            isinstance(value, list) and step.isascii() and step.isdigit() and int(step) < len(value)
        ):
            value = value[int(step)]
        else:
            return MISSING
    return value


# --- values -----------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """How a value reads in a comparison or a template: ``true``, ``5``, ``2.5``, ``gold``."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value is MISSING:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def parse_list(value: str) -> list[str]:
    """``[Sales, Support]``, ``["Sales", "Support"]`` or ``Sales, Support``."""
    text = (value or "").strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            text = text[1:-1] if text.endswith("]") else text[1:]
        else:
            if isinstance(parsed, list):
                return [as_text(item) for item in parsed]
    return [item.strip().strip("\"'").strip() for item in text.split(",") if item.strip()]


def is_set(value: Any) -> bool:
    return value is not MISSING and value is not None and value not in ("", [], {})


def _same(actual: Any, expected: str) -> bool:
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        number = as_number(expected)
        if number is not None:
            return float(actual) == number
    return as_text(actual).casefold() == expected.strip().casefold()


# --- operators --------------------------------------------------------------------------


def _equals(actual: Any, value: str) -> bool:
    return _same(actual, value)


def _not_equals(actual: Any, value: str) -> bool:
    return not _same(actual, value)


def _contains(actual: Any, value: str) -> bool:
    if isinstance(actual, list):
        return any(_same(item, value) for item in actual)
    if isinstance(actual, dict):
        return value.strip() in actual
    if actual is MISSING or actual is None:
        return False
    return value.strip().casefold() in as_text(actual).casefold()


def _in(actual: Any, value: str) -> bool:
    options = parse_list(value)
    items = actual if isinstance(actual, list) else [actual]
    return any(is_set(item) and _same(item, option) for item in items for option in options)


def _compare(actual: Any, value: str, sign: int) -> bool:
    left, right = as_number(actual), as_number(value)
    if left is None or right is None:
        return False
    return (left - right) * sign > 0


OPERATORS = {
    "equals": _equals,
    "not_equals": _not_equals,
    "contains": _contains,
    "in": _in,
    "gt": lambda actual, value: _compare(actual, value, 1),
    "lt": lambda actual, value: _compare(actual, value, -1),
    "is_set": lambda actual, value: is_set(actual),
    "is_not_set": lambda actual, value: not is_set(actual),
}


def condition_errors(*, field: str, operator: str, value: str) -> dict[str, list[str]]:
    """What an admin must correct in a condition, by form field; empty when it is fine."""
    errors: dict[str, list[str]] = {}
    if field and path_errors(field):
        errors["field"] = path_errors(field)
    if operator and operator not in OPERATORS:
        errors["operator"] = [_("Choose one of the offered operators.")]
    if operator in ("gt", "lt") and as_number(value) is None:
        errors["value"] = [_("Greater and less than compare numbers: write a number, e.g. 3.")]
    if operator == "in" and not parse_list(value):
        errors["value"] = [_("Write the options as a list, e.g. [Sales, Support].")]
    return errors


@dataclass(frozen=True, slots=True)
class Checked:
    """One condition checked against the facts: whether it held and what it saw."""

    field: str
    operator: str
    value: str
    actual: Any
    held: bool

    def __str__(self) -> str:
        seen = "not set" if self.actual is MISSING else as_text(self.actual) or '""'
        verdict = "holds" if self.held else "does not hold"
        return f"{self.field} {self.operator} {self.value!r}: {verdict} (it is {seen})"


def check(*, field: str, operator: str, value: str, data: dict[str, Any]) -> Checked:
    actual = resolve(data, field)
    held = OPERATORS[operator](actual, value or "")
    return Checked(field=field, operator=operator, value=value, actual=actual, held=held)


# --- templates --------------------------------------------------------------------------


def template_errors(template: Any) -> list[str]:
    if not isinstance(template, str):
        return [_("Write text; {contact.name}-style placeholders are filled in.")]
    return [error for path in _PLACEHOLDER.findall(template) for error in path_errors(path)]


def render(template: str, data: dict[str, Any]) -> Any:
    """Fills ``{path}`` placeholders from the facts. A template that is one placeholder
    alone keeps the value's own type (a number stays a number); a missing value is empty."""
    whole = _PLACEHOLDER.fullmatch(template.strip())
    if whole:
        value = resolve(data, whole.group(1))
        return None if value is MISSING else value
    return _PLACEHOLDER.sub(lambda m: as_text(resolve(data, m.group(1))), template)
