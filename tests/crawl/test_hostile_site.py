"""A crawl of a hostile site ends, bounded, and says what it refused (issue 12's hostile fixture):
the metadata address is never contacted, a redirect loop and an alert() storm cost one warning or a
dismissed dialog, not the crawl, 20 000 elements are cut to the cap with a note, and markup and
formulas in names reach the exports as text, never as markup or a formula."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from planwright.crawl.crawler import crawl_site
from planwright.schemas import CrawlOptions, CrawlResult
from tests.fixture_apps.common import AppServer
from tests.fixture_apps.hostile_app import (
    FORMULA_NAME,
    HUGE_ELEMENTS,
    METADATA,
    SCRIPT_NAME,
    serve_hostile_site,
)

MAX_ELEMENTS = 300
CRAWL_BUDGET_S = 150


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[str, AppServer]]:
    with serve_hostile_site() as site:
        yield site


@pytest.fixture(scope="module")
def crawl(browser: Browser, hostile: tuple[str, AppServer]) -> tuple[CrawlResult, float]:
    base_url, _ = hostile
    options = CrawlOptions(
        max_pages=8,
        max_depth=1,
        page_timeout_s=30,
        total_timeout_s=CRAWL_BUDGET_S,
        max_elements_per_page=MAX_ELEMENTS,
        max_actions_per_page=4,
    )
    started = time.monotonic()
    result = crawl_site(base_url + "/", options, browser=browser)
    return result, time.monotonic() - started


def test_the_crawl_ends_within_its_budget(crawl: tuple[CrawlResult, float]) -> None:
    result, seconds = crawl
    assert seconds < CRAWL_BUDGET_S + 30, f"the hostile crawl took {seconds:.0f} s"
    urls = {page.url.rstrip("/").rsplit("/", 1)[-1] for page in result.pages}
    assert {"alerts", "names"} <= urls, (urls, result.warnings)


def test_the_metadata_address_is_never_contacted_and_the_refusal_is_said(
    crawl: tuple[CrawlResult, float],
) -> None:
    result, _ = crawl
    assert not any(page.url.startswith(METADATA) for page in result.pages)
    said = " ".join(result.warnings)
    assert "169.254.169.254" in said, result.warnings


def test_a_redirect_loop_is_a_warning_not_a_page(crawl: tuple[CrawlResult, float]) -> None:
    result, _ = crawl
    assert not any(page.url.rstrip("/").endswith(("/loop", "/loop-b")) for page in result.pages)
    assert any("/loop" in warning for warning in result.warnings), result.warnings


def test_twenty_thousand_elements_are_cut_with_a_note(crawl: tuple[CrawlResult, float]) -> None:
    """Kept with the first MAX_ELEMENTS and a note; or, where the browser cannot even read the page
    within the page timeout (a loaded machine), skipped with a warning — bounded either way."""
    result, _ = crawl
    huge = [page for page in result.pages if page.url.rstrip("/").endswith("/huge")]
    if huge:
        assert len(huge[0].elements) <= MAX_ELEMENTS
        assert any(f"has {HUGE_ELEMENTS} interactive elements" in note for note in result.notes), result.notes
    else:
        assert any("/huge" in warning for warning in result.warnings), result.warnings


def test_names_keep_their_markup_and_formulas_as_plain_text(crawl: tuple[CrawlResult, float]) -> None:
    result, _ = crawl
    names_page = next(page for page in result.pages if page.url.rstrip("/").endswith("/names"))
    names = {element.name for element in names_page.elements}
    assert SCRIPT_NAME in names and FORMULA_NAME in names, names
    assert names_page.title == SCRIPT_NAME


def test_hostile_names_reach_the_spreadsheet_as_text(crawl: tuple[CrawlResult, float], tmp_path: object) -> None:
    """The xlsx export neutralises a name that a spreadsheet would run as a formula."""
    from io import BytesIO

    from openpyxl import load_workbook

    from planwright.exports.cells import safe_cell

    assert not str(safe_cell(FORMULA_NAME)).startswith("=")
    workbook = load_workbook(BytesIO(_one_row_xlsx(FORMULA_NAME)))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row if cell.value]
    assert any(FORMULA_NAME in str(value) for value in values)
    assert not any(str(value).startswith("=") for value in values)


def _one_row_xlsx(text: str) -> bytes:
    from datetime import UTC, datetime

    from planwright.exports import render_export
    from planwright.schemas import Expectation, PlanExport, TestCaseData

    case = TestCaseData(
        id=1,
        plan_id=1,
        page_url="http://127.0.0.1/",
        title=text,
        steps=[],
        expected=[Expectation(kind="text", value=text)],
    )
    plan = PlanExport(id=1, url="http://127.0.0.1/", language="en", status="done", created_at=datetime.now(UTC), cases=[case])
    body, _, _ = render_export(plan, "xlsx")
    return body
