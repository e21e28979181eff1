"""Fixtures of the real tier: the environment for subprocesses of the product."""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

import pytest


@pytest.fixture(scope="session")
def product_env(django_db_setup, django_db_blocker) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Environment for a product process (daphne, celery, manage.py) that shares this test
    session's database: pytest-django's test database, migrated, on the same server."""
    from django.db import connection

    db = connection.settings_dict
    url = (
        f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}/"
        f"{quote(db['NAME'])}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.update(
        DATABASE_URL=url,
        REDIS_URL=os.environ["REDIS_URL"],
        SECRET_KEY=secrets.token_urlsafe(64),
        HTTPS="false",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="contactcenter.settings",
        PYTHONUNBUFFERED="1",
    )
    env.pop("ALLOWED_HOSTS", None)  # the default admits 127.0.0.1
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)  # product processes queue tasks for real
    return env
