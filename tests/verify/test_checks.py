"""URL rule and locator parsing the verifier and the exports share (pure functions, no browser)."""

from __future__ import annotations

import re

import pytest

from planwright.schemas import Locator, LocatorLink
from planwright.verify.checks import normalize_url_value, parse_locator_description, url_regex


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("/contacts", "http://127.0.0.1:8000/contacts", True),
        ("/contacts", "http://127.0.0.1:8000/contacts/", True),
        ("/contacts/", "http://127.0.0.1:8000/contacts", True),
        ("/contacts", "http://127.0.0.1:8000/contacts?x=1#top", True),
        ("/contacts", "http://127.0.0.1:8000/contacts-old", False),
        ("/", "http://127.0.0.1:8000/", True),
        ("/", "http://127.0.0.1:8000", True),
        ("/", "http://127.0.0.1:8000/about", False),
        ("/search?q=mug", "http://h/search?q=mug", True),
        ("/search?q=mug", "http://h/search?q=cup", False),
        ("http://h:1/account", "http://h:1/account/", True),
        ("http://h:1/account", "http://other:1/account", False),
        ("/a.b(c)", "http://h/a.b(c)", True),
        ("/a.b(c)", "http://h/axb(c)", False),
    ],
)
def test_url_regex(expected: str, actual: str, matches: bool) -> None:
    assert bool(re.fullmatch(url_regex(expected), actual)) is matches


def test_relative_url_values_resolve_against_the_case_page() -> None:
    assert normalize_url_value("contacts", "http://h/shop/index") == "/shop/contacts"
    assert normalize_url_value(" /x ", "http://h/") == "/x"
    assert normalize_url_value("https://e.org/p", "http://h/") == "https://e.org/p"


@pytest.mark.parametrize(
    "locator",
    [
        Locator(strategy="role", role="button", name='Say "hi" \\ now'),
        Locator(strategy="role", role="navigation", name=None),
        Locator(strategy="testid", value="add-to-cart-1"),
        Locator(strategy="label", value="Email"),
        Locator(strategy="placeholder", value="Поиск"),
        Locator(strategy="css", value="form[data-x='1'] > button"),
        Locator(strategy="title", value="Play (space)"),
        Locator(strategy="alt", value="Закат над морем"),
        Locator(strategy="text", value='Say "hi"'),
        Locator(
            strategy="chain",
            chain=[
                LocatorLink(method="get_by_role", role="listitem", argument=""),
                LocatorLink(method="filter", argument='Buy "milk" (2)'),
                LocatorLink(method="get_by_role", role="checkbox", argument=""),
            ],
        ),
        Locator(
            strategy="chain",
            chain=[
                LocatorLink(method="locator", argument="div.card"),
                LocatorLink(method="filter", argument="Ёлка"),
                LocatorLink(method="get_by_role", role="button", argument="Удалить"),
            ],
        ),
    ],
)
def test_locator_descriptions_read_back(locator: Locator) -> None:
    assert parse_locator_description(locator.describe()) == locator


def test_chains_describe_as_playwright_is_written_and_old_locators_still_read() -> None:
    chain = parse_locator_description(
        'get_by_role("listitem").filter(has_text="Milk").get_by_role("checkbox")'
    )
    assert chain is not None and chain.strategy == "chain"
    assert chain.describe() == 'get_by_role("listitem").filter(has_text="Milk").get_by_role("checkbox")'
    stored = {"strategy": "role", "role": "button", "name": "Go", "value": None}  # JSON from before
    assert Locator.model_validate(stored).describe() == 'get_by_role("button", name="Go")'
    assert parse_locator_description('filter(has_text="x")') is None
    assert parse_locator_description('get_by_role("row").nope("x")') is None


def test_plain_text_is_not_a_locator_description() -> None:
    assert parse_locator_description("Welcome back") is None
    assert parse_locator_description("get_by_role(button)") is None
