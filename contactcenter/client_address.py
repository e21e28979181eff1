"""The client's address, as far as it can be trusted: one function for HTTP requests and
sockets alike, so that throttles, lockouts and per-address caps all count the same thing.

``X-Forwarded-For`` is written by whoever sent the request, so only the entries that our
own proxies appended can be believed. With ``TRUSTED_PROXY_COUNT = n`` (the number of
reverse proxies in front of the application, each appending the address it received the
connection from), the client is the n-th address from the right of the header; with 0
(the default) the header is ignored and the peer address of the connection is the client.
A header shorter than the trusted chain means a request that did not pass through every
proxy: its leftmost entry is used, never anything the client could have made up beyond it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings

UNKNOWN = "unknown"


def client_address(*, peer: str | None, forwarded_for: str | None) -> str:
    """The client address from the connection's peer address and the ``X-Forwarded-For``
    header (None when absent), trusting ``settings.TRUSTED_PROXY_COUNT`` proxies."""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            candidate = hops[-trusted] if len(hops) >= trusted else hops[0]
            address = _normalised(candidate)
            if address is not None:
                return address
    return _normalised(peer) or UNKNOWN


def request_client_address(request: Any) -> str:
    """The client address of a Django (or DRF) request."""
    meta = request.META
    return client_address(
        peer=meta.get("REMOTE_ADDR"), forwarded_for=meta.get("HTTP_X_FORWARDED_FOR")
    )


def scope_client_address(scope: dict[str, Any]) -> str:
    """The client address of an ASGI scope (a socket or an HTTP request)."""
    client = scope.get("client") or (None, None)
    return client_address(
        peer=client[0] if client else None,
        forwarded_for=_header(scope.get("headers", []), b"x-forwarded-for"),
    )


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in headers if key.lower() == name]
    # Several header lines are one list, in order (RFC 9110, 5.3).
    return ",".join(values) if values else None


def _normalised(value: str | None) -> str | None:
    """An IP address in its canonical form (so that one client has one spelling), or
    None for anything that is not an address (a proxy's ``unknown``, garbage)."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # "[v6]:port"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "v4:port"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
