"""A fault-injecting HTTP proxy on 127.0.0.1 between the bot process and the Bot API emulator.

It forwards every request unchanged, except that a share (``rate``) of the calls of
``methods`` fails the way networks fail Telegram bots (SPEC §13):

* ``5xx_before``: 502 from the proxy; the emulator never sees the call;
* ``429``: Too Many Requests with ``retry_after`` 1; not forwarded;
* ``5xx_after``: forwarded (the message is in the chat), then answered 502;
* ``drop_after``: forwarded, then the connection is closed without an answer;
* ``timeout_after``: forwarded, then no answer until the bot's read timeout passed.

``getUpdates`` and the start-up calls are never failed: the test is about what the
bot sends. The choice is random with a fixed seed, so a run is reproducible.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("5xx_before", "429", "5xx_after", "drop_after", "timeout_after")
SENDING = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup",
                     "answerCallbackQuery", "deleteMessage"})
TIMEOUT_SECONDS = 6.0  # longer than python-telegram-bot's default read timeout (5 s)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up on a held-back answer is what the faults are for: no traceback."""


class FaultProxy:
    """Forwards to ``upstream`` (http://host:port), failing ``rate`` of the calls of ``methods``."""

    def __init__(self, upstream: str, *, seed: int = 8, methods: frozenset[str] = SENDING) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.methods = methods
        self.rate = 0.0
        self.injected: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        """The proxy's base URL (http://127.0.0.1:PORT)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _pick(self, method: str) -> str | None:
        with self._lock:
            if method not in self.methods or self._random.random() >= self.rate:
                return None
            fault = self._random.choice(FAULTS)
            self.injected[fault] += 1
            return fault

    def _forward(self, verb: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(verb, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
                return

            def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None) -> None:
                self.send_response(status)
                for name, value in headers or [("Content-Type", "application/json")]:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, description: str, parameters: dict[str, object] | None = None) -> None:
                data: dict[str, object] = {"ok": False, "error_code": status, "description": description}
                if parameters:
                    data["parameters"] = parameters
                self._answer(status, json.dumps(data).encode())

            def _relay(self, verb: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = urlsplit(self.path).path.rsplit("/", 1)[-1]
                fault = proxy._pick(method)
                if fault == "5xx_before":
                    self._error(502, "Bad Gateway")
                    return
                if fault == "429":
                    self._error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                status, answer_headers, data = proxy._forward(verb, self.path, headers, body)
                with proxy._lock:
                    proxy.forwarded[method] += 1
                if fault == "5xx_after":
                    self._error(502, "Bad Gateway")
                elif fault in ("drop_after", "timeout_after"):
                    if fault == "timeout_after":
                        time.sleep(TIMEOUT_SECONDS)
                    self.close_connection = True  # no answer at all
                else:
                    self._answer(status, data, answer_headers)

            def do_POST(self) -> None:  # noqa: N802 - the base class's name
                self._relay("POST")

            def do_GET(self) -> None:  # noqa: N802
                self._relay("GET")

        return Handler
