"""A local Telegram Bot API for the tests: a threaded HTTP server on 127.0.0.1 that
speaks the real protocol (``/bot<token>/<method>`` with JSON or multipart bodies,
``/file/bot<token>/<file_path>`` downloads, ``{"ok": ..., "result": ...}`` answers,
``429`` with ``parameters.retry_after``) and records what it received."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str
    fields: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]  # field -> (file name, bytes, content type)
    at: float


@dataclass
class FakeBotApi:
    token: str
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    # file_id -> (file_path, bytes) that getFile and downloads serve
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # method -> answers (status, body) given before the normal one, first first
    scripted: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    raw_paths: list[str] = field(default_factory=list)
    _next_id: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def answer_next(self, method: str, status: int, body: dict[str, Any]) -> None:
        self.scripted.setdefault(method, []).append((status, body))

    def too_many_requests(self, method: str, retry_after: int) -> None:
        self.answer_next(
            method,
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
        )

    # --- what the handler calls --------------------------------------------------------

    def handle(self, method: str, fields: dict[str, Any], files: dict) -> tuple[int, dict]:
        with self.lock:
            self.calls.append(Call(method, fields, files, time.monotonic()))
            queued = self.scripted.get(method)
            if queued:
                return queued.pop(0)
            self._next_id += 1
            message_id = self._next_id
        return 200, {"ok": True, "result": self._result(method, fields, message_id)}

    def _result(self, method: str, fields: dict[str, Any], message_id: int) -> Any:
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            return {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(fields.get("chat_id", 0)), "type": "private"},
            }
        if method == "getFile":
            file_id = fields.get("file_id")
            path, content = self.files.get(file_id, ("", b""))
            return {"file_id": file_id, "file_size": len(content), "file_path": path}
        if method == "setWebhook":
            self.webhook = {
                "url": fields.get("url", ""),
                "secret_token": fields.get("secret_token"),
            }
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        if method == "getMe":
            return {"id": 7001, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}
        return True


class _Handler(BaseHTTPRequestHandler):
    api: FakeBotApi

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        api = self.server.api  # type: ignore[attr-defined]
        api.raw_paths.append(self.path)
        prefix = f"/file/bot{api.token}/"
        if not self.path.startswith(prefix):
            self._send(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
            return
        path = self.path[len(prefix) :]
        api.downloads.append(path)
        for file_path, content in api.files.values():
            if file_path == path:
                self._send(200, content, "application/octet-stream")
                return
        self._send(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')

    def do_POST(self) -> None:
        api = self.server.api  # type: ignore[attr-defined]
        api.raw_paths.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        prefix = f"/bot{api.token}/"
        if not self.path.startswith(prefix):
            self._send(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
            return
        method = self.path[len(prefix) :]
        fields, files = _parse(self.headers.get("Content-Type", ""), body)
        status, answer = api.handle(method, fields, files)
        self._send(status, json.dumps(answer).encode())


def _parse(content_type: str, body: bytes) -> tuple[dict[str, Any], dict]:
    if content_type.startswith("application/json"):
        return (json.loads(body or b"{}"), {})
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = message_from_bytes(head + body, policy=policy.default)
        fields: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename:
                files[name] = (filename, payload, part.get_content_type())
            else:
                text = payload.decode()
                try:
                    fields[name] = json.loads(text) if text[:1] in "{[" else text
                except ValueError:
                    fields[name] = text
        return fields, files
    return {}, {}


def start(token: str) -> tuple[FakeBotApi, ThreadingHTTPServer]:
    api = FakeBotApi(token=token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.api = api  # type: ignore[attr-defined]
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api, server
