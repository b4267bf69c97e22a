"""Shared fixtures: the fixture web application and one real Chromium for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from planwright.browser.launch import BrowserHolder
from tests.fixture_site.server import serve_fixture_site

# The fixture apps listen on 127.0.0.1, which the network policy refuses unless told otherwise; set
# before any Settings is built, and inherited by the services the e2e tests start as processes.
os.environ["ALLOW_LOOPBACK_TARGETS"] = "true"


@pytest.fixture(scope="session")
def fixture_site() -> Iterator[str]:
    """Base URL of the fixture site, e.g. "http://127.0.0.1:40123" (no trailing slash)."""
    with serve_fixture_site() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser_holder() -> Iterator[BrowserHolder]:
    holder = BrowserHolder()
    try:
        yield holder
    finally:
        holder.close()


@pytest.fixture(scope="session")
def browser(browser_holder: BrowserHolder) -> Browser:
    """One real Chromium, launched once per test session (the tests' thread owns it)."""
    return browser_holder.browser
