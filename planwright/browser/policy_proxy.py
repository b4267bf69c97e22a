"""A forward proxy on loopback that every connection of one browser context goes through, so the
network policy judges what a route handler cannot see: each hop of a redirect chain.

Why a proxy besides the route: Playwright does not call route handlers for requests that redirects
lead to, so `/a → /b → http://169.254.169.254/` would be followed unseen. Chromium sends every
request of a context with a `proxy` to it (loopback included — Playwright drops Chromium's implicit
loopback bypass). The proxy resolves the host itself, judges every address, and connects to an
address it judged, so a name that changes address between the check and the connection (DNS
rebinding) cannot move it either. HTTPS arrives as CONNECT host:port and is tunnelled untouched.
"""

from __future__ import annotations

import errno
import select
import socket
import socketserver
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from planwright.netpolicy import NetworkPolicy

MAX_HEAD_BYTES = 64 * 1024
IDLE_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 15.0
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade"}

Refused = Callable[[str, str], None]  # (url, reason)
UNREACHABLE_HEADER = "X-Planwright-Unreachable"


def _connect_failure(error: OSError) -> str:
    """The crawler's words for a failed connection (as for Chromium's own net::ERR_* codes)."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "the connection timed out"
    if error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "the address is unreachable"
    return f"the connection failed ({error.strerror or error})"


def _read_head(connection: socket.socket) -> tuple[bytes, bytes]:
    """The request or response head (up to the blank line) and whatever body bytes came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(16384)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_HEAD_BYTES:
            raise ValueError("head too large")
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _pipe(first: socket.socket, second: socket.socket) -> None:
    """Copy bytes both ways until one side closes or both stay idle too long."""
    sockets = [first, second]
    while True:
        readable, _, _ = select.select(sockets, [], [], IDLE_TIMEOUT_S)
        if not readable:
            return
        for source in readable:
            target = second if source is first else first
            try:
                chunk = source.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            target.sendall(chunk)


def _with_connection_close(head: bytes, first_line: bytes | None = None) -> bytes:
    """The head with hop-by-hop headers dropped and `Connection: close`, so one connection carries
    one request: Chromium would otherwise reuse it for a request to another host, unjudged."""
    lines = head.split(b"\r\n")
    kept = [first_line if first_line is not None else lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        if line and name not in HOP_BY_HOP:
            kept.append(line)
    kept.append(b"Connection: close")
    return b"\r\n".join(kept) + b"\r\n\r\n"


def _refusal_response(reason: str) -> bytes:
    body = f"Refused by Planwright's network policy: {reason}\n".encode()
    header_reason = reason.encode("ascii", "replace")[:500]
    return (
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"X-Planwright-Refused: " + header_reason + b"\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


class _Handler(socketserver.BaseRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(IDLE_TIMEOUT_S)
        try:
            head, rest = _read_head(client)
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target, version = request_line.split(" ", 2)
        except (OSError, ValueError):
            return
        if method.upper() == "CONNECT":
            self.tunnel(client, target)
        else:
            self.forward(client, method, target, version, head, rest)

    def judged_connection(self, client: socket.socket, url: str, port: int) -> socket.socket | None:
        """A connection to an address the policy allowed for `url`, or None after answering 403."""
        decision = self.server.policy.check_url(url)
        if not decision.allowed:
            self.server.on_refused(url, decision.reason)
            client.sendall(_refusal_response(decision.reason))
            return None
        try:
            return socket.create_connection((decision.addresses[0], port), timeout=CONNECT_TIMEOUT_S)
        except OSError as error:
            # The browser would have said "connection refused"; a proxy can only answer 502, so it
            # names the failure in a header the crawler reads (`policy_route.unreachable_reason`).
            words = _connect_failure(error)
            message = f"Could not connect to {decision.addresses[0]}:{port}: {words}".encode()
            client.sendall(
                b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                + UNREACHABLE_HEADER.encode()
                + b": "
                + words.encode()
                + b"\r\n"
                b"Content-Length: " + str(len(message)).encode() + b"\r\n\r\n" + message
            )
            return None

    def tunnel(self, client: socket.socket, target: str) -> None:
        parts = urlsplit(f"https://{target}/")
        port = parts.port or 443
        upstream = self.judged_connection(client, f"https://{target}/", port)
        if upstream is None:
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            upstream.settimeout(IDLE_TIMEOUT_S)
            _pipe(client, upstream)

    def forward(
        self, client: socket.socket, method: str, target: str, version: str, head: bytes, rest: bytes
    ) -> None:
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            client.sendall(_refusal_response(f"{target[:200]!r} is not an http:// URL a proxy forwards"))
            return
        upstream = self.judged_connection(client, target, parts.port or 80)
        if upstream is None:
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        first_line = f"{method} {path} {version}".encode("latin-1")
        with upstream:
            upstream.settimeout(IDLE_TIMEOUT_S)
            upstream.sendall(_with_connection_close(head, first_line) + rest)
            request_done = threading.Event()

            def send_request_body() -> None:  # a POST's body may still be arriving from the browser
                try:
                    while not request_done.is_set():
                        readable, _, _ = select.select([client], [], [], 0.5)
                        if readable:
                            chunk = client.recv(65536)
                            if not chunk:
                                return
                            upstream.sendall(chunk)
                except OSError:
                    return

            sender = threading.Thread(target=send_request_body, daemon=True)
            sender.start()
            try:
                response_head, response_rest = _read_head(upstream)
                if response_head:
                    client.sendall(_with_connection_close(response_head) + response_rest)
                    while chunk := upstream.recv(65536):
                        client.sendall(chunk)
            except (OSError, ValueError):
                pass
            finally:
                request_done.set()
                sender.join(timeout=1)


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, policy: NetworkPolicy, on_refused: Refused) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.policy = policy
        self.on_refused = on_refused


class PolicyProxy:
    """One context's proxy: start it, give `url` to `new_context(proxy=...)`, close it with the context."""

    def __init__(self, policy: NetworkPolicy, on_refused: Refused) -> None:
        self._server = _ProxyServer(policy, on_refused)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="policy-proxy",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
