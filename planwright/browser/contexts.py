"""The one context factory: every browser context Planwright opens (crawl, exploration, verification,
a login, the edge-case step) is made here, so they all start the same way.

Why one place: a case must be observed and verified in the same kind of context (logged in the same
way, same headers). The plan's locale and time zone will be set here as well (the next issue), so a
date or a price renders in the crawl as it does when the case is verified.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext

from planwright.browser.policy_route import new_policy_context
from planwright.schemas import AuthSpec


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


def new_context(browser: Browser, auth: AuthSpec | None, **extra: Any) -> BrowserContext:
    """A fresh context logged in as `auth` (already resolved), with `extra` Playwright options; an
    explicit `storage_state` in `extra` is used only when `auth` brings none. Every context is held to
    the network policy (planwright/browser/policy_route.py)."""
    options = context_options(auth)
    for key, value in extra.items():
        if key == "storage_state" and "storage_state" in options:
            continue
        options[key] = value
    return new_policy_context(browser, **options)
