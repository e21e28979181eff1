"""What the process depends on, checked quickly: for ``/healthz`` and the middleware that
answers 503 when the database is away."""

from __future__ import annotations

from django.conf import settings

REDIS_TIMEOUT_S = 1.0


def redis_up() -> bool | None:
    """True if Redis answers PING within a second, False if not, None without Redis
    (the in-process setup of the fast test tier)."""
    if settings.IN_PROCESS:
        return None
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()
