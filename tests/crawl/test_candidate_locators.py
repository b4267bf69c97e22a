"""Locators for actionable candidates, measured in real Chromium: readable first, unique always."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from planwright.crawl.actionable import ACTIONABLE_ATTRIBUTE, ActionableCandidate, install, scan_actionable
from planwright.crawl.candidate_locators import ChainedLocator, LocatorStep, locate_candidate
from tests.crawl.served_html import open_html

Locate = Callable[[str], list[tuple[ActionableCandidate, ChainedLocator | None]]]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    install(context)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def locate(page: Page) -> Locate:
    def scan_and_locate(html: str) -> list[tuple[ActionableCandidate, ChainedLocator | None]]:
        open_html(page, html)
        located = [(c, locate_candidate(page, c)) for c in scan_actionable(page).candidates]
        for candidate, chain in located:  # whatever is chosen finds its candidate, alone
            if chain is not None:
                found = chain.to_playwright(page)
                assert found.count() == 1 and found.get_attribute(ACTIONABLE_ATTRIBUTE) == candidate.key
        return located

    return scan_and_locate


def described(located: list[tuple[ActionableCandidate, ChainedLocator | None]]) -> list[str | None]:
    return [chain.describe() if chain else None for _, chain in located]


def test_the_checkbox_in_the_row_with_text(locate: Locate) -> None:
    located = locate(
        """<body><ul class="todo-list">
          <li><div class="view"><input class="toggle" type="checkbox"><label>Buy milk</label>
            <button class="destroy"></button></div></li>
          <li><div class="view"><input class="toggle" type="checkbox"><label>Walk the dog</label>
            <button class="destroy"></button></div></li>
        </ul></body>"""
    )
    assert described(located) == [
        'get_by_role("listitem").filter(has_text="Buy milk").get_by_role("checkbox")',
        'get_by_role("listitem").filter(has_text="Buy milk").get_by_role("button")',
        'get_by_role("listitem").filter(has_text="Walk the dog").get_by_role("checkbox")',
        'get_by_role("listitem").filter(has_text="Walk the dog").get_by_role("button")',
    ]


def test_icon_button_prefers_test_id_then_id_then_icon(locate: Locate) -> None:
    located = locate(
        """<body>
        <button data-testid="play-btn"><i class="fas fa-play"></i></button>
        <button id="btnPause"><i class="fas fa-pause"></i></button>
        <button><i class="fas fa-stop"></i></button>
        <button title="Next track"><i class="fas fa-forward"></i></button>
        </body>"""
    )
    assert described(located) == [
        'get_by_test_id("play-btn")',
        'locator("#btnPause")',
        'locator("button:has(.fa-stop)")',
    ]  # the titled button has a name: the extractor locates it


def test_delegated_items_and_cells_are_found_by_text_or_row(locate: Locate) -> None:
    located = locate(
        """<body><ul id="songs"><li class="song">First song</li><li class="song">Second song</li></ul>
        <table><tbody>
          <tr><td>Alice</td><td class="edit">✎</td></tr><tr><td>Bob</td><td class="edit">✎</td></tr>
        </tbody></table>
        <script>
          document.getElementById('songs').addEventListener('click', () => {});
          document.querySelectorAll('td.edit').forEach((td) => td.addEventListener('click', () => {}));
        </script></body>"""
    )
    assert described(located) == [
        'get_by_text("First song")',
        'get_by_text("Second song")',
        'get_by_role("row").filter(has_text="Alice").get_by_text("✎")',  # the row has two cells
        'get_by_role("row").filter(has_text="Bob").get_by_text("✎")',
    ]


def test_cards_are_found_by_class_and_text(locate: Locate) -> None:
    located = locate(
        """<body>
        <div class="card"><h3>Red mug</h3><span class="like">♥</span></div>
        <div class="card"><h3>Blue mug</h3><span class="like">♥</span></div>
        <script>document.querySelectorAll('.like').forEach((el) => el.onclick = () => {});</script></body>"""
    )
    assert described(located) == [
        'locator("div.card").filter(has_text="Red mug").get_by_text("♥")',
        'locator("div.card").filter(has_text="Blue mug").get_by_text("♥")',
    ]


def test_no_locator_rather_than_a_wrong_one(locate: Locate) -> None:
    located = locate(
        """<body><div><span class="x">?</span></div><div><span class="x">?</span></div>
        <script>document.querySelectorAll('.x').forEach((el) => el.onclick = () => {});</script></body>"""
    )
    assert described(located) == [None, None]


def test_a_chain_describes_and_runs_the_same_calls(page: Page) -> None:
    open_html(page, "<ul><li>One <input type=checkbox></li><li>Two <input type=checkbox></li></ul>")
    chain = ChainedLocator(
        steps=[
            LocatorStep(method="get_by_role", role="listitem", argument=""),
            LocatorStep(method="filter", argument="Two"),
            LocatorStep(method="get_by_role", role="checkbox", argument=""),
        ]
    )
    assert chain.describe() == 'get_by_role("listitem").filter(has_text="Two").get_by_role("checkbox")'
    chain.to_playwright(page).check()
    assert page.evaluate("() => [...document.querySelectorAll('input')].map((i) => i.checked)") == [
        False,
        True,
    ]
