"""Settings follow the environment: each case runs Django in a fresh process with only
the variables it names, so the tier running these tests does not leak into them."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# What the project reads from the environment; each case starts with none of them.
PROJECT_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "HTTPS",
    "CELERY_TASK_ALWAYS_EAGER",
    "CHANNEL_LAYER_PREFIX",
    "SECURE_HSTS_SECONDS",
    "EMBEDDED_REDIS_PORT",
    "CONN_MAX_AGE",
)

PROBE = """
import json, os, sys
if {as_pytest!r}:
    import pytest  # the settings look for it in sys.modules
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "contactcenter.settings"
django.setup()
from django.conf import settings as s
out = {{
    "database": {{k: v for k, v in s.DATABASES["default"].items() if k != "PASSWORD"}},
    "redis_url": s.REDIS_URL,
    "in_process": s.IN_PROCESS,
    "embedded_redis": s.REDIS_IS_EMBEDDED,
    "channel_layer": s.CHANNEL_LAYERS["default"],
    "cache": s.CACHES["default"],
    "broker": s.CELERY_BROKER_URL,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "https": s.HTTPS,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "secure_cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "hsts": s.SECURE_HSTS_SECONDS,
}}
{extra}
print("PROBE" + json.dumps(out, default=str))
"""


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARS}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["SECRET_KEY"] = "a-test-key-that-is-long-enough-and-not-insecure-" + "x" * 20
    env.update(overrides)
    return env


def probe(*, as_pytest: bool = False, extra: str = "", **env: str) -> dict[str, Any]:
    return json.loads(_probe(as_pytest, extra, tuple(sorted(env.items()))))


@functools.cache
def _probe(as_pytest: bool, extra: str, env: tuple[tuple[str, str], ...]) -> str:
    """A Django process per distinct case (a second or so each), shared by the tests."""
    code = PROBE.format(as_pytest=as_pytest, extra=extra)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**dict(env)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [line for line in proc.stdout.splitlines() if line.startswith("PROBE")]
    return line.removeprefix("PROBE")


def test_without_database_url_the_database_is_sqlite_under_var_with_wal_and_immediate() -> None:
    out = probe()

    db = out["database"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]) == ROOT / "var" / "db.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "busy_timeout=" in db["OPTIONS"]["init_command"]


def test_the_sqlite_options_really_apply_on_a_connection(tmp_path: Path) -> None:
    # A scratch file, not the developer's var/db.sqlite3: the same options apply to any
    # SQLite DATABASE_URL.
    extra = """
import sqlite3
from django.db import connection, transaction
with connection.cursor() as c:
    out["journal_mode"] = c.execute("PRAGMA journal_mode").fetchone()[0]
    out["busy_timeout"] = c.execute("PRAGMA busy_timeout").fetchone()[0]
with transaction.atomic():
    connection.cursor().execute("SELECT 1")  # a read only, yet the write lock is held
    other = sqlite3.connect(s.DATABASES["default"]["NAME"], timeout=0.1)
    try:
        other.execute("BEGIN IMMEDIATE")
        out["second_writer"] = "got the lock"
    except sqlite3.OperationalError as error:
        out["second_writer"] = str(error)
    finally:
        other.close()
"""
    out = probe(extra=extra, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert out["journal_mode"] == "wal"
    assert out["busy_timeout"] == 20000
    # IMMEDIATE: a transaction takes the write lock when it begins
    assert out["second_writer"] == "database is locked"


def test_a_postgres_database_url_keeps_connections_and_checks_them() -> None:
    out = probe(DATABASE_URL="postgres://cc:secret@db.internal:5432/contactcenter")

    db = out["database"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.internal",
        5432,
        "contactcenter",
        "cc",
    )
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert "transaction_mode" not in db.get("OPTIONS", {})


def test_under_pytest_without_redis_url_everything_stays_in_process() -> None:
    out = probe(as_pytest=True)

    assert out["redis_url"] == "memory://"
    assert out["in_process"] is True
    assert out["channel_layer"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert out["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert out["broker"] == "memory://"
    assert out["eager"] is True


def test_redis_url_memory_selects_the_in_memory_layer_outside_pytest_too() -> None:
    out = probe(REDIS_URL="memory://")

    assert out["in_process"] is True
    assert out["channel_layer"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert out["eager"] is True


def test_a_real_redis_url_selects_the_pubsub_layer_the_redis_cache_and_the_broker() -> None:
    url = "redis://redis.internal:6379/2"

    out = probe(REDIS_URL=url)

    assert out["in_process"] is False
    assert out["channel_layer"]["BACKEND"] == "contactcenter.layer.ResyncingPubSubChannelLayer"
    assert out["channel_layer"]["CONFIG"]["hosts"] == [url]
    assert out["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert out["cache"]["LOCATION"] == url
    assert out["broker"] == url
    assert out["eager"] is False


def test_with_nothing_set_outside_pytest_redis_is_the_embedded_server() -> None:
    out = probe()

    assert out["redis_url"] == "redis://127.0.0.1:6389/0"
    assert out["embedded_redis"] is True
    assert out["channel_layer"]["BACKEND"] == "contactcenter.layer.ResyncingPubSubChannelLayer"


def test_https_is_off_for_the_embedded_default_and_on_for_a_real_deployment() -> None:
    embedded = probe()
    deployed = probe(DATABASE_URL="postgres://cc@db/cc", REDIS_URL="redis://redis:6379/0")
    plain = probe(DATABASE_URL="postgres://cc@db/cc", REDIS_URL="redis://r:6379/0", HTTPS="false")

    assert embedded["https"] is False
    assert embedded["ssl_redirect"] is False
    assert deployed["https"] is True
    assert deployed["ssl_redirect"] is True
    assert deployed["secure_cookies"] == [True, True]
    assert deployed["hsts"] >= 31536000
    assert plain["https"] is False
    assert plain["secure_cookies"] == [False, False]


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_deploy_check_passes_with_production_settings() -> None:
    env = clean_env(
        DATABASE_URL="postgres://cc:secret@db.internal:5432/contactcenter",
        REDIS_URL="redis://redis.internal:6379/0",
        SECRET_KEY=os.urandom(48).hex(),
        DEBUG="false",
        ALLOWED_HOSTS="example.com",
        HTTPS="true",
    )

    proc = run_deploy_check(env)

    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_deploy_check_names_what_the_embedded_default_lacks() -> None:
    env = clean_env()
    env.pop("SECRET_KEY")

    proc = run_deploy_check(env)

    assert proc.returncode != 0
    for check_id in ("contactcenter.W001", "contactcenter.W002", "contactcenter.W003"):
        assert check_id in proc.stderr + proc.stdout
