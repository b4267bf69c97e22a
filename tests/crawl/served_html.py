"""Serve one HTML document at a real URL inside a page, so context init scripts run before its scripts
(`page.set_content` reuses about:blank, where they have already run)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, Route

from planwright.crawl.explore import explore_page
from planwright.crawl.extract import extract_page
from planwright.schemas import CrawlOptions, ObservedBehaviour, PageSnapshot
from tests.fixture_apps.common import AppHandler, AppServer, serve

APP_URL = "http://app.planwright.test/"


def open_html(page: Page, html: str) -> None:
    """Navigate the page to APP_URL answered with `html` (no network)."""

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route(APP_URL, fulfil)
    page.goto(APP_URL)


@contextmanager
def explored_one_page(
    browser: Browser, html: str, name: str, options: CrawlOptions
) -> Iterator[tuple[PageSnapshot, list[ObservedBehaviour]]]:
    """Serve `html` at a real loopback URL (exploration opens fresh contexts that load it again),
    snapshot it and explore it; the server stays up while the caller verifies what was explored."""

    class Handler(AppHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_body(html)

    with serve(AppServer(("127.0.0.1", 0), Handler), name) as base_url:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(base_url + "/")
            snapshot = extract_page(page)
        finally:
            context.close()
        yield snapshot, explore_page(browser.new_context, snapshot, options)
