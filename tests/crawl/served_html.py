"""Serve one HTML document at a real URL inside a page, so context init scripts run before its scripts
(`page.set_content` reuses about:blank, where they have already run)."""

from __future__ import annotations

from playwright.sync_api import Page, Route

APP_URL = "http://app.planwright.test/"


def open_html(page: Page, html: str) -> None:
    """Navigate the page to APP_URL answered with `html` (no network)."""

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route(APP_URL, fulfil)
    page.goto(APP_URL)
