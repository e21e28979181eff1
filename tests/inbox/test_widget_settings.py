"""The rules of a widget channel's settings (``inbox.services.channels``), which the
admin's channel page applies."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from inbox.services.channels import widget_color_clean, widget_settings_apply


def settings(**changes: Any) -> dict[str, Any]:
    return {
        "title": "",
        "color": "#2563eb",
        "greeting": "",
        "language": "auto",
        "position": "right",
        "prechat": {"enabled": False, "fields": []},
        **changes,
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("#2563EB", "#2563eb"), (" #abc ", "#aabbcc"), ("", ""), (None, "")],
)
def test_a_colour_is_stored_as_the_widget_reads_it(typed: Any, stored: str) -> None:
    assert widget_color_clean(color=typed) == stored


@pytest.mark.parametrize("bad", ["red", "#12345", "#1234567", "#xyzxyz", "rgb(1,2,3)", 12])
def test_anything_else_is_not_a_colour(bad: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        widget_color_clean(color=bad)
    assert "six hexadecimal digits" in refused.value.messages[0]


def test_the_settings_replace_theirs_and_keep_the_rest() -> None:
    # given a config with a key the admin does not show and an old greeting
    config = {"greeting": "Old", "custom": [1, 2]}
    # when new settings are applied, the greeting emptied
    result = widget_settings_apply(
        config=config,
        settings=settings(
            title=" Help ",
            color="#FFF",
            position="left",
            prechat={"enabled": True, "fields": [{"name": "phone", "required": 1}]},
        ),
    )
    # then they are stored trimmed and normalised, the empty one dropped, the rest kept
    assert result == {
        "custom": [1, 2],
        "title": "Help",
        "color": "#ffffff",
        "language": "auto",
        "position": "left",
        "prechat": {"enabled": True, "fields": [{"name": "phone", "required": True}]},
    }
    assert config == {"greeting": "Old", "custom": [1, 2]}, "the input is not changed"


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"color": "blue"}, "color"),
        ({"title": "x" * 101}, "title"),
        ({"greeting": "x" * 1001}, "greeting"),
        ({"language": "de"}, "language"),
        ({"position": "top"}, "position"),
        ({"prechat": {"enabled": True, "fields": []}}, "prechat"),
        ({"prechat": {"enabled": False, "fields": [{"name": "ssn"}]}}, "prechat"),
        ({"prechat": {"fields": [{"name": "email"}, {"name": "email"}]}}, "prechat"),
        ({"prechat": {"fields": "email"}}, "prechat"),
        ({"prechat": ["email"]}, "prechat"),
    ],
)
def test_bad_settings_are_refused_by_name(changes: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationError) as refused:
        widget_settings_apply(config={}, settings=settings(**changes))
    assert list(refused.value.message_dict) == [key]
