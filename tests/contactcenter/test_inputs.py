"""contactcenter.inputs: the one JSON reader and text check of every edge."""

from __future__ import annotations

import pytest

from contactcenter import inputs


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ("[" * 100_000, "too_deep", None),
        ('{"a": ' + "[" * 33 + "]" * 33 + "}", "too_deep", "a." + ".".join(["0"] * 31)),
        ('{"a": {"b": [1, NaN]}}', "bad_number", "a.b.1"),
        ("-Infinity", "bad_number", None),
        ("[NaN, " + "[" * 100_000 + "]" * 100_000 + "]", "bad_number", None),
        ('{"n": 1e309}', "bad_number", "n"),
        ('{"n": -9223372036854775808}', "bad_number", "n"),
        ('{"n": ' + "1" * 10_000 + "}", "bad_number", "n"),
        ('{"a": ["ok", "x\\u0000"]}', "bad_text", "a.1"),
        ('{"\\ud83d": 1}', "bad_text", None),
        ('"\\ude00"', "bad_text", None),
        (b"\xff", "bad_json", None),
        ("{'a': 1}", "bad_json", None),
        ("", "bad_json", None),
    ],
)
def test_a_refused_document_says_what_and_where(raw, code, field):
    with pytest.raises(inputs.InputRefused) as refused:
        inputs.json_parse(raw)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.detail


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('{"a": ' + "[" * 31 + "]" * 31 + "}", {"a": eval("[" * 31 + "]" * 31)}),
        ('{"n": 9223372036854775807, "f": 1.5e308}', {"n": 2**63 - 1, "f": 1.5e308}),
        ('"\\ud83d\\ude00 \\u00e9"', "😀 é"),
        ("[1, 2, 3]", [1, 2, 3]),
        ('{"brackets": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{"}', None),
    ],
)
def test_an_ordinary_document_is_read_as_json_would(raw, value):
    import json

    assert inputs.json_parse(raw) == (value if value is not None else json.loads(raw))
    assert inputs.json_parse(raw.encode()) == inputs.json_parse(raw)


def test_text_repair_keeps_what_it_can():
    assert inputs.text_repair("a\x00b\ud800c😀") == "ab\ufffdc😀"
    assert inputs.text_repair("fine") == "fine"
    assert inputs.text_problem("\udfff") and inputs.text_problem("\x00")
    assert not inputs.text_problem("Привет 😀")


def test_a_refusal_as_field_errors_names_the_top_field():
    refused = inputs.InputRefused("bad_text", ("attributes", "x"))

    assert refused.field_errors() == {
        "attributes": ["Text may not contain NUL characters or lone surrogates. (attributes.x)"]
    }
    assert list(inputs.InputRefused("bad_json").field_errors()) == ["non_field_errors"]
