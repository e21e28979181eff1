"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return factories.AdminUserFactory(username="admin")


@pytest.fixture
def admin_api(admin_user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def api_as(user) -> APIClient:  # type: ignore[no-untyped-def]
    """An API client authenticated as ``user``."""
    client = APIClient()
    client.force_authenticate(user)
    return client
