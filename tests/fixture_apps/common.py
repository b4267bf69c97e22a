"""What the fixture apps share: a quiet threaded server that counts requests, and the serve helper.

Each app counts requests per (method, path) so tests can prove what the crawler did and did not do
(for example, that "Pay now" was never submitted) from the server's side, not from the crawler's word.
"""

from __future__ import annotations

import html
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def escape(text: str) -> str:
    return html.escape(text, quote=True)


class AppServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that remembers how often each route was requested."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.requests: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def count(self, method: str, path: str) -> None:
        with self.lock:
            self.requests[(method, path)] += 1

    def hits(self, method: str, path: str) -> int:
        with self.lock:
            return self.requests[(method, path)]


class AppHandler(BaseHTTPRequestHandler):
    """Quiet HTTP/1.1 handler with small response helpers."""

    server: AppServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet

    def send_body(
        self,
        body: str,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def read_body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8") if length else ""


@contextmanager
def serve(server: AppServer, name: str) -> Iterator[str]:
    """Serve in a background thread; yield the base URL (no trailing slash)."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
