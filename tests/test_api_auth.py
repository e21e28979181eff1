"""auth/token/: a username and password for a token; throttled against guessing."""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit, urlunsplit

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
def _fresh_throttle_counts(settings):  # type: ignore[no-untyped-def]
    """The counters start empty. On Redis (the real tier) they live in a database of
    this test worker's own: the other xdist worker's tests flush the shared one now and
    then, which would wipe these counts mid-test."""
    default = settings.CACHES["default"]
    location = default.get("LOCATION")
    if isinstance(location, str) and location.startswith("redis://"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
        own = urlunsplit(urlsplit(location)._replace(path=f"/{12 + int(worker) % 4}"))
        settings.CACHES = {**settings.CACHES, "default": {**default, "LOCATION": own}}
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


# --- attempts counted atomically, by trusted address and by username ---------------------


def test_fifty_wrong_passwords_at_once_let_only_the_allowed_number_through(settings):
    # given the address rate, and fifty threads counting attempts of one client at once
    from concurrent.futures import ThreadPoolExecutor

    from contactcenter import throttling

    rate = throttling.address_rate()
    start = threading.Barrier(50)

    def attempt(_: int) -> bool:
        start.wait()
        return throttling.attempt_count(key="token-address:198.51.100.7", rate=rate).allowed

    # when they all count at the same moment
    with ThreadPoolExecutor(max_workers=50) as pool:
        allowed = sum(pool.map(attempt, range(50)))
    # then exactly the rate's number of attempts reach the password check
    assert allowed == rate.count


def test_a_new_forwarded_address_each_time_is_still_throttled(api_client, settings):
    # given one trusted proxy in front of the server, and a caller behind it
    settings.TRUSTED_PROXY_COUNT = 1
    factories.UserFactory(username="olga")
    rate = throttling_rate()
    # when the caller makes up a new X-Forwarded-For for every guess
    codes = [
        api_client.post(
            URL,
            {"username": f"user{n}", "password": "guess"},
            HTTP_X_FORWARDED_FOR=f"10.9.{n // 250}.{n % 250}, 198.51.100.7",
        ).status_code
        for n in range(rate.count + 1)
    ]
    # then the proxy's view of the caller is what counts, and the guess over the rate is 429
    assert codes[:-1] == [400] * rate.count
    assert codes[-1] == 429


def test_without_trusted_proxies_a_forged_header_changes_nothing(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    rate = throttling_rate()
    codes = [
        api_client.post(
            URL, {"username": f"u{n}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"9.9.9.{n}"
        ).status_code
        for n in range(rate.count + 1)
    ]
    assert codes[-1] == 429


def _guess_from_new_addresses(api_client, username: str, times: int) -> list[int]:
    return [
        api_client.post(
            URL, {"username": username, "password": "guess"}, REMOTE_ADDR=f"203.0.113.{n + 1}"
        ).status_code
        for n in range(times)
    ]


def test_a_username_is_locked_after_guesses_from_many_addresses(api_client, settings):
    # given a lockout after 3 attempts, and Olga's account
    settings.AUTH_LOCKOUT_ATTEMPTS = 3
    factories.UserFactory(username="olga")
    # when 3 guesses come from 3 addresses
    assert _guess_from_new_addresses(api_client, "olga", 3) == [400, 400, 400]
    # then even the right password, from yet another address, is refused for now
    response = api_client.post(
        URL, {"username": "olga", "password": factories.PASSWORD}, REMOTE_ADDR="192.0.2.77"
    )
    assert response.status_code == 429
    assert "token" not in response.json()
    assert int(response["Retry-After"]) > 0
    assert not Token.objects.exists()


def test_an_unknown_username_is_answered_exactly_like_a_known_one(api_client, settings):
    # given a lockout after 3 attempts; "olga" exists, "nobody" does not
    settings.AUTH_LOCKOUT_ATTEMPTS = 3
    factories.UserFactory(username="olga")
    # when both are guessed the same way
    known = _guess_from_new_addresses(api_client, "olga", 4)
    cache.clear()
    unknown = _guess_from_new_addresses(api_client, "nobody", 4)
    # then nothing tells them apart
    assert known == unknown == [400, 400, 400, 429]


def test_the_lockout_ignores_case_and_a_number_for_a_name(api_client, settings):
    settings.AUTH_LOCKOUT_ATTEMPTS = 2
    codes = [
        api_client.post(
            URL, {"username": name, "password": "x"}, REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n, name in enumerate(["Olga", "OLGA", "olga"])
    ]
    assert codes == [400, 400, 429]
    numeric = [
        api_client.post(
            URL, {"username": name, "password": "x"}, REMOTE_ADDR=f"192.0.2.{n + 9}"
        ).status_code
        for n, name in enumerate([123, "123", 123])
    ]
    assert numeric == [400, 400, 429]


def test_a_successful_sign_in_clears_the_username_count(api_client, settings):
    settings.AUTH_LOCKOUT_ATTEMPTS = 3
    factories.UserFactory(username="olga")
    assert _guess_from_new_addresses(api_client, "olga", 2) == [400, 400]
    good = api_client.post(
        URL, {"username": "olga", "password": factories.PASSWORD}, REMOTE_ADDR="192.0.2.50"
    )
    assert good.status_code == 200
    assert _guess_from_new_addresses(api_client, "olga", 2) == [400, 400]


def test_signing_in_while_the_cache_is_down_is_a_503_not_a_500(api_client, monkeypatch):
    # given a cache that cannot be reached
    def refuse(*args, **kwargs):
        raise ConnectionError("cache down")

    from django.core.cache import caches

    monkeypatch.setattr(type(caches["default"]), "add", refuse)
    # when someone signs in
    response = api_client.post(URL, {"username": "olga", "password": "x"})
    # then they are told to come back, and nothing crashed
    assert response.status_code == 503
    assert "try again" in response.json()["detail"]


def throttling_rate():  # type: ignore[no-untyped-def]
    from contactcenter import throttling

    return throttling.address_rate()
