"""The wire side of outbound webhooks, without the database: signing, refusing addresses
inside private networks, and one HTTP POST. Shared by the webhook subscriptions
(``bots.services.deliveries``) and the API channel's connector
(``inbox.connectors.api``), so that a receiver verifies both the same way.

A target's host is resolved and every address checked when a subscription is saved and
again right before each attempt; the connection then goes to the address that was
checked (not to a second lookup), so a DNS answer that changes in between cannot steer a
delivery into the internal network. Redirects are not followed, proxies from the
environment are not used. Secrets and signatures are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT_S = 10
USER_AGENT = "contactcenter-webhooks/1"


class UnsafeURL(ValueError):
    """The address may not receive webhooks; the message says why, for an admin.
    ``permanent`` is False when trying again later may help (a failed DNS lookup)."""

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under the secret."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, delivery_id: str, event: str, secret: str, body: bytes) -> dict[str, str]:
    """The ``X-Webhook-*`` headers of one attempt: the delivery's id (the same on every
    retry), the event, the attempt's unix time and the signature over both."""
    timestamp = int(time.time())
    return {
        "X-Webhook-Id": delivery_id,
        "X-Webhook-Event": event,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }


def signature_valid(*, secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (documented in docs/webhooks.md; used by the tests)."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    expected = signature(secret=secret, timestamp=int(timestamp), body=body)
    return hmac.compare_digest(expected, header)


# --- where to --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    host: str
    port: int
    addresses: tuple[str, ...]


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(
            _("The host %(host)s cannot be resolved.") % {"host": host}, permanent=False
        ) from None
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def url_check(url: str, *, private_ok: bool | None = None) -> Target:
    """Where ``url`` leads, after checking it may receive webhooks: http or https, no
    credentials in it, and (unless private addresses are allowed) every address its host
    resolves to on the public internet. ``UnsafeURL`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_("Use an http:// or https:// address."))
    if parts.username or parts.password:
        raise UnsafeURL(_("Leave user names and passwords out of the address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL(_("The port of the address is not a number.")) from None
    addresses = _resolve(parts.hostname, port)
    if not addresses:
        raise UnsafeURL(
            _("The host %(host)s cannot be resolved.") % {"host": parts.hostname}, permanent=False
        )
    if not (allow_private() if private_ok is None else private_ok):
        blocked = [a for a in addresses if not address_public(a)]
        if blocked:
            raise UnsafeURL(
                _(
                    "%(host)s leads to %(address)s, a private, loopback or link-local address; "
                    "webhooks go to public addresses only."
                )
                % {"host": parts.hostname, "address": blocked[0]}
            )
    return Target(url=url, host=parts.hostname, port=port, addresses=addresses)


# --- sending ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an attempt went: ``status`` is the HTTP status, if an answer came."""

    ok: bool
    status: int | None = None
    error: str = ""


def _pinned(cls: type[http.client.HTTPConnection], address: str) -> Callable[..., Any]:
    """A connection class that connects to ``address`` whatever the host name says; the
    host name still goes into the Host header and the TLS server name check."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = cls(host, **kwargs)

        def connect(where: tuple[str, int], *args: Any) -> socket.socket:
            return socket.create_connection((address, where[1]), *args)

        connection._create_connection = connect  # type: ignore[attr-defined]
        return connection

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPSConnection, self.address), req)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer comes back as an HTTPError: a failed attempt


def post(*, target: Target, body: bytes, headers: dict[str, str]) -> Outcome:
    """One POST of ``body`` to the target's first checked address; 2xx is success."""
    address = target.addresses[0]
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _PinnedHTTP(address),
        _PinnedHTTPS(address),
        _NoRedirects(),
    )
    request = urllib.request.Request(
        target.url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            return Outcome(ok=200 <= response.status < 300, status=response.status)
    except urllib.error.HTTPError as answer:
        answer.close()
        if 300 <= answer.code < 400:
            return Outcome(ok=False, status=answer.code, error=_("Redirects are not followed."))
        return Outcome(ok=False, status=answer.code, error=f"HTTP {answer.code}")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as failure:
        reason = getattr(failure, "reason", failure)
        return Outcome(ok=False, error=f"{type(failure).__name__}: {reason}"[:1000])


# How a webhook is retried, the same for every sender of signed webhooks (subscriptions
# in bots, the API channel's deliveries in inbox): eight attempts in all, waiting 10 s,
# 30 s, 90 s... (times 3 each time, at most 6 hours), give or take 20 %.
MAX_ATTEMPTS = 8
BACKOFF_FIRST_S = 10
BACKOFF_FACTOR = 3
BACKOFF_MAX_S = 6 * 3600
JITTER = 0.2


def backoff_s(attempts: int) -> float:
    """The wait after the ``attempts``-th failed attempt (see above)."""
    base = min(BACKOFF_FIRST_S * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_MAX_S)
    return base * random.uniform(1 - JITTER, 1 + JITTER)  # jitter, not a secret
