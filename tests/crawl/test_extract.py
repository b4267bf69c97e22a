"""Extraction from real pages of the fixture site, in real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from planwright.browser.locators import to_playwright
from planwright.crawl.extract import extract_page
from planwright.schemas import Element, PageSnapshot
from tests.crawl.served_html import open_html

NAV = ["Главная", "Контакты", "Login", "Search", "About"]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def snapshot_of(page: Page, url: str) -> PageSnapshot:
    page.goto(url)
    return extract_page(page, status=200)


def by_name(snapshot: PageSnapshot, name: str, kind: str | None = None) -> Element:
    matches = [e for e in snapshot.elements if e.name == name and (kind is None or e.kind == kind)]
    assert len(matches) == 1, f"{name!r}: {matches}"
    return matches[0]


def test_nav_links_have_role_locators(page: Page, fixture_site: str) -> None:
    snapshot = snapshot_of(page, fixture_site + "/")
    assert snapshot.title == "Fixture Shop"
    assert snapshot.headings == ["Fixture Shop — Главная", "Popular"]  # the closed dialog's heading is hidden
    links = [e for e in snapshot.elements if e.kind == "link"]
    assert [link.name for link in links] == NAV
    for link in links:
        assert (
            link.locator.strategy == "role" and link.locator.role == "link" and link.locator.name == link.name
        )
    assert by_name(snapshot, "Контакты").href == fixture_site + "/contacts"
    assert [e.key for e in snapshot.elements] == [f"e{n}" for n in range(1, len(snapshot.elements) + 1)]
    assert snapshot.aria_snapshot is not None and 'link "Контакты"' in snapshot.aria_snapshot


def test_every_locator_finds_exactly_its_element(page: Page, fixture_site: str) -> None:
    for path in ["/", "/contacts", "/login", "/search", "/about"]:
        snapshot = snapshot_of(page, fixture_site + path)
        for element in snapshot.elements:
            found = to_playwright(page, element.locator)
            assert found.count() == 1, f"{path} {element.key} {element.locator.describe()}"
            assert found.get_attribute("data-planwright-key") == element.key


def test_test_id_fallback_for_unnamed_and_duplicate_buttons(page: Page, fixture_site: str) -> None:
    snapshot = snapshot_of(page, fixture_site + "/")
    details = by_name(snapshot, "Подробнее")
    assert details.locator.describe() == 'get_by_role("button", name="Подробнее")'
    icon = next(e for e in snapshot.elements if e.kind == "button" and e.name == "")
    assert icon.locator.describe() == 'get_by_test_id("cart-icon")'
    carts = [e for e in snapshot.elements if e.name == "Add to cart"]
    assert [e.locator.value for e in carts] == ["add-to-cart-1", "add-to-cart-2"]
    assert {e.locator.strategy for e in carts} == {"testid"}


def test_login_form_fields_and_submit(page: Page, fixture_site: str) -> None:
    snapshot = snapshot_of(page, fixture_site + "/login")
    form = next(e for e in snapshot.elements if e.kind == "form")
    assert form.locator.describe() == 'get_by_test_id("login-form")'  # an unnamed form has no role
    email, password = by_name(snapshot, "Email"), by_name(snapshot, "Password")
    remember, sign_in = by_name(snapshot, "Remember me"), by_name(snapshot, "Sign in")
    assert (email.kind, email.role, email.input_type, email.required) == ("input", "textbox", "email", True)
    assert (password.input_type, password.required) == ("password", True)
    assert (remember.kind, remember.required) == ("checkbox", False)
    assert form.field_keys == [email.key, password.key, remember.key]
    assert form.submit_key == sign_in.key
    assert {email.form_key, password.form_key, remember.form_key, sign_in.form_key} == {form.key}


def test_search_form_labels_select_and_css_fallback(page: Page, fixture_site: str) -> None:
    snapshot = snapshot_of(page, fixture_site + "/search")
    form = next(e for e in snapshot.elements if e.kind == "form")
    assert form.role == "search"
    assert form.locator.strategy == "css" and form.locator.value == "body > main > form"
    query = by_name(snapshot, "Query")
    assert (query.role, query.input_type, query.locator.describe()) == (
        "searchbox",
        "search",
        'get_by_role("searchbox", name="Query")',
    )
    sort = by_name(snapshot, "Sort by")
    assert (sort.kind, sort.role, sort.options) == ("select", "combobox", ["Relevance", "Price"])
    assert by_name(snapshot, "In stock only").kind == "checkbox"
    assert form.field_keys == [query.key, sort.key, by_name(snapshot, "In stock only").key]
    assert form.submit_key == by_name(snapshot, "Find").key


def test_non_http_links_are_skipped_and_external_ones_kept(page: Page, fixture_site: str) -> None:
    contacts = snapshot_of(page, fixture_site + "/contacts")
    hrefs = [e.href for e in contacts.elements if e.kind == "link"]
    assert not any(href and href.startswith(("mailto:", "tel:")) for href in hrefs)
    assert by_name(contacts, "Message").kind == "textarea" and by_name(contacts, "Message").required
    about = snapshot_of(page, fixture_site + "/about")
    assert by_name(about, "Our partner").href == "https://example.org/partner"


def test_screenshot_is_written(page: Page, fixture_site: str, tmp_path: Path) -> None:
    page.goto(fixture_site + "/about")
    snapshot = extract_page(page, screenshot_path=tmp_path / "about.png")
    assert snapshot.screenshot_path == str(tmp_path / "about.png")
    assert (tmp_path / "about.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BESIDE_TEXT_HTML = """<!doctype html><html lang="en"><body><main>
<div class="title"><span>Deposit</span><span style="visibility:hidden">Can't be empty</span></div>
<input type="text" id="deposit" placeholder="0">
<div><span>Months</span></div><input type="number" id="months">
Nickname <input type="text">
<p>Note</p><input type="text" placeholder="e.g. 12">
<div><button>Go</button></div><input type="text" placeholder="0.00" id="after-button">
<p>A paragraph far too long to be the name of the field that comes right after it here</p>
<input type="text" placeholder="1">
</main></body></html>"""


def test_a_field_with_only_a_sample_placeholder_is_named_by_the_text_beside_it(page: Page) -> None:
    """A "0" placeholder is a sample value, not a name: the short text just before the field (a <span> in the div
    above it, a text node) names it for people; a wordy placeholder still wins, and a control or a
    paragraph before the field is no label."""
    open_html(page, BESIDE_TEXT_HTML)
    snapshot = extract_page(page)
    names = [e.name for e in snapshot.elements if e.kind == "input"]
    assert names == ["Deposit", "Months", "Nickname", "e.g. 12", "0.00", "1"]
    for element in snapshot.elements:  # the name is not Chromium's accessible name: still located
        found = to_playwright(page, element.locator)
        assert found.count() == 1, element.locator.describe()
        assert found.get_attribute("data-planwright-key") == element.key
