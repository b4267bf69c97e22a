"""Which Chromium gets launched, and the error a person sees when there is none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from planwright.crawl.browser import BrowserNotFoundError, find_chromium_executable
from planwright.settings import get_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()


def test_missing_configured_binary_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chromium")
    with pytest.raises(BrowserNotFoundError, match="CHROMIUM_PATH is set to '/nonexistent/chromium'"):
        find_chromium_executable()


def test_session_browser_is_connected(browser: Browser) -> None:
    assert browser.is_connected()
    assert browser.version
