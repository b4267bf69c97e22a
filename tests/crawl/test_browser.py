"""Which Chromium gets launched, and the error a person sees when there is none."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.launch import BrowserNotFoundError, find_chromium_executable
from planwright.browser.watchdog import Watchdog
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


def test_watchdog_releases_a_call_stuck_in_a_busy_page(fixture_site: str, browser: Browser) -> None:
    """Playwright's evaluate has no timeout: on /busy (a script that never yields) it would wait for
    ever. Past its deadline the watchdog closes the browser's contexts and the call fails at once."""
    own = browser.browser_type.launch(executable_path=find_chromium_executable())
    try:
        page = own.new_page()
        page.goto(fixture_site + "/busy")
        page.wait_for_timeout(300)  # the loop starts 50 ms after load
        started = time.monotonic()
        with Watchdog(own, after_s=1.0) as watchdog, pytest.raises(PlaywrightError):
            page.evaluate("() => document.title")
        assert watchdog.fired and time.monotonic() - started < 10
        fresh = own.new_page()  # the browser serves the next job
        fresh.goto(fixture_site + "/about")
        assert fresh.title()
    finally:
        own.close()
