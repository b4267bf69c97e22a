"""Whole crawls of the fixture site in real Chromium: link outcomes, what the explorer observed of
buttons and forms (the crawler itself acts on none), limits and the start URL's errors."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.browser.launch import find_chromium_executable
from planwright.crawl.crawler import WATCHDOG_GRACE_S, CrawlError, crawl_site
from planwright.schemas import CrawlOptions, CrawlResult, Element, ObservedBehaviour, PageSnapshot
from tests.fixture_apps.fixtures import RunningApp

pytestmark = pytest.mark.timeout(300)  # a hang guard: the module crawl explores the whole fixture site


@pytest.fixture(scope="module")
def progress() -> list[tuple[int, int, str]]:
    return []


@pytest.fixture(scope="module")
def site(
    fixture_site: str,
    browser: Browser,
    progress: list[tuple[int, int, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> CrawlResult:
    """One full crawl shared by the outcome tests (a crawl takes seconds; the assertions do not)."""
    shots = tmp_path_factory.mktemp("shots")
    options = CrawlOptions(max_pages=10, max_depth=2, screenshot_dir=str(shots))
    return crawl_site(
        fixture_site + "/", options, browser=browser, on_progress=lambda *call: progress.append(call)
    )


def page_at(result: CrawlResult, url: str) -> PageSnapshot:
    return next(page for page in result.pages if page.url == url)


def named(page: PageSnapshot, name: str) -> Element:
    return next(element for element in page.elements if element.name == name)


def test_crawls_every_same_origin_page_once(site: CrawlResult, fixture_site: str) -> None:
    urls = [page.url for page in site.pages]
    assert urls == [fixture_site + path for path in ["/", "/contacts", "/login", "/search", "/about"]]
    assert [page.depth for page in site.pages] == [0, 1, 1, 1, 1]
    assert all(page.status == 200 for page in site.pages)
    assert all(page.screenshot_path and Path(page.screenshot_path).is_file() for page in site.pages)
    assert site.start_url == fixture_site + "/"


def test_link_outcome_is_the_page_it_leads_to(site: CrawlResult, fixture_site: str) -> None:
    link = named(page_at(site, fixture_site + "/"), "Контакты")
    assert link.locator.describe() == 'get_by_role("link", name="Контакты")'
    assert link.outcome is not None
    assert (link.outcome.kind, link.outcome.url, link.outcome.status, link.outcome.heading) == (
        "navigation",
        fixture_site + "/contacts",
        200,
        "Контакты",
    )
    assert link.outcome.title == "Контакты — Fixture Shop"


def test_broken_pdf_and_external_links(site: CrawlResult, fixture_site: str) -> None:
    about = page_at(site, fixture_site + "/about")
    broken = named(about, "Old catalogue").outcome
    assert broken is not None and (broken.kind, broken.status, broken.heading) == (
        "navigation",
        404,
        "Page not found",
    )
    assert named(about, "Our partner").outcome is None  # external: never opened
    pdf = named(page_at(site, fixture_site + "/contacts"), "Price list (PDF)").outcome
    assert pdf is not None and (pdf.kind, pdf.url) == ("download", fixture_site + "/file.pdf")
    assert f"Skipped {fixture_site}/missing: it returned HTTP 404" in site.warnings
    assert f"Skipped {fixture_site}/file.pdf: it is application/pdf, not an HTML page" in site.warnings


def explored(page: PageSnapshot, kind: str, name: str) -> ObservedBehaviour:
    """The explorer's behaviour of `kind` whose last step acts on the element named `name`, from the
    page at load (the shortest such sequence: a later one may click something else first)."""
    found = [
        behaviour
        for behaviour in page.behaviours
        if behaviour.kind == kind
        and (element := page.element(behaviour.actions[-1].element_key or "")) is not None
        and element.name == name
    ]
    shortest = [b for b in found if len(b.actions) == min((len(f.actions) for f in found), default=0)]
    assert len(shortest) == 1, [(b.kind, b.actions) for b in page.behaviours]
    return shortest[0]


def test_the_crawler_acts_on_nothing_but_links(site: CrawlResult) -> None:
    """Buttons and forms are acted on once, by the explorer; the crawler only follows links."""
    elements = [element for page in site.pages for element in page.elements]
    assert all(element.outcome is None for element in elements if element.kind != "link")
    assert any(element.outcome is not None for element in elements if element.kind == "link")


def test_a_buttons_dialog_and_alert_are_explored(site: CrawlResult, fixture_site: str) -> None:
    home = page_at(site, fixture_site + "/")
    details = explored(home, "click", "Подробнее")
    assert [a.action for a in details.actions] == ["click"]
    assert details.change.dialog == "Details"  # an HTML dialog, named by its heading
    assert "We ship mugs within three days." in details.change.appeared
    phone = explored(page_at(site, fixture_site + "/contacts"), "click", "Show phone")
    assert phone.change.dialog == "Call us: +7 495 000-00-00"  # a native alert(), accepted


def test_login_form_empty_submit_shows_validation(site: CrawlResult, fixture_site: str) -> None:
    login = page_at(site, fixture_site + "/login")
    empty = explored(login, "submit_empty", "Sign in")
    assert [a.action for a in empty.actions] == ["click"]
    assert empty.change.messages == ["Please fill out this field."]  # the browser's, for both fields
    assert empty.change.url is None


def test_search_form_empty_submit_navigates(site: CrawlResult, fixture_site: str) -> None:
    search = page_at(site, fixture_site + "/search")
    empty = explored(search, "submit_empty", "Find")
    assert empty.change.url == fixture_site + "/search?q=&sort=Relevance"
    assert empty.change.messages == []


def test_progress_is_reported_after_each_page(
    site: CrawlResult, progress: list[tuple[int, int, str]], fixture_site: str
) -> None:
    assert [done for done, _, _ in progress] == [1, 2, 3, 4, 5]
    assert all(done <= total <= 10 for done, total, _ in progress)
    assert progress[-1][2] == fixture_site + "/about"


def test_page_budget_still_records_link_outcomes(fixture_site: str, browser: Browser) -> None:
    result = crawl_site(fixture_site + "/about", CrawlOptions(max_pages=1, max_depth=3), browser=browser)
    assert [page.url for page in result.pages] == [fixture_site + "/about"]
    contacts = named(result.pages[0], "Контакты").outcome
    assert contacts is not None and (contacts.kind, contacts.heading) == ("navigation", "Контакты")


def test_deny_list_is_configurable(fixture_site: str, browser: Browser) -> None:
    options = CrawlOptions(max_pages=1, max_depth=0)
    result = crawl_site(fixture_site + "/", options, browser=browser, deny_names=["add to cart"])
    page = result.pages[0]
    carts = {e.key for e in page.elements if e.name == "Add to cart"}
    assert len(carts) == 2
    assert not any(a.element_key in carts for b in page.behaviours for a in b.actions)
    assert any(b.kind == "click" for b in page.behaviours)  # the other buttons were explored
    assert f"Did not explore 'Add to cart' on {fixture_site}/: its name is on the deny-list" in result.warnings


def test_total_time_limit_returns_what_it_has(fixture_site: str, browser: Browser) -> None:
    started = time.monotonic()
    result = crawl_site(fixture_site + "/", CrawlOptions(total_timeout_s=1.0), browser=browser)
    assert time.monotonic() - started < 10
    assert any(
        w.startswith("Stopped early: the crawl reached its total time limit of 1 s") for w in result.warnings
    )


def test_a_page_that_keeps_the_browser_busy_ends_the_crawl_with_a_reason(
    fixture_site: str, browser: Browser
) -> None:
    """/busy loads, then loops forever in its script: Playwright's evaluate would wait for ever (and
    the plan's lease would keep the job alive). The watchdog cuts it off past the time limit."""
    own = browser.browser_type.launch(executable_path=find_chromium_executable())  # the watchdog closes
    try:  # every context of its browser: keep the session's shared one out of it
        message, seconds = crawl_error(
            fixture_site + "/busy", own, CrawlOptions(total_timeout_s=3, page_timeout_s=2)
        )
        # Either the page's own timeouts fire first, or the watchdog: both end the crawl with a reason.
        assert message.startswith("Stopped: "), message
        assert "kept the browser busy" in message or "Timeout" in message, message
        if "kept the browser busy" in message:  # the reason names what the crawl was doing
            assert (
                f"while reading the elements of {fixture_site}/busy" in message or "while loading" in message
            )
        assert seconds < 3 + WATCHDOG_GRACE_S + 10
        page = own.new_page()  # the browser itself is fine for the next job
        page.goto(fixture_site + "/about")
        assert page.title()
    finally:
        own.close()


# ---------------------------------------------------------------- the start URL's errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def crawl_error(url: str, browser: Browser, options: CrawlOptions | None = None) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(CrawlError) as caught:
        crawl_site(url, options or CrawlOptions(), browser=browser)
    return str(caught.value), time.monotonic() - started


def test_unreachable_host(browser: Browser) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    message, elapsed = crawl_error(url, browser)
    assert message == f"Could not connect to {url}: connection refused"
    assert elapsed < 10


def test_http_error(fixture_site: str, browser: Browser) -> None:
    message, _ = crawl_error(fixture_site + "/missing", browser)
    assert message == f"{fixture_site}/missing returned HTTP 404"


def test_not_html(fixture_site: str, browser: Browser) -> None:
    message, _ = crawl_error(fixture_site + "/file.pdf", browser)
    assert message == f"{fixture_site}/file.pdf is application/pdf, not an HTML page"


def test_start_page_that_never_loads(fixture_site: str, browser: Browser) -> None:
    message, elapsed = crawl_error(fixture_site + "/slow", browser, CrawlOptions(page_timeout_s=1.0))
    assert message == f"{fixture_site}/slow did not finish loading within 1 s"
    assert elapsed < 10


def test_not_an_http_url(browser: Browser) -> None:
    message, _ = crawl_error("ftp://example.org/", browser)
    assert message == "'ftp://example.org/' is not an http(s) URL"


@pytest.fixture(scope="module")
def newsletter(fixture_site: str, browser: Browser) -> PageSnapshot:
    """/newsletter is linked from nowhere (the page counts above stay put), so it is crawled alone."""
    options = CrawlOptions(max_pages=1, max_depth=0, max_explore_depth=0)
    result = crawl_site(fixture_site + "/newsletter", options, browser=browser)
    return page_at(result, fixture_site + "/newsletter")


def test_form_that_lands_on_another_page_with_2xx_is_a_navigation(
    newsletter: PageSnapshot, fixture_site: str
) -> None:
    """Sent as it is (its one field, a select, holds "New mugs"): POST, 303, GET /newsletter/thanks 200."""
    change = explored(newsletter, "submit_as_is", "Subscribe").change
    assert (change.url, change.status, change.heading) == (
        fixture_site + "/newsletter/thanks?topic=New+mugs",
        200,
        "Subscribed",
    )
    assert "Thank you, you are subscribed to New mugs." in change.appeared  # the notice, not an error
    assert change.messages == []


def test_form_rejected_by_the_server_on_the_same_page_is_a_validation(
    newsletter: PageSnapshot, fixture_site: str
) -> None:
    change = explored(newsletter, "submit_empty", "Ask").change  # POST /newsletter: 200, the page with an alert
    assert (change.url, change.messages) == (None, ["Please write your question"])


def test_form_that_comes_back_to_its_page_with_only_a_notice_is_a_navigation(
    shop_app: RunningApp, browser: Browser
) -> None:
    """Add to cart posts, and the server redirects to the same product page with a status notice."""
    options = CrawlOptions(max_pages=1, max_depth=0, max_explore_depth=0)
    page = crawl_site(shop_app.url + "/product/red-mug", options, browser=browser).pages[0]
    change = explored(page, "submit_as_is", "Add to cart").change  # the quantity holds 1
    assert (change.url, change.status, change.messages) == (shop_app.url + "/product/red-mug?added=1", 200, [])
    assert "Added 1 × Red mug to your cart" in change.appeared
