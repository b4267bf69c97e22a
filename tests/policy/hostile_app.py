"""A hostile site for the network policy's tests, and a 'secret' server standing in for a service
nobody may reach (this deployment's own api). The secret server counts every request it gets, so a
test proves from the server's side that nothing reached it, not from the crawler's word."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from tests.fixture_apps.common import AppHandler, AppServer, serve

METADATA_URL = "http://169.254.169.254/latest/meta-data/"


class SecretHandler(AppHandler):
    def do_GET(self) -> None:
        self.server.count("GET", self.path)
        self.send_body("<h1>Secret</h1><p>aws_secret_access_key=never-shown</p>")

    do_POST = do_GET


def hostile_handler(secret: str) -> type[AppHandler]:
    class HostileHandler(AppHandler):
        def do_GET(self) -> None:
            self.server.count("GET", self.path)
            if self.path == "/start":  # the start URL moves the crawl to a denied address
                self.redirect(f"{secret}/")
            elif self.path == "/hop":  # an allowed hop first: only a check of every hop catches it
                self.redirect("/start")
            elif self.path == "/elsewhere":  # another site the policy allows: still not followed
                self.redirect(f"http://localhost:{self.server.server_address[1]}/ok")
            elif self.path == "/redirected-image":
                self.redirect(f"{secret}/pixel-by-redirect.png")
            elif self.path == "/page":
                self.send_body(
                    "<title>Hostile</title><h1>Hostile</h1>"
                    f'<link rel="stylesheet" href="{secret}/style.css">'
                    f'<img src="{secret}/pixel.png" alt="pixel">'
                    '<img src="/redirected-image" alt="redirected">'
                    f'<iframe src="{secret}/frame"></iframe>'
                    f'<script>fetch("{secret}/api").catch(() => {{}})</script>'
                    f'<a href="{METADATA_URL}">Metadata</a> <a href="/hop">Chain</a> <a href="/ok">Fine</a>'
                )
            elif self.path == "/form":
                self.send_body('<form method="post" action="/ok"><input name="q"><button>Go</button></form>')
            else:
                self.send_body("<title>Fine</title><h1>Fine</h1>")

        def do_POST(self) -> None:
            self.server.count("POST", self.path)
            body = self.read_body()
            self.send_body(f"<title>Posted</title><h1>Posted {body}</h1>")

    return HostileHandler


@dataclass
class HostileSite:
    url: str
    secret_url: str
    site: AppServer
    secret: AppServer

    @property
    def secret_port(self) -> int:
        return int(self.secret.server_address[1])

    def secret_hits(self) -> int:
        return sum(self.secret.requests.values())


@contextmanager
def serve_hostile_site() -> Iterator[HostileSite]:
    with ExitStack() as stack:
        secret = AppServer(("127.0.0.1", 0), SecretHandler)
        secret_url = stack.enter_context(serve(secret, "secret-server"))
        site = AppServer(("127.0.0.1", 0), hostile_handler(secret_url))
        url = stack.enter_context(serve(site, "hostile-site"))
        yield HostileSite(url=url, secret_url=secret_url, site=site, secret=secret)
