"""Daphne serves the product on PostgreSQL and Redis; an admin made by the management
commands calls the API with a token."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve

from tests.real.support import ROOT, Process, free_port, real

pytestmark = real


def get(url: str, token: str | None = None, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def daphne(product_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    server = Process(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "contactcenter.asgi:application",
        ],
        env=product_env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if server.popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"daphne did not come up:\n{server.output()}")
            time.sleep(0.2)
        yield base
    finally:
        server.stop()


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_daphne_answers_the_health_check_and_the_api_schema(daphne: str) -> None:
    status, body = get(f"{daphne}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "redis": "ok"}

    status, body = get(f"{daphne}/api/v1/schema/")
    assert status == 200
    assert body.startswith(b"openapi: 3")


@pytest.mark.django_db(transaction=True)
def test_an_admin_made_by_createsuperuser_calls_the_api_with_a_drf_token(
    daphne: str, product_env: dict[str, str]
) -> None:
    env = {**product_env, "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16)}

    made = manage(
        "createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.com", env=env
    )
    assert made.returncode == 0, made.stdout + made.stderr
    tokened = manage("drf_create_token", "admin", env=env)
    assert tokened.returncode == 0, tokened.stdout + tokened.stderr
    match = re.search(r"Generated token (\w+) for user admin", tokened.stdout)
    assert match, tokened.stdout
    token = match.group(1)

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff

    try:
        resolve("/api/v1/groups/")
        path = "/api/v1/groups/"
    except Resolver404:  # before the routing API existed; the schema still checks tokens
        path = "/api/v1/schema/"
    status, body = get(f"{daphne}{path}", token=token)
    assert status == 200, body[:500]
    if path.endswith("groups/"):
        assert "results" in json.loads(body)
        assert get(f"{daphne}{path}")[0] in (401, 403)
    assert get(f"{daphne}{path}", token="0" * 40)[0] == 401
