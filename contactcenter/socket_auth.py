"""Authentication of sockets: the Django session cookie (Channels' AuthMiddleware) or an
``Authorization: Token <key>`` header (DRF tokens), for clients that are not browsers.

The origin check guards cookie authentication: a browser sends the site's cookie with a
socket that any page opens, so only pages of this site (``ALLOWED_HOSTS``) may use it.
A token header is no such risk (a page cannot set headers on a socket), and the clients
that send one (scripts, integrations, other servers) send no ``Origin``: with a token
header and no ``Origin`` the check is skipped (an ``Origin`` that is sent is still
checked). A socket that sends a token header is authenticated by that token alone, never
by a cookie beside it.

A socket authenticated by a token keeps it in ``scope["auth_token"]``, so that it can
join the token's group (closed when the token is deleted, see
``contactcenter.credentials``) and recheck it with ``credential_valid``."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator


@database_sync_to_async
def _user_of_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


class TokenHeaderMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from a token header, when one is sent (anonymous when the
    token is unknown, whatever cookie came with it); otherwise leaves the session user
    that the inner auth middleware found."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = token_of(scope)
        if key is not None:
            from django.contrib.auth.models import AnonymousUser

            user = await _user_of_token(key) if key else None
            if user is None:
                scope = {**scope, "user": AnonymousUser()}
            else:  # the key kept, so that the socket can recheck it later
                scope = {**scope, "user": user, "auth_token": key}
        return await super().__call__(scope, receive, send)


def token_of(scope: dict[str, Any]) -> str | None:
    """The key of an ``Authorization: Token <key>`` header ("" when it has none), or None
    when no such header was sent."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, key = value.decode("latin-1").partition(" ")
            return key.strip() if kind.lower() == "token" else None
    return None


class CookieOriginValidator:
    """Channels' allowed-hosts origin check, except for a token client that sends no
    ``Origin`` (see the module doc)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.checked = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token_client = token_of(scope) is not None and not any(
            name == b"origin" for name, _ in scope.get("headers", [])
        )
        app = self.inner if token_client else self.checked
        return await app(scope, receive, send)


def SocketAuthStack(inner: Any) -> Any:
    return CookieOriginValidator(AuthMiddlewareStack(TokenHeaderMiddleware(inner)))


def credential_valid(scope: dict[str, Any]) -> bool:
    """Whether the credential a socket opened with still stands: the user active, the
    token not deleted, or the session's password hash still the user's (a password
    change ends sessions). Sync: call it through ``database_sync_to_async``."""
    from django.contrib.auth import HASH_SESSION_KEY
    from django.contrib.auth.models import User
    from django.utils.crypto import constant_time_compare
    from rest_framework.authtoken.models import Token

    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    key = scope.get("auth_token")
    if key is not None:
        return Token.objects.filter(key=key, user_id=user.pk, user__is_active=True).exists()
    current = User._default_manager.filter(pk=user.pk, is_active=True).first()
    if current is None:
        return False
    session = scope.get("session")
    session_hash = session.get(HASH_SESSION_KEY) if session is not None else None
    return isinstance(session_hash, str) and constant_time_compare(
        session_hash, current.get_session_auth_hash()
    )
