"""A hostile site (issue 12): what a crawled page may do to the crawler, in the idioms attackers and
broken sites use — a redirect loop, an alert() loop, a link and an image pointing at the cloud
metadata address, markup and spreadsheet formulas in names, and a page of 20 000 elements.

Each page is linked from the start page, so one crawl meets all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.fixture_apps.common import AppHandler, AppServer, serve

METADATA = "http://169.254.169.254/latest/meta-data/"
SCRIPT_NAME = "<script>alert('pwned')</script>"
FORMULA_NAME = '=HYPERLINK("http://evil.example/","Click for prize")'
HUGE_ELEMENTS = 20_000

START = f"""<!doctype html><html><head><title>Hostile start</title></head><body>
<h1>Hostile start</h1>
<img src="{METADATA}pixel.png" alt="tracker">
<nav>
  <a href="/loop">Redirect loop</a>
  <a href="/alerts">Alert storm</a>
  <a href="/huge">Huge page</a>
  <a href="/names">Odd names</a>
  <a href="{METADATA}">Cloud metadata</a>
</nav>
</body></html>"""

ALERTS = """<!doctype html><html><head><title>Alert storm</title></head><body>
<h1>Alert storm</h1>
<button id="more" onclick="for (;;) { alert('again'); }">More alerts</button>
<script>let shown = 0; setInterval(() => { shown += 1; alert('storm ' + shown); }, 50);</script>
</body></html>"""

NAMES = f"""<!doctype html><html><head><title>{SCRIPT_NAME}</title></head><body>
<h1>Odd names</h1>
<button onclick="document.getElementById('out').textContent = 'clicked'">{SCRIPT_NAME.replace('<', '&lt;')}</button>
<a href="/start">{FORMULA_NAME}</a>
<p id="out"></p>
</body></html>"""


def huge_page() -> str:
    buttons = "".join(f'<button onclick="void 0">Item {i}</button>' for i in range(HUGE_ELEMENTS))
    return f"<!doctype html><html><head><title>Huge page</title></head><body><h1>Huge page</h1>{buttons}</body></html>"


class HostileHandler(AppHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        path = self.path.split("?", 1)[0]
        self.server.count("GET", path)
        if path in ("/", "/start"):
            self.send_body(START)
        elif path == "/loop":
            self.redirect("/loop-b")
        elif path == "/loop-b":
            self.redirect("/loop")
        elif path == "/alerts":
            self.send_body(ALERTS)
        elif path == "/huge":
            self.send_body(huge_page())
        elif path == "/names":
            self.send_body(NAMES)
        else:
            self.send_body("<h1>Not found</h1>", status=404)


@contextmanager
def serve_hostile_site() -> Iterator[tuple[str, AppServer]]:
    server = AppServer(("127.0.0.1", 0), HostileHandler)
    with serve(server, "hostile-site") as base_url:
        yield base_url, server
