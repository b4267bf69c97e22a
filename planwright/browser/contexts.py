"""The one context factory: every browser context Planwright opens (crawl, exploration, verification,
a login, the edge-case step) is made here, so they all start the same way.

Why one place: a case must be observed and verified in the same kind of context (logged in the same
way, same headers). The plan's locale and time zone are set here as well (`schemas.browser_locale`), so a
date or a price renders in the crawl as it does when the case is verified and in the exported test.
Chromium's own validation messages follow the browser's UI language packs, not the context: where
only en-US is installed they stay English whatever the locale.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext

from planwright.browser.policy_route import new_policy_context
from planwright.schemas import AuthSpec, BrowserLocale


def locale_options(locale: BrowserLocale | None) -> dict[str, Any]:
    """Playwright `new_context` options for `locale` (none: the browser's defaults)."""
    if locale is None:
        return {}
    return {"locale": locale.locale, "timezone_id": locale.timezone_id}


def context_options(auth: AuthSpec | None) -> dict[str, Any]:
    """Playwright `new_context` options that log a context in as `auth` says."""
    if auth is None:
        return {}
    options: dict[str, Any] = {}
    if auth.storage_state:
        options["storage_state"] = auth.storage_state
    if auth.headers:
        options["extra_http_headers"] = dict(auth.headers)
    if auth.basic_username is not None:
        options["http_credentials"] = {"username": auth.basic_username, "password": auth.basic_password or ""}
    return options


def new_context(
    browser: Browser, auth: AuthSpec | None, *, locale: BrowserLocale | None = None, **extra: Any
) -> BrowserContext:
    """A fresh context logged in as `auth` (already resolved), in `locale`, with `extra` Playwright
    options; an explicit `storage_state` in `extra` is used only when `auth` brings none. Every context
    is held to the network policy (planwright/browser/policy_route.py)."""
    options = {**context_options(auth), **locale_options(locale)}
    for key, value in extra.items():
        if key == "storage_state" and "storage_state" in options:
            continue
        options[key] = value
    return new_policy_context(browser, **options)
