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


# --- hostile bodies: one parser (contactcenter.api_parsers) for every endpoint -----------

DEEP = "[" * 10_000 + "]" * 10_000


def _post_raw(client, url, raw):
    return client.post(url, raw, content_type="application/json")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        pytest.param('{"name": "A", "attributes": {"x": ' + DEEP + "}}", "detail", id="deep"),
        pytest.param(
            '{"name": "A", "attributes": {"x": ' + "[" * 40 + "]" * 40 + "}}",
            "attributes",
            id="40 deep",
        ),
        pytest.param(DEEP, "detail", id="deep body"),
        pytest.param('{"name": "A", "attributes": {"n": NaN}}', "attributes", id="NaN"),
        pytest.param('{"name": "A", "attributes": {"n": Infinity}}', "attributes", id="Infinity"),
        pytest.param('{"name": "A", "attributes": {"n": 1e999}}', "attributes", id="1e999"),
        pytest.param('{"name": "A", "attributes": {"n": ' + "7" * 5000 + "}}", "attributes"),
        pytest.param('{"name": "a\\u0000b"}', "name", id="NUL in a text"),
        pytest.param('{"name": "\\ud800"}', "name", id="lone surrogate"),
        pytest.param('{"name": "A", "attributes": {"\\udfff": 1}}', "attributes", id="in a key"),
        pytest.param('{"name": "A", "phone": "\\u0000"}', "phone", id="NUL in phone"),
        pytest.param(b'{"name": "\xff\xfe"}', "detail", id="invalid UTF-8"),
        pytest.param('{"name": "A",}', "detail", id="trailing comma"),
    ],
)
def test_a_hostile_body_is_a_400_naming_the_field_and_stores_nothing(admin_api, raw, field):
    response = _post_raw(admin_api, "/api/v1/contacts/", raw)

    assert response.status_code == 400
    assert field in response.json()
    from crm.models import Contact

    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 123}, "name"),
        ({"name": True}, "name"),
        ({"name": ["Ada"]}, "name"),
        ({"name": {"first": "Ada"}}, "name"),
        ({"name": "Ada", "email": 5}, "email"),
        ({"name": "Ada", "phone": 79001234567}, "phone"),
        ({"name": "Ada", "attributes": ["x"]}, "attributes"),
        ({"name": "Ada", "identities": [{"channel_type": "api", "external_id": 42}]}, "identities"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_not_converted(admin_api, body, field):
    response = admin_api.post("/api/v1/contacts/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    from crm.models import Contact

    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Sales", "default_max_sessions": "5"}, "default_max_sessions"),
        ({"name": "Sales", "default_max_sessions": True}, "default_max_sessions"),
        ({"name": "Sales", "default_max_sessions": 2.5}, "default_max_sessions"),
        ({"name": "Sales", "members": ["1"]}, "members"),
        ({"name": "Sales", "holidays": [20261231]}, "holidays"),
        ({"name": 7}, "name"),
    ],
)
def test_wrong_types_are_400_on_other_endpoints_too(admin_api, body, field):
    response = admin_api.post("/api/v1/groups/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_form_body_keeps_its_text_values(admin_api):
    response = admin_api.post(
        "/api/v1/contacts/", "name=Ada&phone=123", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 201
    assert (response.json()["name"], response.json()["phone"]) == ("Ada", "123")


def test_an_ordinary_body_is_stored_as_sent(admin_api):
    response = admin_api.post(
        "/api/v1/contacts/",
        {"name": "Ада 😀", "attributes": {"n": 9223372036854775807, "f": -1.5e300, "ok": True}},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["name"] == "Ада 😀"
    assert response.json()["attributes"]["n"] == 9223372036854775807


def test_type_and_input_errors_speak_the_callers_language(admin_api):
    wrong_type = admin_api.post(
        "/api/v1/contacts/", {"name": 123}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    bad_text = admin_api.post(
        "/api/v1/contacts/",
        '{"name": "a\\u0000"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert wrong_type.json() == {
        "name": ["Ожидается значение типа «строка», а получено «целое число»."]  # noqa: RUF001
    }
    assert bad_text.json() == {
        "name": ["Текст не может содержать символы NUL и одиночные суррогаты."]
    }
