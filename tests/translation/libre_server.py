"""A LibreTranslate-shaped server on loopback for the tests and the benchmark: ``POST
/translate`` (``q`` a text or a list, ``source``, ``target``, ``api_key``), ``POST
/detect`` and ``GET /languages``, answering like the real API. Its ``mode`` makes it
misbehave on purpose: ``error`` (500), ``hang`` (answers after ``hang_s``), ``garbage``
(200 with a body that is not a translation). Translations come from a small word table
between Russian and English, so tests can read them."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORDS = {
    ("ru", "en"): {
        "привет": "hello",
        "где": "where",
        "мой": "my",
        "заказ": "order",
        "спасибо": "thank you",
        "доставка": "delivery",
    },
    ("en", "ru"): {
        "hello": "здравствуйте",
        "your": "ваш",
        "order": "заказ",
        "is": "",
        "on": "в",
        "the": "",
        "way": "пути",
        "thanks": "спасибо",
    },
}


def translate_words(text: str, source: str, target: str) -> str:
    if source == "auto":
        source = "ru" if any("\u0400" <= c <= "\u04ff" for c in text) else "en"
    table = WORDS.get((source, target), {})
    words = [table.get(w.strip("?!.,").lower(), w) for w in text.split()]
    return " ".join(w for w in words if w) or text


class LibreServer:
    def __init__(self) -> None:
        self.mode = "ok"
        self.hang_s = 5.0
        self.delay_s = 0.0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API's servers
            # and no Nagle on its sockets, as production HTTP servers: else the body,
            # written after the headers, waits for the client's delayed ACK (40 ms on
            # Linux) on every answer, a delay no real provider adds
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._answer(self, "GET", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                server._answer(self, "POST", body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def calls(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for p, body in self.requests if p == path]

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, body: dict[str, Any]) -> None:
        path = handler.path.split("?")[0]
        with self._lock:
            self.requests.append((path, body))
        if self.mode == "hang":
            time.sleep(self.hang_s)
        elif self.delay_s:
            time.sleep(self.delay_s)
        if self.mode == "error":
            return self._send(handler, 500, {"error": "internal"})
        if self.mode == "garbage":
            return self._send(handler, 200, {"unexpected": [1, 2, 3]})
        if path == "/languages" and method == "GET":
            return self._send(
                handler,
                200,
                [
                    {"code": "en", "name": "English", "targets": ["ru", "de"]},
                    {"code": "ru", "name": "Russian", "targets": ["en", "de"]},
                    {"code": "de", "name": "German", "targets": ["en", "ru"]},
                ],
            )
        if path == "/detect":
            text = str(body.get("q") or "")
            language = "de" if any(c in text for c in "äöüß") or "Hallo" in text else "en"
            return self._send(handler, 200, [{"language": language, "confidence": 90.0}])
        if path == "/translate":
            q = body.get("q")
            texts = q if isinstance(q, list) else [q]
            out = [
                translate_words(str(t), body.get("source", "auto"), body["target"]) for t in texts
            ]
            return self._send(
                handler, 200, {"translatedText": out if isinstance(q, list) else out[0]}
            )
        return self._send(handler, 404, {"error": "not found"})

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, data: Any) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main() -> None:
    """``python -m tests.translation.libre_server --delay 0.05``: serves until stopped
    (the benchmark runs it in a process of its own); prints its address first."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    server = LibreServer()
    server.delay_s = args.delay
    print(server.url, flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
