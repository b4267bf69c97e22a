"""The one context factory: every browser context Planwright opens (crawl, exploration, verification,
a login, the edge-case step) is made here, so they all start the same way.

Why one place: a case must be observed and verified in the same kind of context (logged in the same
way, same headers). The plan's locale and time zone are set here as well (`schemas.browser_locale`), so a
date or a price renders in the crawl as it does when the case is verified and in the exported test.
Chromium's own validation messages follow the browser's UI language packs, not the context: where
only en-US is installed they stay English whatever the locale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Route
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.policy_route import new_policy_context
from planwright.schemas import AuthSpec, BrowserLocale


def locale_options(locale: BrowserLocale | None) -> dict[str, Any]:
    """Playwright `new_context` options for `locale` (none: the browser's defaults)."""
    if locale is None:
        return {}
    return {"locale": locale.locale, "timezone_id": locale.timezone_id}


def origin_of(url: str) -> str:
    """`scheme://host:port` (default port filled in, lower case): the unit logins are scoped to."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def context_options(auth: AuthSpec | None, origin: str | None = None) -> dict[str, Any]:
    """Playwright `new_context` options that log a context in as `auth` says. Basic credentials go only
    to `origin` (the plan's); headers are attached per request by `_send_headers_only_to`."""
    if auth is None:
        return {}
    options: dict[str, Any] = {}
    if auth.storage_state:
        options["storage_state"] = auth.storage_state
    if auth.basic_username is not None:
        options["http_credentials"] = {
            "username": auth.basic_username,
            "password": auth.basic_password or "",
            "origin": _required_origin(origin),
        }
    return options


def _required_origin(origin: str | None) -> str:
    if not origin:
        raise ValueError("login headers and basic credentials need the plan's origin to be scoped to")
    return origin_of(origin)


def _send_headers_only_to(headers: dict[str, str], origin: str) -> Callable[[BrowserContext], None]:
    """A route that adds `headers` to the requests for `origin` and to no other: a page's third-party
    scripts, images and fetches never see a team's token, nor does the site a redirect leads to.

    Why fetch-and-fulfil rather than `route.fallback(headers=…)`: Chromium carries overridden headers
    across a redirect to another origin. Fetched here without following redirects, a 3xx goes back to
    the browser, which follows it as a new request this route judges again."""
    wanted = origin_of(origin)
    lowered = {name.lower() for name in headers}

    def handle(route: Route) -> None:
        if origin_of(route.request.url) != wanted:
            route.fallback()
            return
        kept = {name: value for name, value in route.request.headers.items() if name.lower() not in lowered}
        try:
            response = route.fetch(headers={**kept, **headers}, max_redirects=0)
        except PlaywrightError:
            route.abort("failed")
            return
        route.fulfill(response=response)

    def install(context: BrowserContext) -> None:
        context.route("**/*", handle)

    return install


def new_context(
    browser: Browser,
    auth: AuthSpec | None,
    *,
    origin: str | None = None,
    locale: BrowserLocale | None = None,
    **extra: Any,
) -> BrowserContext:
    """A fresh context logged in as `auth` (already resolved), in `locale`, with `extra` Playwright
    options; an explicit `storage_state` in `extra` is used only when `auth` brings none. `origin` (a
    URL of the plan's site) is where auth headers and basic credentials may go, and nowhere else.
    Every context is held to the network policy (planwright/browser/policy_route.py)."""
    options = {**context_options(auth, origin), **locale_options(locale)}
    for key, value in extra.items():
        if key == "storage_state" and "storage_state" in options:
            continue
        options[key] = value
    headers = dict(auth.headers) if auth is not None and auth.headers else {}
    scoped_to = _required_origin(origin) if headers else ""
    after_policy = _send_headers_only_to(headers, scoped_to) if headers else None
    return new_policy_context(browser, after_policy=after_policy, **options)
