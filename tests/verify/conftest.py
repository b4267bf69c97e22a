"""Fixtures for the verifier's tests: the browser's own wording of an HTML5 "required" message, and
the stateful fixture apps (a to-do list with in-place edit, a shop whose cart survives going back)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.fixture_apps.fixtures import shop_app, todo_app

__all__ = ["required_message", "shop_app", "todo_app"]


@pytest.fixture(scope="session")
def required_message(browser: Browser) -> str:
    """Chromium's message for an empty required field, in whatever locale this machine runs it."""
    page = browser.new_page()
    try:
        page.set_content("<input required>")
        return str(page.locator("input").evaluate("el => el.validationMessage"))
    finally:
        page.close()
