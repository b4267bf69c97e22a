"""Locator choice and the crawler's pure helpers, with plain data (no browser)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planwright.browser.locators import ElementInfo, choose_locator
from planwright.crawl.urls import DEFAULT_DENY_NAMES, is_denied, normalize_url
from planwright.schemas import Locator


def test_role_and_name_first_when_unique() -> None:
    info = ElementInfo(
        role="link", name="Контакты", role_name_count=1, test_id="nav-contacts", test_id_count=1
    )
    assert choose_locator(info) == Locator(strategy="role", role="link", name="Контакты")


def test_test_id_when_the_name_is_shared() -> None:
    info = ElementInfo(role="button", name="Add to cart", role_name_count=2, test_id="add-1", test_id_count=1)
    assert choose_locator(info) == Locator(strategy="testid", value="add-1")


def test_test_id_when_there_is_no_name() -> None:
    info = ElementInfo(role="button", name="", role_name_count=0, test_id="cart-icon", test_id_count=1)
    assert choose_locator(info).describe() == 'get_by_test_id("cart-icon")'


def test_label_then_placeholder() -> None:
    shared = ElementInfo(
        role="textbox", name="Qty", role_name_count=3, test_id="qty", test_id_count=3, css="#q1"
    )
    with_label = replace(shared, label="Quantity of red mug", label_count=1)
    assert choose_locator(with_label) == Locator(strategy="label", value="Quantity of red mug")
    with_placeholder = replace(
        shared, label="Qty", label_count=3, placeholder="Red mugs", placeholder_count=1
    )
    assert choose_locator(with_placeholder) == Locator(strategy="placeholder", value="Red mugs")


def test_css_when_nothing_else_is_unique() -> None:
    info = ElementInfo(
        role="search",
        name="",
        placeholder="Search",
        placeholder_count=2,
        css="body > main > form:nth-of-type(2)",
    )
    assert choose_locator(info) == Locator(strategy="css", value="body > main > form:nth-of-type(2)")


def test_blank_names_and_values_are_not_locators() -> None:
    info = ElementInfo(role="button", name="  ", role_name_count=1, label=" ", label_count=1, css="button")
    assert choose_locator(info).strategy == "css"


@pytest.mark.parametrize(
    ("name", "href", "denied"),
    [
        ("Delete account", None, True),
        ("Log out", "http://site/logout", True),
        ("Exit", "http://site/auth/logout?next=/", True),
        ("Выйти", None, True),
        ("Удалить товар", None, True),
        ("Buy now", None, True),
        ("Payment methods", "http://site/help/payment", False),
        ("Display settings", "http://site/display", False),
        ("Подробнее", None, False),
    ],
)
def test_deny_list_matches_words_not_fragments(name: str, href: str | None, denied: bool) -> None:
    assert is_denied(name, href, DEFAULT_DENY_NAMES) is denied


def test_normalize_url_drops_fragment_keeps_query() -> None:
    assert normalize_url("HTTP://Example.org#top") == "http://example.org/"
    assert (
        normalize_url("/search?q=mug#results", "http://example.org/a/b") == "http://example.org/search?q=mug"
    )
    assert normalize_url("contacts", "http://example.org/a/b") == "http://example.org/a/contacts"
