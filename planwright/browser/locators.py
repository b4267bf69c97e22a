"""Locators: choosing the one a test should use, and turning a stored one into a Playwright call.

Choosing follows what survives redesigns best and what a QA engineer would write by hand: role +
accessible name, then a test id, then the label, then the placeholder, and only then a CSS path. A
strategy is used only when it is unique on the page, which the extractor checks in the live page.

Turning a stored locator back into calls is written once (`locator_calls`): the live page uses it
(`to_playwright`) and the code generators render the same call as Python or TypeScript source, so an
exported test finds an element exactly as exploration and verification did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planwright.browser.errors import NotExecutable
from planwright.schemas import Locator, LocatorLink

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
    """One Playwright locator method call: `<base>.<method>(argument, name=..., exact=True)`.

    `method` is the Python API's name (`get_by_role`); the TypeScript renderer camel-cases it.
    `name` is only used by role locators; None means "any accessible name". `filter` is
    `.filter(has_text=argument)`. A stored locator is one call, or several for a chain.
    """

    method: str
    argument: str
    name: str | None = None
    exact: bool = False


# strategy -> (method, whether it matches the whole text); the order of `choose_locator` first.
_METHODS: dict[str, tuple[str, bool]] = {
    "role": ("get_by_role", True),
    "testid": ("get_by_test_id", False),
    "label": ("get_by_label", True),
    "placeholder": ("get_by_placeholder", True),
    "title": ("get_by_title", True),
    "alt": ("get_by_alt_text", True),
    "text": ("get_by_text", True),
    "css": ("locator", False),
}
_INEXACT_LINKS = {"get_by_test_id", "locator", "filter"}


def _link_call(link: LocatorLink) -> LocatorCall:
    if link.method == "get_by_role":
        if not link.role:
            raise NotExecutable("chained role locator without a role")
        name = link.argument or None
        return LocatorCall("get_by_role", link.role, name=name, exact=name is not None)
    return LocatorCall(link.method, link.argument, exact=link.method not in _INEXACT_LINKS)


def locator_calls(locator: Locator) -> list[LocatorCall]:
    """The calls, page first, that find a stored locator's element; NotExecutable when it is
    incomplete. One call for every strategy but a chain."""
    if locator.strategy == "chain":
        if not locator.chain:
            raise NotExecutable("chained locator without calls")
        return [_link_call(link) for link in locator.chain]
    if locator.strategy not in _METHODS:
        raise NotExecutable(f"unknown locator strategy {locator.strategy!r}")
    method, exact = _METHODS[locator.strategy]
    if locator.strategy == "role":
        if not locator.role:
            raise NotExecutable("role locator without a role")
        return [LocatorCall(method, locator.role, name=locator.name, exact=locator.name is not None)]
    if locator.value is None:
        raise NotExecutable(f"{locator.strategy} locator without a value")
    return [LocatorCall(method, locator.value, exact=exact)]


def locator_call(locator: Locator) -> LocatorCall:
    """The one call of a locator that is not a chain (NotExecutable for a chain or an incomplete one)."""
    calls = locator_calls(locator)
    if len(calls) != 1:
        raise NotExecutable(f"{locator.describe()} is a chain of {len(calls)} calls")
    return calls[0]


def to_playwright(page: Page, locator: Locator) -> PlaywrightLocator:
    """The Playwright locator that `Locator.describe()` spells out, bound to a live page."""
    located: Any = page
    for call in locator_calls(locator):
        if call.method == "filter":
            located = located.filter(has_text=call.argument)
            continue
        options: dict[str, Any] = {}
        if call.name is not None:
            options["name"] = call.name
        if call.exact:
            options["exact"] = True
        located = getattr(located, call.method)(call.argument, **options)
    return located  # type: ignore[no-any-return]
