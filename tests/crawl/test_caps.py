"""Bounds per page (elements, ARIA snapshot): cut, with a note saying what was cut."""

from __future__ import annotations

from playwright.sync_api import Browser

from planwright.crawl.caps import SNAPSHOT_CUT_MARK, cap_snapshot
from planwright.crawl.crawler import crawl_site
from planwright.schemas import CrawlOptions, Element, Locator, PageSnapshot


def element(key: str, kind: str = "button", **extra: object) -> Element:
    return Element(
        key=key, kind=kind, role=kind, name=key, locator=Locator(strategy="css", value=f"#{key}"), **extra
    )


def test_a_page_past_the_bounds_is_cut_and_says_so() -> None:
    form = element("f", "form", field_keys=["e1", "e9"], submit_key="e2")  # its field e9 is cut
    page = PageSnapshot(
        url="http://app/",
        elements=[element(f"e{i}") for i in range(5)] + [form, element("e9")],
        aria_snapshot="\n".join(f'- button "b{i}"' for i in range(100)),
    )
    notes = cap_snapshot(page, max_elements=6, max_snapshot_chars=120)
    assert [e.key for e in page.elements] == ["e0", "e1", "e2", "e3", "e4"]  # the half-cut form went too
    assert page.aria_snapshot is not None and page.aria_snapshot.endswith(SNAPSHOT_CUT_MARK)
    assert len(page.aria_snapshot) <= 120 + len(SNAPSHOT_CUT_MARK)
    assert "has 7 interactive elements; the first 5 were kept" in notes[0]
    assert "ARIA snapshot has" in notes[1] and "CRAWL_MAX_SNAPSHOT_CHARS" in notes[1]
    assert cap_snapshot(page, max_elements=6, max_snapshot_chars=10_000) == []  # within bounds: untouched


def test_a_real_crawl_keeps_the_bounds(browser: Browser, fixture_site: str) -> None:
    options = CrawlOptions(
        max_pages=1, max_depth=0, explore=False, max_elements_per_page=3, max_snapshot_chars=1000
    )
    result = crawl_site(fixture_site + "/", options, browser=browser)
    page = result.pages[0]
    assert len(page.elements) <= 3 and len(page.aria_snapshot or "") <= 1000 + len(SNAPSHOT_CUT_MARK)
    assert any("interactive elements; the first" in note for note in result.notes), result.notes
