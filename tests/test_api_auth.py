"""auth/token/: a username and password for a token; throttled against guessing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def test_good_credentials_give_a_token_that_authenticates(api_client):
    # given
    operator = factories.OperatorFactory(user__username="olga")
    # when
    response = api_client.post(URL, {"username": "olga", "password": factories.PASSWORD})
    # then
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=operator.user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/operators/me/")
    assert me.status_code == 200
    assert me.json()["id"] == operator.pk


def test_asking_again_gives_the_same_token(api_client):
    factories.UserFactory(username="olga")
    first = api_client.post(URL, {"username": "olga", "password": factories.PASSWORD})
    second = api_client.post(URL, {"username": "olga", "password": factories.PASSWORD})
    assert first.json()["token"] == second.json()["token"]


def test_a_wrong_password_is_a_400_with_a_message(api_client):
    factories.UserFactory(username="olga")
    response = api_client.post(URL, {"username": "olga", "password": "guess"})
    assert response.status_code == 400
    assert "Unable to log in" in str(response.json())
    assert not Token.objects.exists()


def test_missing_fields_are_named(api_client):
    response = api_client.post(URL, {})
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_an_inactive_user_gets_no_token(api_client):
    factories.UserFactory(username="gone", is_active=False)
    response = api_client.post(URL, {"username": "gone", "password": factories.PASSWORD})
    assert response.status_code == 400


def test_guessing_is_throttled_with_a_429(api_client):
    # given
    factories.UserFactory(username="olga")
    allowed, _ = ScopedRateThrottle.parse_rate(
        None, settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"]
    )
    for _ in range(allowed):
        assert api_client.post(URL, {"username": "olga", "password": "guess"}).status_code == 400
    # when
    response = api_client.post(URL, {"username": "olga", "password": factories.PASSWORD})
    # then
    assert response.status_code == 429
    assert "token" not in response.json()


def test_a_bad_token_is_a_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert api_client.get("/api/v1/groups/").status_code == 401


def test_the_browser_session_authenticates_too(client):
    user = factories.AdminUserFactory(username="boss")
    client.force_login(user)
    assert client.get("/api/v1/groups/").status_code == 200
