"""Choosing the locator a test should use to find an element again.

The order follows what survives redesigns best and what a QA engineer would write by hand: role +
accessible name, then a test id, then the label, then the placeholder, and only then a CSS path. A
strategy is used only when it is unique on the page, which the extractor checks in the live page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator as PlaywrightLocator
from playwright.sync_api import Page

from planwright.schemas import Locator


@dataclass(frozen=True)
class ElementInfo:
    """What the page says about one element, with how many elements each strategy would match."""

    role: str
    name: str = ""
    role_name_count: int = 0  # matches of get_by_role(role, name=name, exact=True)
    test_id: str | None = None
    test_id_count: int = 0
    label: str | None = None
    label_count: int = 0
    placeholder: str | None = None
    placeholder_count: int = 0
    css: str = ""


def choose_locator(info: ElementInfo) -> Locator:
    """The most robust strategy that finds exactly this element; CSS when nothing else is unique."""
    if info.name.strip() and info.role_name_count == 1:
        return Locator(strategy="role", role=info.role, name=info.name)
    if info.test_id and info.test_id_count == 1:
        return Locator(strategy="testid", value=info.test_id)
    if info.label and info.label.strip() and info.label_count == 1:
        return Locator(strategy="label", value=info.label)
    if info.placeholder and info.placeholder.strip() and info.placeholder_count == 1:
        return Locator(strategy="placeholder", value=info.placeholder)
    return Locator(strategy="css", value=info.css)


def to_playwright(page: Page, locator: Locator) -> PlaywrightLocator:
    """The Playwright locator that `Locator.describe()` spells out, bound to a live page."""
    if locator.strategy == "role":
        role: Any = locator.role  # Playwright types roles as a Literal; ours come from the page
        return page.get_by_role(role, name=locator.name, exact=True)
    if locator.strategy == "testid":
        return page.get_by_test_id(locator.value or "")
    if locator.strategy == "label":
        return page.get_by_label(locator.value or "", exact=True)
    if locator.strategy == "placeholder":
        return page.get_by_placeholder(locator.value or "", exact=True)
    return page.locator(locator.value or "")
