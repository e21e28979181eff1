"""The Graph API as the WhatsApp channel uses it, over httpx: send a message, upload a
file, look up and download a file the contact sent, check the number.

Errors are mapped once: no answer, ``429`` and ``5xx`` are ``SendFailed`` (tried again
later); any other ``4xx`` is ``DeliveryRefused`` (for good). The access token travels in
the ``Authorization`` header only, never in a URL, an error text or a log line."""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from inbox.connectors.base import DeliveryRefused, SendFailed
from inbox.connectors.whatsapp.config import WhatsAppConfig

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


@dataclass(frozen=True, slots=True)
class Download:
    content: bytes
    content_type: str


class GraphClient:
    def __init__(self, config: WhatsAppConfig) -> None:
        self.config = config

    # --- calls ----------------------------------------------------------------------

    def message_send(self, payload: dict[str, Any]) -> str:
        """POSTs one message (``to``, ``type`` and its body); returns its ``wamid``."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
        answer = self._call("POST", f"{self._number()}/messages", json=body)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as error:
            raise SendFailed("the Graph API answered no message id") from error

    def media_upload(self, *, content: bytes, name: str, content_type: str) -> str:
        """Uploads a file for a message; returns its media id."""
        answer = self._call(
            "POST",
            f"{self._number()}/media",
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (name, content, content_type)},
        )
        media_id = answer.get("id")
        if not media_id:
            raise SendFailed("the Graph API answered no media id")
        return str(media_id)

    def media_download(self, media_id: str) -> Download:
        """A file the contact sent: its URL from ``GET /<media id>``, then the file,
        both with the token. The URL is fetched only on ``api_base_url``'s host or on a
        host that resolves to public addresses (see ``url_allowed``)."""
        if not media_id.isdigit() and not media_id.replace("-", "").isalnum():
            raise DeliveryRefused("a media id of an unknown form")
        answer = self._call("GET", media_id)
        url = str(answer.get("url") or "")
        target = fetch_target(url, self.config.api_host)
        if target is None:
            raise DeliveryRefused("the media URL is not on an allowed host")
        headers = self._headers() | ({"Host": target.host_header} if target.host_header else {})
        extensions = {"sni_hostname": target.tls_name} if target.tls_name else {}
        limit = settings.ATTACHMENT_MAX_BYTES
        try:
            with (
                httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client,
                client.stream(
                    "GET", target.url, headers=headers, extensions=extensions
                ) as response,
            ):
                _raise_for(response.status_code, "")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise DeliveryRefused("the file is larger than allowed")
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "")
        except httpx.HTTPError as error:
            raise SendFailed(f"the media download failed: {type(error).__name__}") from None
        return Download(b"".join(chunks), str(answer.get("mime_type") or content_type))

    def number_check(self) -> dict[str, Any]:
        """``GET /<phone_number_id>``: the number's details when the id and token are
        right (the admin's "Test connection")."""
        return self._call("GET", self._number())

    # --- plumbing -------------------------------------------------------------------

    def _number(self) -> str:
        number = self.config.phone_number_id
        if not number.isdigit():
            raise DeliveryRefused("the channel has no phone number id")
        return number

    def _headers(self) -> dict[str, str]:
        if not self.config.access_token:
            raise DeliveryRefused("the channel has no access token")
        return {"Authorization": f"Bearer {self.config.access_token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.config.api_base_url}/{path}"
        headers = self._headers()
        try:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
                response = client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise SendFailed(f"the Graph API did not answer: {type(error).__name__}") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        _raise_for(response.status_code, _error_text(data))
        return data if isinstance(data, dict) else {}


def _error_text(data: Any) -> str:
    """Meta's words for an error (``error.message`` and ``code``), never our request."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return ""
    message = str(error.get("message") or "")[:300]
    code = error.get("code")
    return f"{message} (code {code})" if code is not None else message


def _raise_for(status: int, detail: str) -> None:
    if status < 400:
        return
    text = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status == 429 or status >= 500:
        raise SendFailed(text)
    raise DeliveryRefused(text)


@dataclass(frozen=True, slots=True)
class FetchTarget:
    """Where a media URL is fetched: the URL itself on ``api_base_url``'s host, else
    the public address it resolved to (connected by address, with the host name for
    ``Host`` and TLS), so that no second lookup can lead somewhere else."""

    url: str
    host_header: str = ""
    tls_name: str = ""


def url_allowed(url: str, api_host: str) -> bool:
    return fetch_target(url, api_host) is not None


def fetch_target(url: str, api_host: str) -> FetchTarget | None:
    """Whether and how the product may fetch ``url`` (with the token): http(s), and
    either on ``api_base_url``'s own host (which the admin chose, loopback included) or
    on a host all of whose addresses are public, so that a payload can never point the
    product at an address inside the company's network."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    if host == api_host:
        return FetchTarget(url)
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses or not all(_public(address) for address in addresses):
        return None
    literal = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
    netloc = literal + (f":{port}" if port else "")
    pinned = parts._replace(netloc=netloc).geturl()
    return FetchTarget(pinned, host_header=parts.netloc, tls_name=host)


def _public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False
