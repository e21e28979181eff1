"""A local Graph API for the WhatsApp tests: a threaded HTTP server on 127.0.0.1 that
speaks the Cloud API's protocol (``/<phone number id>/messages`` and ``/media``,
``/<media id>`` answering a download URL on itself, the download, Meta's error bodies,
the bearer token checked on every call), records what it received, answers 429, 500 or
400 on demand, and signs webhooks the way Meta does."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PHONE_NUMBER_ID = "106540352242922"


@dataclass
class Call:
    method: str
    path: str
    json: dict[str, Any]
    fields: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]  # field -> (file name, bytes, content type)
    headers: dict[str, str]


@dataclass
class FakeGraphApi:
    token: str
    app_secret: str
    phone_number_id: str = PHONE_NUMBER_ID
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    # media id -> (bytes, content type) that the media endpoints serve
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # answers (status, body) given before the normal one, first first, per path kind
    scripted: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    # a download URL to answer instead of our own (a host the product must refuse)
    media_url_override: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 1000

    # --- for the tests --------------------------------------------------------------

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The message bodies POSTed to ``/messages``, in order."""
        return [c.json for c in self.calls if c.path.endswith("/messages") and c.method == "POST"]

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if _kind(c.method, c.path, self.phone_number_id) == kind]

    def fail_next(self, kind: str, status: int, message: str = "", code: int = 0) -> None:
        """The next call of ``kind`` (``messages``, ``media``, ``media_url``, ``download``,
        ``number``) answers ``status`` with Meta's error body."""
        body = {
            "error": {
                "message": message or f"({status}) failure",
                "type": "OAuthException",
                "code": code or status,
                "fbtrace_id": "AbCdEf",
            }
        }
        self.scripted.setdefault(kind, []).append((status, body))

    def webhook(self, value: dict[str, Any]) -> dict[str, Any]:
        """A webhook payload as Meta sends it, with one change of the ``messages``
        field whose ``value`` is ``value`` (plus the number's metadata)."""
        metadata = {"display_phone_number": "15550001111", "phone_number_id": self.phone_number_id}
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": metadata,
                                **value,
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    def signed(self, payload: dict[str, Any]) -> tuple[bytes, str]:
        """The raw body and its ``X-Hub-Signature-256`` value."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return body, f"sha256={digest}"

    # --- what the handler calls -----------------------------------------------------

    def next_id(self) -> int:
        with self.lock:
            self._next += 1
            return self._next

    def handle(self, call: Call) -> tuple[int, dict[str, Any] | bytes, str]:
        with self.lock:
            self.calls.append(call)
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return 401, _error(401, "Invalid OAuth access token.", 190), ""
        kind = _kind(call.method, call.path, self.phone_number_id)
        with self.lock:
            scripted = self.scripted.get(kind) or []
            answer = scripted.pop(0) if scripted else None
        if answer is not None:
            return answer[0], answer[1], ""
        return self._normal(kind, call)

    def _normal(self, kind: str, call: Call) -> tuple[int, dict[str, Any] | bytes, str]:
        if kind == "messages":
            to = str(call.json.get("to") or "")
            wamid = f"wamid.HBgL{to}FQIAERgSQUFBQkJCQ0NDREREAAAAAAAAAAA{self.next_id()}"
            return (
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}],
                },
                "",
            )
        if kind == "media":
            upload = call.files.get("file")
            if upload is None:
                return 400, _error(400, "Param file is required", 100), ""
            media_id = str(self.next_id())
            with self.lock:
                self.media[media_id] = (upload[1], upload[2])
            return 200, {"id": media_id}, ""
        if kind == "number":
            return (
                200,
                {
                    "verified_name": "Seed Shop",
                    "display_phone_number": "+1 555-000-1111",
                    "id": self.phone_number_id,
                    "quality_rating": "GREEN",
                },
                "",
            )
        media_id = call.path.strip("/").split("/")[-1]
        if media_id not in self.media:
            return 404, _error(404, "Unsupported get request.", 100), ""
        content, content_type = self.media[media_id]
        if kind == "download":
            return 200, content, content_type
        url = self.media_url_override or f"{self.url}/download/{media_id}"
        return (
            200,
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": content_type,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": len(content),
                "id": media_id,
            },
            "",
        )


def _kind(method: str, path: str, phone_number_id: str) -> str:
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts and parts[0].startswith("v") and parts[0][1:].replace(".", "").isdigit():
        parts = parts[1:]  # the API version
    if parts[:1] == ["download"]:
        return "download"
    if parts == [phone_number_id]:
        return "number"
    if len(parts) == 2 and parts[0] == phone_number_id:
        return parts[1]  # messages, media
    return "media_url"


def _error(status: int, message: str, code: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, Any]]:
    message = message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=policy.HTTP
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename:
            files[name] = (filename, payload, part.get_content_type())
        else:
            fields[name] = payload.decode()
    return fields, files


def handler_for(api: FakeGraphApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _call(self) -> Call:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            data: dict[str, Any] = {}
            fields: dict[str, str] = {}
            files: dict[str, Any] = {}
            if content_type.startswith("application/json") and body:
                data = json.loads(body)
            elif content_type.startswith("multipart/form-data"):
                fields, files = _multipart(content_type, body)
            headers = {k.lower(): v for k, v in self.headers.items()}
            return Call(self.command, self.path, data, fields, files, headers)

        def _answer(self) -> None:
            status, body, content_type = api.handle(self._call())
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = _answer
        do_POST = _answer

    return Handler


class FakeGraphServer:
    def __init__(self, api: FakeGraphApi) -> None:
        self.api = api
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(api))
        self.server.daemon_threads = True
        api.url = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGraphApi:
        self.thread.start()
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
