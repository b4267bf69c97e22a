"""A small, real web application the crawler and the verifier are tested against.

Stdlib only (ThreadingHTTPServer), so tests need no mocks: real Chromium, real HTTP. Run it alone with
`python -m tests.fixture_site.server --port 8765`.
"""

from __future__ import annotations

import argparse
import html
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

VALID_EMAIL = "qa@example.com"
VALID_PASSWORD = "secret"
SESSION_COOKIE = "fixture_session"
SESSION_VALUE = "logged-in"
PRODUCTS = ["Red mug", "Blue mug", "Кружка зелёная"]
BUSY_PAGE = (
    "<!doctype html><html><head><title>Busy</title></head><body><h1>Busy</h1>"
    "<script>addEventListener('load', () => setTimeout(() => { for (;;) {} }, 0));</script></body></html>"
)
SLOW_PAGE_HOLD_S = 120.0  # /slow keeps its connection open this long unless the server shuts down

NAV_LINKS = [("/", "Главная"), ("/contacts", "Контакты"), ("/login", "Login"), ("/search", "Search"),
             ("/about", "About")]


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def layout(title: str, body: str) -> str:
    """Every page shares the nav bar, so the crawler sees the same links on each page."""
    nav = "\n".join(f'    <li><a href="{href}">{escape(label)}</a></li>' for href, label in NAV_LINKS)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(title)}</title>
  <style>
    body {{ font-family: sans-serif; margin: 2rem; }}
    nav ul {{ list-style: none; display: flex; gap: 1rem; padding: 0; }}
    .error {{ color: #b00; }}
  </style>
</head>
<body>
<nav aria-label="Main">
  <ul>
{nav}
  </ul>
</nav>
<main>
{body}
</main>
</body>
</html>
"""


def home_page() -> str:
    cards = "\n".join(
        f'  <li><span>{escape(name)}</span> '
        f'<button type="button" data-testid="add-to-cart-{index}">Add to cart</button></li>'
        for index, name in enumerate(PRODUCTS[:2], start=1)
    )
    return layout("Fixture Shop", f"""
<h1>Fixture Shop — Главная</h1>
<p>Welcome to the fixture shop. Добро пожаловать! Mugs for every taste.</p>
<button type="button" id="details-open"
        onclick="document.getElementById('details').showModal()">Подробнее</button>
<button type="button" data-testid="cart-icon"><svg aria-hidden="true" width="16" height="16">
  <circle cx="8" cy="8" r="6"></circle></svg></button>
<h2>Popular</h2>
<ul class="products">
{cards}
</ul>
<dialog id="details" aria-labelledby="details-title">
  <h2 id="details-title">Details</h2>
  <p>We ship mugs within three days.</p>
  <button type="button" onclick="this.closest('dialog').close()">Close</button>
</dialog>
""")


def contacts_page(sent: bool = False) -> str:
    thanks = '<p role="status">Thank you, your message was sent.</p>' if sent else ""
    return layout("Контакты — Fixture Shop", f"""
<h1>Контакты</h1>
<address>Москва, ул. Тестовая, д. 1</address>
<p>Write to us: <a href="mailto:shop@example.com">shop@example.com</a>,
call <a href="tel:+74950000000">+7 495 000-00-00</a>.</p>
<p><a href="/file.pdf">Price list (PDF)</a></p>
<button type="button" onclick="alert('Call us: +7 495 000-00-00')">Show phone</button>
{thanks}
<h2>Feedback</h2>
<form method="post" action="/contacts">
  <p><label for="name">Your name</label> <input id="name" name="name" type="text"></p>
  <p><label for="message">Message</label> <textarea id="message" name="message" required></textarea></p>
  <p><button type="submit">Send</button></p>
</form>
""")


def about_page() -> str:
    return layout("About — Fixture Shop", """
<h1>About us</h1>
<p>We are a small shop that exists only to be crawled by tests.</p>
<p><a href="https://example.org/partner">Our partner</a> · <a href="/missing">Old catalogue</a></p>
<p><a href="/">Back to home</a></p>
""")


def login_page(errors: list[str] | None = None, email: str = "") -> str:
    alert = ""
    if errors:
        items = "".join(f"<li>{escape(error)}</li>" for error in errors)
        alert = f'<div role="alert" class="error"><ul>{items}</ul></div>'
    return layout("Login — Fixture Shop", f"""
<h1>Login</h1>
{alert}
<form method="post" action="/login" data-testid="login-form">
  <p><label for="email">Email</label>
     <input id="email" name="email" type="email" required value="{escape(email)}" autocomplete="username"></p>
  <p><label for="password">Password</label>
     <input id="password" name="password" type="password" required autocomplete="current-password"></p>
  <p><label><input type="checkbox" name="remember"> Remember me</label></p>
  <p><button type="submit">Sign in</button></p>
</form>
""")


def account_page() -> str:
    return layout("My account — Fixture Shop", """
<h1>My account</h1>
<p>You are signed in as qa@example.com.</p>
<p><a href="/logout">Log out</a></p>
""")


def search_page(query: str | None) -> str:
    results = ""
    if query is not None and query.strip():
        needle = query.strip().casefold()
        found = [name for name in PRODUCTS if needle in name.casefold()]
        items = "\n".join(f"  <li>{escape(name)}</li>" for name in found)
        listing = f'<ul class="results">\n{items}\n</ul>' if found else "<p>Nothing found</p>"
        results = f"<h2>Results for “{escape(query)}”</h2>\n{listing}"
    return layout("Search — Fixture Shop", f"""
<h1>Search</h1>
<form method="get" action="/search" role="search">
  <p><label for="q">Query</label>
     <input id="q" name="q" type="search" placeholder="Search products" value="{escape(query or '')}"></p>
  <p><label for="sort">Sort by</label>
     <select id="sort" name="sort"><option>Relevance</option><option>Price</option></select></p>
  <p><label><input type="checkbox" name="in_stock"> In stock only</label></p>
  <p><button type="submit">Find</button></p>
</form>
{results}
""")


def newsletter_page(question_missing: bool = False) -> str:
    """Not linked from any page (the crawl tests count pages): open it by its URL."""
    alert = '<div role="alert" class="error">Please write your question</div>' if question_missing else ""
    return layout("Newsletter — Fixture Shop", f"""
<h1>Newsletter</h1>
<h2>Subscribe</h2>
<form method="post" action="/newsletter/subscribe">
  <p><label for="topic">Topic</label>
     <select id="topic" name="topic"><option>New mugs</option><option>Discounts</option></select></p>
  <p><button type="submit">Subscribe</button></p>
</form>
<h2>Ask us</h2>
{alert}
<form method="post" action="/newsletter">
  <p><label for="question">Question</label> <textarea id="question" name="question"></textarea></p>
  <p><button type="submit">Ask</button></p>
</form>
""")


def subscribed_page(topic: str) -> str:
    return layout("Subscribed — Fixture Shop", f"""
<h1>Subscribed</h1>
<p role="status">Thank you, you are subscribed to {escape(topic)}.</p>
""")


def not_found_page() -> str:
    return layout("Not found — Fixture Shop", "<h1>Page not found</h1>\n<p>There is no such page.</p>")


PDF_BODY = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class FixtureServer(ThreadingHTTPServer):
    """Knows when it is stopping, so /slow handlers can let go instead of holding threads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, FixtureHandler)
        self.stopping = threading.Event()


class FixtureHandler(BaseHTTPRequestHandler):
    server: FixtureServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet

    # ------------------------------------------------------------ responses

    def send_html(self, body: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
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

    def logged_in(self) -> bool:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        morsel = cookie.get(SESSION_COOKIE)
        return morsel is not None and morsel.value == SESSION_VALUE

    def read_form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}

    # ------------------------------------------------------------ routes

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/":
            self.send_html(home_page())
        elif path == "/contacts":
            self.send_html(contacts_page())
        elif path == "/about":
            self.send_html(about_page())
        elif path == "/login":
            self.send_html(login_page())
        elif path == "/account":
            if self.logged_in():
                self.send_html(account_page())
            else:
                self.redirect("/login")
        elif path == "/logout":
            self.redirect("/", {"Set-Cookie": f"{SESSION_COOKIE}=; Path=/; Max-Age=0"})
        elif path == "/search":
            query = parse_qs(parts.query, keep_blank_values=True).get("q", [None])[0]
            self.send_html(search_page(query))
        elif path == "/newsletter":
            self.send_html(newsletter_page())
        elif path == "/newsletter/thanks":
            topic = parse_qs(parts.query).get("topic", ["New mugs"])[0]
            self.send_html(subscribed_page(topic))
        elif path == "/file.pdf":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF_BODY)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(PDF_BODY)
        elif path == "/slow":
            self.serve_slow()
        elif path == "/busy":  # loads, then its script never yields: the browser's page stays busy
            self.send_html(BUSY_PAGE)
        else:
            self.send_html(not_found_page(), status=404)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = self.read_form()
        if path == "/login":
            email, password = form.get("email", "").strip(), form.get("password", "")
            errors = []
            if not email:
                errors.append("Email is required")
            if not password:
                errors.append("Password is required")
            if not errors and (email != VALID_EMAIL or password != VALID_PASSWORD):
                errors.append("Invalid email or password")
            if errors:
                self.send_html(login_page(errors, email), status=422)
            else:
                cookie = f"{SESSION_COOKIE}={SESSION_VALUE}; Path=/; HttpOnly; SameSite=Lax"
                self.redirect("/account", {"Set-Cookie": cookie})
        elif path == "/contacts":
            self.send_html(contacts_page(sent=True))
        elif path == "/newsletter/subscribe":  # post, redirect, get: lands on a 200 page with a notice
            self.redirect("/newsletter/thanks?" + urlencode({"topic": form.get("topic", "")}))
        elif path == "/newsletter":  # server-side validation: the same page again, 200, with an alert
            if form.get("question", "").strip():
                self.redirect("/newsletter/thanks?topic=answers")
            else:
                self.send_html(newsletter_page(question_missing=True))
        else:
            self.send_html(not_found_page(), status=404)

    def serve_slow(self) -> None:
        """Headers and half a page, then silence: the page never finishes loading."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = "<!doctype html><html><head><title>Slow</title></head><body><h1>Loading…".encode()
        try:
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
            deadline = time.monotonic() + SLOW_PAGE_HOLD_S
            while time.monotonic() < deadline and not self.server.stopping.wait(0.2):
                pass
        except OSError:
            pass  # the browser gave up and closed the connection
        self.close_connection = True


def make_server(port: int = 0, host: str = "127.0.0.1") -> FixtureServer:
    return FixtureServer((host, port))


@contextmanager
def serve_fixture_site(port: int = 0) -> Iterator[str]:
    """Serve the fixture site on 127.0.0.1 in a background thread; yield its base URL."""
    server = make_server(port)
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Planwright fixture site.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = make_server(args.port, args.host)
    print(f"Fixture site on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()


if __name__ == "__main__":
    main()
