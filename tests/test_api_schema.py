"""The OpenAPI schema documents every endpoint and generates without warnings."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_endpoint_answers_with_every_endpoint(admin_api):
    response = admin_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/groups/",
        "/api/v1/groups/{id}/",
        "/api/v1/operators/",
        "/api/v1/operators/{id}/",
        "/api/v1/operators/me/",
        "/api/v1/channels/",
        "/api/v1/channels/{id}/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/contacts/{id}/merge/",
    ):
        assert path in paths, path
    assert "put" not in paths["/api/v1/groups/{id}/"]
    assert "delete" not in paths["/api/v1/contacts/{id}/"]


def test_secrets_are_not_described_as_readable(admin_api):
    schema = admin_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operator = schema.json()["components"]["schemas"]["OperatorOutput"]
    assert "password" not in operator["properties"]


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text().startswith("openapi:")


def test_the_docs_page_answers(admin_api):
    assert admin_api.get("/api/v1/docs/").status_code == 200
