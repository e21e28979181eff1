"""Errors every endpoint shares: bad bodies, oversized bodies, bad pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_body_that_is_not_json_is_a_400(admin_api):
    response = admin_api.post("/api/v1/contacts/", "name=Ivan", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_json_array_instead_of_an_object_is_a_400(admin_api):
    response = admin_api.post("/api/v1/groups/", ["Sales"])
    assert response.status_code == 400


def test_an_oversized_body_is_a_413(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin_api.post("/api/v1/contacts/", {"name": "x" * 5000})
    assert response.status_code == 413


def test_errors_are_json(admin_api):
    response = admin_api.get("/api/v1/contacts/999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_a_form_with_too_many_fields_is_a_json_400(admin_api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=x" for i in range(10))

    response = admin_api.post(
        "/api/v1/groups/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "non_field_errors" in response.json()
