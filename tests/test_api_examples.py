"""Every operation of the REST API is documented with examples, and the examples are
true to the schema: a successful response (with a body) and a JSON request body each
carry at least one example, and every example validates against the JSON schema of
its request or response."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

PREFIX = "/api/v1/"
UNDOCUMENTED = ("/api/v1/schema/", "/api/v1/docs/")
METHODS = ("get", "post", "put", "patch", "delete")
JSON = "application/json"
ROOT = "urn:contactcenter:openapi"


def _openapi() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _openapi()


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: ``nullable`` becomes a ``null``
    alternative, ``$ref`` points into the whole document (registered as ``ROOT``), and an
    object with declared properties accepts no others, so that an example with a
    misspelt or stale field fails."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items()}
    if isinstance(converted.get("$ref"), str) and converted["$ref"].startswith("#"):
        converted["$ref"] = ROOT + converted["$ref"]
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if converted.pop("nullable", False):
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


REGISTRY = Registry().with_resource(
    ROOT, Resource.from_contents(_as_json_schema(SCHEMA), default_specification=DRAFT202012)
)


FORMATS = FormatChecker(["date", "email", "uuid"])


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # what the API writes: ISO 8601 with an offset ("Z" or "+00:00")
    return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("time")
def _is_time(value: object) -> bool:
    # the API's times of day are "HH:MM" (working hours), not RFC 3339 full-time
    return not isinstance(value, str) or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value) is not None


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(_as_json_schema(schema), registry=REGISTRY, format_checker=FORMATS)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in SCHEMA["paths"].items()
        if path.startswith(PREFIX) and not path.startswith(UNDOCUMENTED)
        for method, operation in item.items()
        if method in METHODS
    ]


OPERATIONS = _operations()
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


def _successes(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        code: response
        for code, response in operation["responses"].items()
        if code.startswith("2") and response.get("content")
    }


def test_every_api_operation_is_covered() -> None:
    paths = {path for path, _, _ in OPERATIONS}
    assert len(OPERATIONS) > 40
    assert {"/api/v1/auth/token/", "/api/v1/sessions/{id}/transfer/", "/api/v1/board/"} <= paths


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_the_successful_response_has_examples(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    successes = _successes(operation)
    if not successes:
        # nothing to show: e.g. 204 No Content on delete
        assert all(code == "204" for code in operation["responses"] if code.startswith("2"))
        return
    for code, response in successes.items():
        assert response["content"].get(JSON, {}).get("examples"), f"no example for {code}"


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_the_request_body_has_examples(path: str, method: str, operation: dict[str, Any]) -> None:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return
    # JSON when the operation takes it, else its only kind of body (e.g. a file upload)
    media_type = JSON if JSON in content else next(iter(content))
    assert content[media_type].get("examples"), f"no {media_type} request example"


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_the_response_examples_match_their_schema(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    checked = 0
    for code, response in operation["responses"].items():
        for media_type, body in response.get("content", {}).items():
            if "schema" not in body:
                continue
            validator = _validator(body["schema"])
            for name, example in body.get("examples", {}).items():
                errors = [
                    f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                    for e in validator.iter_errors(example["value"])
                ]
                assert not errors, f"{code} {media_type} example {name!r}: {errors}"
                checked += 1
    assert checked or not _successes(operation)


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_the_json_request_examples_match_their_schema(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    body = operation.get("requestBody", {}).get("content", {}).get(JSON)
    if body is None:
        return
    validator = _validator(body["schema"])
    for name, example in body.get("examples", {}).items():
        errors = [e.message for e in validator.iter_errors(example["value"])]
        assert not errors, f"request example {name!r}: {errors}"


def test_a_broken_example_is_caught() -> None:
    """The check above is not vacuous: a stale field, a wrong type, a missing required
    field and a malformed time each fail against a real component."""
    validator = _validator({"$ref": "#/components/schemas/OperatorOutput"})
    good = SCHEMA["paths"]["/api/v1/operators/me/"]["get"]["responses"]["200"]["content"][JSON]
    value = next(iter(good["examples"].values()))["value"]
    assert not list(validator.iter_errors(value))
    assert list(validator.iter_errors({**value, "nickname": "Annie"}))
    assert list(validator.iter_errors({**value, "max_sessions": "four"}))
    assert list(validator.iter_errors({k: v for k, v in value.items() if k != "status"}))
    assert list(validator.iter_errors({**value, "created_at": "yesterday"}))
    assert not list(validator.iter_errors({**value, "max_sessions": None}))
