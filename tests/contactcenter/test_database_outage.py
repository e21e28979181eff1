"""A lost database is a 503 that says so, never a 500: /healthz, and any request that meets
a lost connection (a safe one is retried once on a new connection first)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.test import override_settings
from django.urls import path

pytestmark = pytest.mark.django_db

calls: list[str] = []
failures_left = {"n": 0}


def flaky(request):  # type: ignore[no-untyped-def]
    calls.append(request.method)
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise OperationalError("server closed the connection unexpectedly")
    return JsonResponse({"ok": True})


def broken_write(request):  # type: ignore[no-untyped-def]
    calls.append(request.method)
    raise OperationalError("terminating connection due to administrator command")


def fine(request):  # type: ignore[no-untyped-def]
    return HttpResponse("fine")


urlpatterns = [path("flaky", flaky), path("write", broken_write), path("fine", fine)]


@pytest.fixture(autouse=True)
def _reset():  # type: ignore[no-untyped-def]
    calls.clear()
    failures_left["n"] = 0


def test_healthz_answers_ok_with_what_it_checked(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    # (and "redis": "ok" where a real Redis is configured; the in-process layer has none)
    assert {k: v for k, v in response.json().items() if k != "redis"} == {
        "status": "ok",
        "database": "ok",
    }


def test_healthz_answers_503_naming_the_database_when_it_is_down(client, monkeypatch):
    # given a database that refuses connections
    from contactcenter import views

    class Down:
        def cursor(self):  # type: ignore[no-untyped-def]
            raise OperationalError("connection refused")

        def close_if_unusable_or_obsolete(self) -> None:
            pass

    monkeypatch.setattr(views, "connection", Down())
    # when the load balancer asks
    response = client.get("/healthz")
    # then it hears what is down, with a 503
    assert response.status_code == 503
    assert {k: v for k, v in response.json().items() if k != "redis"} == {
        "status": "unavailable",
        "database": "down",
    }


def test_healthz_reports_redis_down_without_taking_the_process_out(client, settings):
    # given a Redis that does not answer (nothing listens on port 1)
    settings.IN_PROCESS = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "down"}


@override_settings(ROOT_URLCONF=__name__)
def test_a_read_that_meets_a_lost_connection_is_retried_once_on_a_new_one(client):
    failures_left["n"] = 1
    response = client.get("/flaky")
    assert response.status_code == 200
    assert calls == ["GET", "GET"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_read_that_fails_again_is_a_503_with_retry_after(client):
    failures_left["n"] = 2
    response = client.get("/flaky")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert int(response["Retry-After"]) > 0
    assert calls == ["GET", "GET"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_write_is_never_replayed_but_answered_503(client):
    response = client.post("/write", {"text": "hi"})
    assert response.status_code == 503
    assert calls == ["POST"]
    assert client.get("/fine").status_code == 200


def test_an_api_read_that_keeps_failing_is_503_not_500(admin_api, monkeypatch):
    # given the service under the groups endpoint loses its connection
    from django.db.models import QuerySet

    def lost(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(QuerySet, "count", lost)
    # when the API lists groups (a paginated list counts its rows)
    response = admin_api.get("/api/v1/groups/")
    # then a clear 503
    assert response.status_code == 503
    assert "try again" in response.json()["detail"]
