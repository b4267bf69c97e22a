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


def _isolate_xdist_worker() -> None:
    """Give each pytest-xdist worker its own databases and Redis indexes (tests/db.py reads these).

    Modules that share a database name or Redis index run one after the other inside one worker
    (`--dist loadfile`); across workers the suffix and the shift keep them apart.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    number = int(worker[2:])
    os.environ["PLANWRIGHT_TEST_DB_SUFFIX"] = os.environ.get("PLANWRIGHT_TEST_DB_SUFFIX", "") + f"_gw{number}"
    shift = int(os.environ.get("PLANWRIGHT_TEST_REDIS_SHIFT", "0")) + 3 * number
    os.environ["PLANWRIGHT_TEST_REDIS_SHIFT"] = str(shift)


_isolate_xdist_worker()


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


def _module_weight(item: pytest.Item) -> int:
    """Heavier modules first: services as processes, then the real model, then the rest."""
    if item.get_closest_marker("e2e") or item.get_closest_marker("chaos"):
        return 0
    if item.get_closest_marker("model"):
        return 1
    return 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest work first: with `--dist loadfile --no-loadscope-reorder` (scripts/test.sh) the xdist
    workers take files in this order, so the
    few multi-minute e2e modules start at once instead of finishing last while the other worker idles.
    Stable: tests keep their order inside a module (module fixtures are set up once)."""
    items.sort(key=_module_weight)
