"""Every API operation, driven by schemathesis from the OpenAPI schema: no input it
generates may cause a server error, and every documented response must match the
schema (error answers keep DRF's shape, documented in docs/api.md)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from contactcenter.wsgi import application
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """Requests here bypass Django's test client, so its guard is needed: without it the
    end of each request closes the test's database connection (on PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db):  # type: ignore[no-untyped-def]
    admin = factories.AdminUserFactory(username="fuzz-admin")
    group = factories.GroupFactory(name="Fuzz group")
    operator = factories.OperatorFactory(user=admin)
    factories.MembershipFactory(group=group, operator=operator)
    factories.SessionFactory(group=group)
    return Token.objects.create(user=admin).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_fails_or_breaks_its_schema(case, admin_token):  # type: ignore[no-untyped-def]
    case.call_and_validate(
        headers={"Authorization": f"Token {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
