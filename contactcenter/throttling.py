"""Counting attempts in the shared cache, atomically, for the sign-in endpoint.

Two counters guard ``auth/token/``: one per client address (``AUTH_TOKEN_THROTTLE``,
the address from ``contactcenter.client_address``, so a forged ``X-Forwarded-For`` does
not make a new client), and one per username (``AUTH_LOCKOUT_ATTEMPTS`` in
``AUTH_LOCKOUT_S``), which stops guessing spread over many addresses. Both count an
attempt *before* the password is checked, with the cache's atomic increment (Redis
``INCR`` in production), so fifty requests sent at once are fifty counts and only the
allowed number reach the password check. The username counter does not look the user
up: an unknown name is counted and refused exactly like a known one, and a successful
sign-in clears it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class CacheUnavailable(Exception):
    """The shared cache could not count the attempt (Redis down)."""


@dataclass(frozen=True)
class Rate:
    count: int
    period_s: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"10/min"``, ``"5/s"``, ``"100/hour"``, ``"3/15m"`` (15 minutes)."""
        number, _, period = text.partition("/")
        period = period.strip().lower()
        digits = "".join(ch for ch in period if ch.isdigit())
        unit = period[len(digits) :][:1]
        return cls(count=int(number), period_s=int(digits or 1) * _PERIODS[unit])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int


def attempt_count(*, key: str, rate: Rate) -> Verdict:
    """Counts one attempt under ``key`` in a window of ``rate.period_s`` that starts with
    the first attempt, and says whether it is within ``rate.count``."""
    full_key = f"attempts:{key}"
    try:
        count = _increment(full_key, rate.period_s)
    except Exception as error:  # the cache backend's own connection errors
        logger.warning("attempt counter unavailable: %s", type(error).__name__)
        raise CacheUnavailable from error
    if count <= rate.count:
        return Verdict(allowed=True, retry_after_s=0)
    return Verdict(allowed=False, retry_after_s=_ttl(full_key, rate.period_s))


def attempts_over(*, key: str, rate: Rate) -> Verdict:
    """Whether the attempts already counted under ``key`` reached ``rate.count``, without
    counting one: for counters of failures only (a wrong secret), checked before the
    next try so that guessing stops at the limit. ``CacheUnavailable`` when unreadable."""
    full_key = f"attempts:{key}"
    try:
        count = cache.get(full_key)
    except Exception as error:
        logger.warning("attempt counter unavailable: %s", type(error).__name__)
        raise CacheUnavailable from error
    if count is None or int(count) < rate.count:
        return Verdict(allowed=True, retry_after_s=0)
    return Verdict(allowed=False, retry_after_s=_ttl(full_key, rate.period_s))


def attempts_clear(*, key: str) -> None:
    try:
        cache.delete(f"attempts:{key}")
    except Exception as error:
        logger.warning("attempt counter unavailable: %s", type(error).__name__)


def _increment(key: str, period_s: int) -> int:
    for _ in range(3):
        cache.add(key, 0, timeout=period_s)
        cache.add(f"{key}:since", time.time(), timeout=period_s)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr: start the window again
            continue
    raise RuntimeError("the attempt counter keeps expiring")


def _ttl(key: str, period_s: int) -> int:
    since = cache.get(f"{key}:since")
    if since is None:
        return period_s
    return max(1, int(period_s - (time.time() - float(since))) + 1)


def address_key(address: str) -> str:
    return f"token-address:{address}"


def username_key(username: str) -> str:
    # hashed: any text may be sent as a username, and cache keys must stay short and safe
    digest = hashlib.sha256(username.strip().casefold().encode("utf-8", "replace")).hexdigest()
    return f"token-user:{digest[:32]}"


def address_rate() -> Rate:
    return Rate.parse(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"])


def username_rate() -> Rate:
    return Rate(count=settings.AUTH_LOCKOUT_ATTEMPTS, period_s=settings.AUTH_LOCKOUT_S)
