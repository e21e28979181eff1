"""A small client of the Telegram Bot API over httpx: ``<api_base_url>/bot<token>/<method>``
and ``<api_base_url>/file/bot<token>/<file_path>``.

The token is part of every URL, so nothing here ever puts a URL, an httpx exception's
text or a request into a log line or an exception message: errors say the method and
the Bot API's own ``description``. (The ``httpx`` logger, which would log URLs, is set to
warnings in settings.)"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from inbox.connectors.base import DeliveryRefused, RetryAfter, SendFailed

DEFAULT_API_BASE_URL = "https://api.telegram.org"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Room for a description in our messages (the Bot API's are short).
MAX_DESCRIPTION = 200


class BotApi:
    def __init__(self, *, token: str, base_url: str = "") -> None:
        if not token:
            raise DeliveryRefused("the channel has no bot token")
        self._token = token
        self.base_url = (base_url or DEFAULT_API_BASE_URL).rstrip("/")

    def _url(self, method: str) -> str:
        return f"{self.base_url}/bot{self._token}/{method}"

    def call(
        self,
        method: str,
        data: dict[str, Any] | None = None,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        """Calls a method (JSON, or multipart with ``files``) and returns its ``result``.
        ``RetryAfter`` for a 429 with ``retry_after``; ``SendFailed`` for what may pass
        (the network, a 5xx, a 429 without a delay); ``DeliveryRefused`` for a refusal
        (4xx: a chat that does not exist, a bot the user blocked, a bad token)."""
        try:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
                if files:
                    form = {k: _form_value(v) for k, v in (data or {}).items()}
                    response = client.post(self._url(method), data=form, files=files)
                else:
                    response = client.post(self._url(method), json=data or {})
        except httpx.HTTPError as error:
            raise SendFailed(f"{method}: {type(error).__name__}") from None
        return _result(method, response)

    def download(self, file_path: str, *, max_bytes: int) -> bytes:
        """The bytes of a file ``getFile`` described; ``DeliveryRefused`` when it is
        larger than ``max_bytes``."""
        url = f"{self.base_url}/file/bot{self._token}/{quote(file_path, safe='/')}"
        try:
            with (
                httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    if 400 <= response.status_code < 500:
                        raise DeliveryRefused(f"file download: HTTP {response.status_code}")
                    raise SendFailed(f"file download: HTTP {response.status_code}")
                content = bytearray()
                for chunk in response.iter_bytes():
                    content.extend(chunk)
                    if len(content) > max_bytes:
                        raise DeliveryRefused("the file is larger than attachments may be")
                return bytes(content)
        except httpx.HTTPError as error:
            raise SendFailed(f"file download: {type(error).__name__}") from None


def _form_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _result(method: str, response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    if response.status_code == 200 and body.get("ok") is True:
        return body.get("result")
    description = str(body.get("description") or f"HTTP {response.status_code}")
    description = description[:MAX_DESCRIPTION]
    parameters = body.get("parameters")
    if not isinstance(parameters, dict):
        parameters = {}
    if response.status_code == 429:
        retry_after = parameters.get("retry_after")
        if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
            raise RetryAfter(float(retry_after), f"{method}: {description}")
        raise SendFailed(f"{method}: {description}")
    if response.status_code >= 500 or response.status_code in (408, 409):
        raise SendFailed(f"{method}: {description}")
    raise DeliveryRefused(f"{method}: {description}")
