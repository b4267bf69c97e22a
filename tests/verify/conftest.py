"""Fixtures for the verifier's tests: the browser's own wording of an HTML5 "required" message."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def required_message(browser: Browser) -> str:
    """Chromium's message for an empty required field, in whatever locale this machine runs it."""
    page = browser.new_page()
    try:
        page.set_content("<input required>")
        return str(page.locator("input").evaluate("el => el.validationMessage"))
    finally:
        page.close()
