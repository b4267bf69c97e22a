"""A team's login headers and basic credentials reach the plan's own site and no other: not a page's
third-party sub-resources, not its fetches, not the site a redirect leads to (issue 12, item 2).

Two real servers on loopback, two origins: the plan's site and "elsewhere", which records every header
it is sent. Before the fix, `extra_http_headers` sent the token to both and `http_credentials` answered
any server's 401.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.contexts import new_context, origin_of
from planwright.schemas import AuthSpec

TOKEN = "Bearer team-secret-4c1d"
PASSWORD = "basic-secret-9e2a"


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, page: str = "") -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.page = page
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RecordingHandler(BaseHTTPRequestHandler):
    server: RecordingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        with self.server.lock:
            self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.path.startswith("/basic") and "authorization" not in {k.lower() for k in self.headers}:
            self._send(401, "", {"WWW-Authenticate": 'Basic realm="x"'})
        elif self.path.startswith("/redirect-to="):
            self._send(302, "", {"Location": self.path.removeprefix("/redirect-to=")})
        elif self.path == "/":
            self._send(200, self.server.page, {"Content-Type": "text/html"})
        else:
            self._send(200, "ok", {"Content-Type": "text/plain", "Access-Control-Allow-Origin": "*"})

    def _send(self, status: int, body: str, headers: dict[str, str]) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serving(server: RecordingServer) -> Iterator[RecordingServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def sites() -> Iterator[tuple[RecordingServer, RecordingServer]]:
    with serving(RecordingServer()) as elsewhere:
        page = (
            f'<img src="{elsewhere.url}/pixel.png"><script src="{elsewhere.url}/tracker.js"></script>'
            f'<script>fetch("{elsewhere.url}/api")</script><h1>Plan site</h1>'
        )
        with serving(RecordingServer(page)) as site:
            yield site, elsewhere


def test_headers_go_to_the_plan_origin_only(browser: Browser, sites: tuple[RecordingServer, RecordingServer]) -> None:
    site, elsewhere = sites
    auth = AuthSpec(headers={"Authorization": TOKEN}, storage_state={"cookies": [
        {"name": "sid", "value": "cookie-1", "domain": "127.0.0.1", "path": "/"}
    ], "origins": []})
    context = new_context(browser, auth, origin=site.url)
    try:
        page = context.new_page()
        page.goto(site.url + "/", wait_until="networkidle")
        page.goto(f"{site.url}/redirect-to={elsewhere.url}/landing", wait_until="load")
        assert page.url == f"{elsewhere.url}/landing"
    finally:
        context.close()
    site_requests = dict(site.seen)
    assert site_requests["/"]["authorization"] == TOKEN
    assert "sid=cookie-1" in site_requests["/"].get("cookie", ""), "the session cookie must survive the header"
    assert {path for path, _ in elsewhere.seen} >= {"/pixel.png", "/tracker.js", "/api", "/landing"}
    leaked = [path for path, headers in elsewhere.seen if headers.get("authorization") == TOKEN]
    assert leaked == [], f"the team's token reached another origin: {leaked}"


def test_basic_credentials_answer_only_the_plan_origin(
    browser: Browser, sites: tuple[RecordingServer, RecordingServer]
) -> None:
    site, elsewhere = sites
    auth = AuthSpec(basic_username="qa", basic_password=PASSWORD)
    context = new_context(browser, auth, origin=site.url)
    try:
        page = context.new_page()
        assert page.goto(site.url + "/basic").status == 200
        try:  # Chromium cancels the challenge of an origin it has no credentials for
            status = page.goto(elsewhere.url + "/basic").status
        except PlaywrightError as error:
            assert "ERR_INVALID_AUTH_CREDENTIALS" in error.message
        else:
            assert status == 401
    finally:
        context.close()
    assert any("authorization" in headers for path, headers in site.seen if path == "/basic")
    assert not any("authorization" in headers for _, headers in elsewhere.seen)


def test_a_login_without_an_origin_is_refused_loudly(browser: Browser) -> None:
    with pytest.raises(ValueError, match="origin"):
        new_context(browser, AuthSpec(headers={"X-Team": "1"}))


def test_origin_of_fills_default_ports() -> None:
    assert origin_of("HTTPS://Example.COM/a?b") == "https://example.com:443"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
