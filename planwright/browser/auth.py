"""Being logged in: every browser context of a plan (crawl, exploration, verification) starts with the
same session, made once from a storage state, a login form, extra headers or HTTP basic auth."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.contexts import new_context
from planwright.schemas import AuthSpec, LoginSpec

USERNAME_HINT = re.compile(r"e-?mail|user|login|логин|почт|имя пользователя", re.IGNORECASE)


class LoginError(Exception):
    """The login did not work; the message says what to fix in the plan's auth settings."""


def _username_field(page: Page, login: LoginSpec) -> Any:
    if login.username_field:
        by_label = page.get_by_label(login.username_field, exact=True)
        return (
            by_label if by_label.count() == 1 else page.get_by_placeholder(login.username_field, exact=True)
        )
    candidates = page.locator("input[type=email], input[type=text], input:not([type])")
    for index in range(candidates.count()):
        field = candidates.nth(index)
        hints = " ".join(
            filter(
                None,
                [
                    field.get_attribute("name"),
                    field.get_attribute("id"),
                    field.get_attribute("type"),
                    field.get_attribute("placeholder"),
                    field.get_attribute("autocomplete"),
                ],
            )
        )
        if USERNAME_HINT.search(hints) and field.is_visible():
            return field
    if candidates.count() >= 1:
        return candidates.first
    raise LoginError(
        f"No username or email field on {login.url}; set auth.login.username_field to its label."
    )


def log_in(
    browser: Browser, auth: AuthSpec, *, origin: str | None = None, timeout_s: float = 15.0
) -> dict[str, Any]:
    """Fill the login form once and return the session as a storage state for every later context.
    `origin`: the plan's site, the only one its headers and basic credentials go to (default: the
    login page's)."""
    login = auth.login
    if login is None:
        raise ValueError("log_in needs auth.login")
    context = new_context(browser, auth, origin=origin or login.url)
    context.set_default_timeout(timeout_s * 1000)
    try:
        page = context.new_page()
        try:
            page.goto(login.url, wait_until="load")
        except PlaywrightError as error:
            raise LoginError(
                f"Could not open the login page {login.url}: {error.message.splitlines()[0]}"
            ) from error
        password = (
            page.get_by_label(login.password_field, exact=True)
            if login.password_field
            else page.locator("input[type=password]").first
        )
        if password.count() == 0:
            raise LoginError(f"No password field on {login.url}; is it the login page?")
        _username_field(page, login).fill(login.username)
        password.fill(login.password)
        if login.submit:
            page.get_by_role("button", name=login.submit, exact=True).click()
        else:
            password.press("Enter")
        page.wait_for_load_state("load")
        if login.success_url_contains:
            if login.success_url_contains not in page.url:
                raise LoginError(
                    f"After logging in the browser is on {page.url}, not a page containing "
                    f"{login.success_url_contains!r}: check the credentials."
                )
        elif page.locator("input[type=password]").filter(visible=True).count() > 0 and page.url.startswith(
            login.url
        ):
            raise LoginError(
                f"The login form on {login.url} is still shown after submitting: check the credentials."
            )
        return dict(context.storage_state())
    finally:
        context.close()


def resolve_auth(browser: Browser, auth: AuthSpec | None, *, origin: str | None = None) -> AuthSpec | None:
    """An AuthSpec every context can use as is: a login becomes a storage state (`origin`: log_in's)."""
    if auth is None or auth.is_empty():
        return None
    if auth.login is None:
        return auth
    state = log_in(browser, auth, origin=origin)
    return auth.model_copy(update={"storage_state": state, "login": None})
