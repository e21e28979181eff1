"""Authentication of sockets: the Django session cookie (Channels' AuthMiddleware) or an
``Authorization: Token <key>`` header (DRF tokens), for clients that are not browsers."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware


@database_sync_to_async
def _user_of_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


class TokenHeaderMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from a token header, when one is sent; otherwise leaves
    the session user that the inner auth middleware found."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                kind, _, key = value.decode("latin-1").partition(" ")
                if kind.lower() == "token" and key.strip():
                    user = await _user_of_token(key.strip())
                    if user is not None:
                        scope = {**scope, "user": user}
                break
        return await super().__call__(scope, receive, send)


def SocketAuthStack(inner: Any) -> Any:
    return AuthMiddlewareStack(TokenHeaderMiddleware(inner))
