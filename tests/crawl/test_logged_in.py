"""Crawling and verifying behind a login: credentials, a storage state, and no logging out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from planwright.browser.auth import resolve_auth
from planwright.crawl.crawler import CrawlError, crawl_site
from planwright.schemas import AuthSpec, CrawlOptions, Expectation, LoginSpec, Step, TestCaseData
from planwright.verify.runner import verify_case

CREDENTIALS = {"username": "qa@example.com", "password": "secret"}


def account_options(auth: AuthSpec | None) -> CrawlOptions:
    return CrawlOptions(max_pages=3, max_depth=1, explore=False, page_timeout_s=10, auth=auth)


def account_case(base: str) -> TestCaseData:
    return TestCaseData(
        page_url=f"{base}/account",
        title="Account page opens",
        steps=[Step(n=1, action="open", text="Open the account page", data=f"{base}/account")],
        expected=[Expectation(kind="heading", value="My account")],
    )


def test_without_login_the_account_page_redirects_to_login(fixture_site: str, browser: Browser) -> None:
    crawl = crawl_site(f"{fixture_site}/account", account_options(None), browser=browser)
    assert crawl.pages[0].url == f"{fixture_site}/login"


def test_crawl_with_credentials_reaches_the_account_and_never_logs_out(
    fixture_site: str, browser: Browser
) -> None:
    auth = AuthSpec(login=LoginSpec(url=f"{fixture_site}/login", **CREDENTIALS))
    crawl = crawl_site(f"{fixture_site}/account", account_options(auth), browser=browser)
    first = crawl.pages[0]
    assert first.url == f"{fixture_site}/account" and first.headings[0] == "My account"
    assert all("/logout" not in page.url for page in crawl.pages)
    log_out = next(element for element in first.elements if element.name == "Log out")
    assert log_out.outcome is None  # on the deny-list: never followed
    assert any("Log out" in warning for warning in crawl.warnings)


def test_crawl_and_verify_with_a_storage_state(fixture_site: str, browser: Browser) -> None:
    resolved = resolve_auth(browser, AuthSpec(login=LoginSpec(url=f"{fixture_site}/login", **CREDENTIALS)))
    assert resolved is not None and resolved.storage_state and resolved.login is None
    state_only = AuthSpec(storage_state=resolved.storage_state)
    crawl = crawl_site(f"{fixture_site}/account", account_options(state_only), browser=browser)
    assert crawl.pages[0].headings[0] == "My account"
    assert verify_case(account_case(fixture_site), browser, auth=state_only).status == "verified"
    assert verify_case(account_case(fixture_site), browser).status == "failed"  # no session: /login


def test_wrong_credentials_fail_the_crawl_with_a_reason(fixture_site: str, browser: Browser) -> None:
    auth = AuthSpec(login=LoginSpec(url=f"{fixture_site}/login", username="qa@example.com", password="wrong"))
    with pytest.raises(CrawlError, match="Login failed: .*check the credentials"):
        crawl_site(f"{fixture_site}/account", account_options(auth), browser=browser)
