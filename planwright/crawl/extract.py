"""What one loaded page offers a tester: title, headings and every visible interactive element.

Extraction reads the live page and returns pydantic models; it never clicks, navigates or touches a
database. Accessible names are computed in the page (a compact version of the accname rules), and every
role locator we emit is checked with Playwright's own `get_by_role` so a wrong guess falls back to
the next strategy instead of producing a locator that does not work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from planwright.browser.locators import ElementInfo, choose_locator
from planwright.browser.scripts import COLLECT_ELEMENTS_JS, KEY_ATTRIBUTE, KEYS_OF_MATCHES_JS, MAIN_HEADING_JS
from planwright.schemas import Element, ElementKind, PageSnapshot


@dataclass(frozen=True)
class ElementExtras:
    """What the crawler needs about an element that the shared schema does not carry."""

    disabled: bool
    is_submit: bool


def main_heading(page: Page) -> str | None:
    """The first visible h1: what a person reads as "the page I landed on"."""
    heading = page.evaluate(MAIN_HEADING_JS)
    return heading or None


def _count_for(page: Page, key: str, locator: Any) -> int:
    """How many elements a locator matches, or 0 when it does not match this element at all."""
    keys = locator.evaluate_all(KEYS_OF_MATCHES_JS, KEY_ATTRIBUTE)
    return len(keys) if key in keys else 0


def _element_info(page: Page, item: dict[str, Any]) -> ElementInfo:
    """Gather uniqueness counts lazily: fallbacks are only measured when the role locator fails."""
    key, role, name = item["key"], item["role"], item["name"]
    role_count = 0
    if name and role not in ("generic", ""):
        role_count = _count_for(page, key, page.get_by_role(role, name=name, exact=True))
    if role_count == 1:
        return ElementInfo(role=role, name=name, role_name_count=1, css=item["css"])
    test_id, label, placeholder = item["testId"], item["label"], item["placeholder"]
    return ElementInfo(
        role=role,
        name=name,
        role_name_count=role_count,
        test_id=test_id,
        test_id_count=_count_for(page, key, page.get_by_test_id(test_id)) if test_id else 0,
        label=label,
        label_count=_count_for(page, key, page.get_by_label(label, exact=True)) if label else 0,
        placeholder=placeholder,
        placeholder_count=(
            _count_for(page, key, page.get_by_placeholder(placeholder, exact=True)) if placeholder else 0
        ),
        css=item["css"],
    )


def extract_elements(page: Page) -> tuple[list[str], list[Element], dict[str, ElementExtras]]:
    """Headings (h1-h3) and every visible interactive element, keyed e1, e2, ... in DOM order."""
    headings, elements, extras, _ = extract_bounded(page, max_elements=None)
    return headings, elements, extras


def extract_bounded(
    page: Page, *, max_elements: int | None
) -> tuple[list[str], list[Element], dict[str, ElementExtras], int]:
    """`extract_elements` for at most `max_elements` elements, and how many the page has.

    Why the cut comes before the locators: choosing one costs round trips to the browser per element,
    so a page of 20 000 buttons would hold the crawl for minutes before any cap applied."""
    collected = page.evaluate(COLLECT_ELEMENTS_JS, [KEY_ATTRIBUTE, max_elements])
    found = int(collected["found"])
    items = collected["items"]
    elements: list[Element] = []
    extras: dict[str, ElementExtras] = {}
    for item in items:
        kind: ElementKind = item["kind"]
        elements.append(
            Element(
                key=item["key"],
                kind=kind,
                role=item["role"],
                name=item["name"],
                locator=choose_locator(_element_info(page, item)),
                href=item["href"],
                input_type=item["inputType"],
                required=item["required"],
                options=item["options"],
                form_key=item["formKey"],
                field_keys=item.get("fieldKeys") or [],
                submit_key=item.get("submitKey"),
            )
        )
        extras[item["key"]] = ElementExtras(disabled=item["disabled"], is_submit=item["isSubmit"])
    return collected["headings"], elements, extras, found


def extract_page(
    page: Page,
    *,
    status: int | None = None,
    depth: int = 0,
    screenshot_path: str | Path | None = None,
) -> PageSnapshot:
    """Snapshot a loaded page: title, headings, ARIA tree, screenshot and interactive elements."""
    headings, elements, _ = extract_elements(page)
    return snapshot_from(
        page, headings, elements, status=status, depth=depth, screenshot_path=screenshot_path
    )


def snapshot_from(
    page: Page,
    headings: list[str],
    elements: list[Element],
    *,
    status: int | None,
    depth: int,
    screenshot_path: str | Path | None,
) -> PageSnapshot:
    """Add the page-wide parts (title, ARIA snapshot, screenshot) to already extracted elements."""
    saved: str | None = None
    if screenshot_path is not None:
        path = Path(screenshot_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        saved = str(path)
    return PageSnapshot(
        url=page.url,
        status=status,
        depth=depth,
        title=page.title(),
        headings=headings,
        screenshot_path=saved,
        aria_snapshot=page.locator("body").aria_snapshot(),
        elements=elements,
    )
