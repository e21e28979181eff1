"""bots.conditions: each operator, nested paths, lists, templates."""

from __future__ import annotations

import pytest

from bots import conditions

DATA = {
    "contact": {"name": "Ann", "attributes": {"plan": "Gold", "seats": 12, "tags": ["vip"]}},
    "session": {"group": {"name": "Sales"}, "rating": 4, "operator": None, "topic": ""},
    "message": {"text": "I want a REFUND now"},
    "lead": None,
}


def holds(field: str, operator: str, value: str = "") -> bool:
    return conditions.check(field=field, operator=operator, value=value, data=DATA).held


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("contact.attributes.plan", "equals", "gold", True),  # case-insensitive
        ("contact.attributes.plan", "equals", "silver", False),
        ("contact.attributes.seats", "equals", "12.0", True),  # numbers as numbers
        ("contact.attributes.plan", "not_equals", "silver", True),
        ("message.text", "contains", "refund", True),
        ("message.text", "contains", "invoice", False),
        ("contact.attributes.tags", "contains", "VIP", True),  # a list holds the item
        ("contact.attributes", "contains", "plan", True),  # an object has the key
        ("session.group.name", "in", "[Sales, Support]", True),
        ("session.group.name", "in", '["Support"]', False),
        ("session.group.name", "in", "sales,billing", True),
        ("contact.attributes.tags", "in", "[vip, gold]", True),  # any in common
        ("session.rating", "gt", "3", True),
        ("session.rating", "gt", "4", False),
        ("contact.attributes.seats", "lt", "20", True),
        ("contact.attributes.plan", "gt", "1", False),  # text is not a number
        ("contact.name", "is_set", "", True),
        ("session.operator", "is_set", "", False),  # null
        ("session.topic", "is_set", "", False),  # empty text
        ("lead.id", "is_set", "", False),  # through a null
        ("contact.attributes.nope.deeper", "is_not_set", "", True),
        ("contact.attributes.tags.0", "equals", "vip", True),  # a list step
    ],
)
def test_each_operator(field: str, operator: str, value: str, expected: bool) -> None:
    assert holds(field, operator, value) is expected


def test_a_missing_path_equals_nothing_and_is_shown_as_not_set() -> None:
    checked = conditions.check(
        field="contact.attributes.city", operator="equals", value="Riga", data=DATA
    )
    assert checked.held is False
    assert "not set" in str(checked)


@pytest.mark.parametrize(
    ("field", "operator", "value", "bad"),
    [
        ("customer.plan", "equals", "x", "field"),
        ("contact..plan", "equals", "x", "field"),
        ("session.rating", "gt", "high", "value"),
        ("session.group.name", "in", "", "value"),
        ("session.group.name", "like", "x", "operator"),
    ],
)
def test_bad_conditions_are_explained_by_field(field: str, operator: str, value: str, bad: str):
    errors = conditions.condition_errors(field=field, operator=operator, value=value)
    assert bad in errors and errors[bad][0]


def test_templates_fill_placeholders_and_keep_a_lone_value_typed() -> None:
    assert conditions.render("Hi {contact.name} from {session.group.name}", DATA) == (
        "Hi Ann from Sales"
    )
    assert conditions.render("{session.rating}", DATA) == 4
    assert conditions.render("{lead.title}", DATA) is None
    assert conditions.render("[{lead.title}]", DATA) == "[]"
    assert conditions.template_errors("{customer.name}")


def test_a_step_that_only_looks_like_a_number_finds_nothing():
    assert conditions.resolve({"tags": ["a", "b"]}, "tags.²") is conditions.MISSING
    assert conditions.resolve({"tags": ["a", "b"]}, "tags.1") == "b"
