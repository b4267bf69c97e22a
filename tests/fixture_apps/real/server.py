"""One static server for the real-world-idiom apps: each app is a folder with an `index.html` (and maybe a
second page), served at the root of its own loopback server so its scenarios' pages read "/".

Why one server per app: a crawl starts at the base URL and must not wander into the other apps; why a
shared `icons.css`: the icon-only buttons need their glyphs without a CDN (the tests have no network).
Run one alone with `python -m tests.fixture_apps.real.server todo-vanilla --port 8780`.
"""

from __future__ import annotations

import argparse
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.fixture_apps.common import AppHandler, AppServer, serve

REAL_DIR = Path(__file__).resolve().parent
SHARED_FILES = {"/icons.css": REAL_DIR / "icons.css"}


def real_app_names() -> list[str]:
    """Every app folder that has an index page, sorted (the benchmark's `real` group)."""
    return sorted(path.parent.name for path in REAL_DIR.glob("*/index.html"))


class StaticAppHandler(AppHandler):
    """GET/HEAD of the app folder's files; "/" and "/x/" mean their index.html."""

    app_dir: Path

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.server.count(self.command, path)
        if path == "/favicon.ico":  # none of the apps has one; a 404 would be a console error in every test
            self.send_body("", status=204, content_type="image/x-icon")
            return
        file = SHARED_FILES.get(path) or self.app_dir / path.lstrip("/")
        if path.endswith("/"):
            file = file / "index.html"
        try:
            inside = file.resolve().is_relative_to(self.app_dir.resolve()) or path in SHARED_FILES
        except OSError:
            inside = False
        if not inside or not file.is_file():
            self.send_body("<!doctype html><title>Not found</title><h1>Not found</h1>", status=404)
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        self.send_body(file.read_text(encoding="utf-8"), content_type=content_type)


def make_real_app_server(name: str, port: int = 0, host: str = "127.0.0.1") -> AppServer:
    """A server for one app by its folder name (ValueError for an unknown one)."""
    app_dir = REAL_DIR / name
    if not (app_dir / "index.html").is_file():
        raise ValueError(f"unknown real app {name!r}; choose from {', '.join(real_app_names())}")
    handler = type(f"{name}Handler", (StaticAppHandler,), {"app_dir": app_dir})
    return AppServer((host, port), handler)


@contextmanager
def serve_real_app(name: str, port: int = 0, server: AppServer | None = None) -> Iterator[str]:
    """Serve one app on 127.0.0.1 in a background thread; yield its base URL (no trailing slash)."""
    with serve(server or make_real_app_server(name, port), f"real-app-{name}") as base_url:
        yield base_url


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve one of Planwright's real-world-idiom apps.")
    parser.add_argument("name", choices=real_app_names())
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = make_real_app_server(args.name, args.port, args.host)
    print(f"{args.name} on http://{args.host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
