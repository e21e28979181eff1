"""A small client of the contact center's API channel, with the standard library only.

It sends one of your users' messages, receives the answers as signed webhooks and reads
the conversation by polling. Use it as a starting point for your own backend:

    python api_channel_client.py --base https://support.example.com --key KEY \\
        --secret INBOUND_SECRET --webhook-secret WEBHOOK_SECRET \\
        --listen 0.0.0.0:8081 --user user-1842 --text "Where is my order?"

The channel's webhook address (in the admin, Channels) must lead to ``--listen``.
See docs/api-channel.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TIMEOUT_S = 10


class ApiError(Exception):
    """The contact center refused a request: ``status`` and its JSON ``body``."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def _request(method: str, url: str, secret: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {secret}")
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            detail = json.loads(raw)
        except ValueError:
            detail = raw.decode("utf-8", "replace")
        raise ApiError(error.code, detail) from None


def send(
    base: str,
    key: str,
    secret: str,
    *,
    external_id: str,
    text: str,
    client_id: str | None = None,
    **details: Any,
) -> dict[str, Any]:
    """Sends a message of your user ``external_id``; ``details`` may be ``name``,
    ``email``, ``phone`` and ``attributes``. Keep the ``client_id`` when you retry: a
    repeat answers with the same ids and stores nothing. Returns ``{"id", "dialog",
    "session", "created"}``."""
    body = {
        "external_id": external_id,
        "text": text,
        "client_id": client_id or uuid.uuid4().hex,
        **details,
    }
    status, answer = _request("POST", f"{base}/api/v1/inbound/{key}/messages/", secret, body)
    return {**answer, "created": status == 201}


def poll(
    base: str, key: str, secret: str, *, external_id: str, after: int = 0
) -> list[dict[str, Any]]:
    """Every message of the user's conversation after the id ``after``, oldest first,
    all pages. An empty list while the user has not written."""
    user = urllib.parse.quote(external_id, safe="")
    url: str | None = f"{base}/api/v1/inbound/{key}/contacts/{user}/messages/?after={after}"
    messages: list[dict[str, Any]] = []
    while url:
        try:
            _status, page = _request("GET", url, secret)
        except ApiError as error:
            if error.status == 404:
                return []
            raise
        messages.extend(page["results"])
        url = page["next"]
    return messages


def verify(secret: str, headers: Any, body: bytes, *, tolerance_s: int = 300) -> bool:
    """Whether a webhook really comes from the contact center: the hex HMAC-SHA256 under
    the webhook secret of the timestamp, a dot and the raw body; old timestamps are
    refused, so a captured request cannot be replayed later."""
    timestamp = headers.get("X-Webhook-Timestamp") or ""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), headers.get("X-Webhook-Signature", ""))


def webhook_server(
    host: str, port: int, secret: str, on_message: Callable[[dict[str, Any]], None]
) -> ThreadingHTTPServer:
    """An HTTP server (not started) that checks each webhook's signature, answers 401
    to a forged one, drops repeats by ``X-Webhook-Id`` and hands each new
    ``message.created`` envelope to ``on_message``."""
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not verify(secret, self.headers, body):
                self._answer(401)
                return
            with lock:
                new = self.headers["X-Webhook-Id"] not in seen
                seen.add(self.headers["X-Webhook-Id"])
            envelope = json.loads(body)
            if new and envelope.get("event") == "message.created":
                on_message(envelope)
            self._answer(200)  # answer quickly; slow work belongs in your own queue

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="e.g. https://support.example.com")
    parser.add_argument("--key", required=True, help="the channel's public key")
    parser.add_argument("--secret", required=True, help="the channel's inbound secret")
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--listen", default="127.0.0.1:8081", help="host:port for webhooks")
    parser.add_argument("--user", default="user-1842", help="your user's id")
    parser.add_argument("--text", default="Hello! Where is my order?")
    parser.add_argument("--wait", type=int, default=60, help="seconds to wait for answers")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    host, _sep, port = args.listen.rpartition(":")

    def show(envelope: dict[str, Any]) -> None:
        message = envelope["message"]
        print(f"webhook: {message['sender_name'] or message['sender_type']}: {message['text']}")

    server = webhook_server(host, int(port), args.webhook_secret, show)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stored = send(base, args.key, args.secret, external_id=args.user, text=args.text)
    print(f"sent: message {stored['id']} in session {stored['session']}")
    time.sleep(args.wait)
    server.shutdown()
    for message in poll(base, args.key, args.secret, external_id=args.user):
        print(f"{message['created_at']} {message['sender_type']}: {message['text']}")


if __name__ == "__main__":
    main()
