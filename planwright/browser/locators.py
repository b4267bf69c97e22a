"""Locators: choosing the one a test should use, and turning a stored one into a Playwright call.

Choosing follows what survives redesigns best and what a QA engineer would write by hand: role +
accessible name, then a test id, then the label, then the placeholder, and only then a CSS path. A
strategy is used only when it is unique on the page, which the extractor checks in the live page.

Turning a stored locator back into a call is written once (`locator_call`): the live page uses it
(`to_playwright`) and the code generators render the same call as Python or TypeScript source, so an
exported test finds an element exactly as exploration and verification did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planwright.browser.errors import NotExecutable
from planwright.schemas import Locator

if TYPE_CHECKING:  # only for annotations: the code generators import this module without a browser
    from playwright.sync_api import Locator as PlaywrightLocator
    from playwright.sync_api import Page


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


@dataclass(frozen=True)
class LocatorCall:
    """One Playwright page method call: `page.<method>(argument, name=..., exact=True)`.

    `method` is the Python API's name (`get_by_role`); the TypeScript renderer camel-cases it.
    `name` is only used by role locators; None means "any accessible name".
    """

    method: str
    argument: str
    name: str | None = None
    exact: bool = False


# strategy -> (page method, whether it matches the whole text); the order of `choose_locator`.
_METHODS: dict[str, tuple[str, bool]] = {
    "role": ("get_by_role", True),
    "testid": ("get_by_test_id", False),
    "label": ("get_by_label", True),
    "placeholder": ("get_by_placeholder", True),
    "css": ("locator", False),
}


def locator_call(locator: Locator) -> LocatorCall:
    """The call that finds a stored locator's element; NotExecutable when the locator is incomplete."""
    if locator.strategy not in _METHODS:
        raise NotExecutable(f"unknown locator strategy {locator.strategy!r}")
    method, exact = _METHODS[locator.strategy]
    if locator.strategy == "role":
        if not locator.role:
            raise NotExecutable("role locator without a role")
        return LocatorCall(method, locator.role, name=locator.name, exact=locator.name is not None)
    if locator.value is None:
        raise NotExecutable(f"{locator.strategy} locator without a value")
    return LocatorCall(method, locator.value, exact=exact)


def to_playwright(page: Page, locator: Locator) -> PlaywrightLocator:
    """The Playwright locator that `Locator.describe()` spells out, bound to a live page."""
    call = locator_call(locator)
    options: dict[str, Any] = {}
    if call.name is not None:
        options["name"] = call.name
    if call.exact:
        options["exact"] = True
    return getattr(page, call.method)(call.argument, **options)
