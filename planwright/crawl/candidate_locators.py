"""A locator a tester would write for an actionable candidate, checked to find exactly that element.

Playwright's guide orders locators by what people see: role and name, label, placeholder, alt text,
title, text, then a test id; for an unnamed thing in a list, "the checkbox in the row with text 'X'"
(`get_by_role("listitem").filter(has_text="X").get_by_role("checkbox")`) reads better and survives
longer than `body > ul > li:nth-of-type(2) > input`. Each try is measured in the live page and kept
only when it matches the candidate alone; a CSS id or icon selector comes last, and when nothing is
unique there is no locator rather than a wrong one.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator as PlaywrightLocator
from playwright.sync_api import Page
from pydantic import BaseModel, ConfigDict, Field

from planwright.browser.scripts import KEYS_OF_MATCHES_JS
from planwright.crawl.actionable import ACTIONABLE_ATTRIBUTE, ActionableCandidate, RepeatedContainer
from planwright.crawl.naming import LocatorHint, name_for
from planwright.schemas import Locator, LocatorLink

StepMethod = Literal[
    "get_by_role", "get_by_label", "get_by_placeholder", "get_by_alt_text", "get_by_title", "get_by_text",
    "get_by_test_id", "locator", "filter",
]  # fmt: skip

# Roles `get_by_role` can find a candidate by: a generic div has none.
_LOCATABLE_ROLES = frozenset(
    {"button", "link", "checkbox", "radio", "tab", "option", "menuitem", "menuitemcheckbox", "menuitemradio",
     "switch", "gridcell", "cell", "columnheader", "row", "listitem", "treeitem", "slider", "spinbutton",
     "combobox", "textbox", "searchbox", "img", "article"}
)  # fmt: skip
_NAME_SOURCES = ("aria-label", "text", "title", "alt", "label")


class LocatorStep(BaseModel):
    """One call of a Playwright locator chain; `filter` narrows by `has_text`."""

    model_config = ConfigDict(frozen=True)

    method: StepMethod
    argument: str
    role: str | None = None  # get_by_role's role; `argument` is then the name ("" for none)

    def describe(self) -> str:
        argument = json.dumps(self.argument, ensure_ascii=False)
        if self.method == "get_by_role":
            role = json.dumps(self.role)
            return f"get_by_role({role}, name={argument})" if self.argument else f"get_by_role({role})"
        if self.method == "filter":
            return f"filter(has_text={argument})"
        return f"{self.method}({argument})"

    def apply(self, base: Any) -> PlaywrightLocator:
        """This step on a page or a locator (both offer the same methods)."""
        if self.method == "get_by_role":
            if self.argument:
                return base.get_by_role(self.role, name=self.argument, exact=True)
            return base.get_by_role(self.role)
        if self.method == "filter":
            return base.filter(has_text=self.argument)
        if self.method == "locator":
            return base.locator(self.argument)
        if self.method == "get_by_test_id":
            return base.get_by_test_id(self.argument)
        return getattr(base, self.method)(self.argument, exact=True)


class ChainedLocator(BaseModel):
    """A locator as a chain of Playwright calls, e.g. list item with text X → its checkbox."""

    model_config = ConfigDict(frozen=True)

    steps: list[LocatorStep] = Field(min_length=1)

    def describe(self) -> str:
        """The chain as a QA engineer writes it: `get_by_role("listitem").filter(...).get_by_role(...)`."""
        return ".".join(step.describe() for step in self.steps)

    def to_playwright(self, page: Page) -> PlaywrightLocator:
        located: Any = page
        for step in self.steps:
            located = step.apply(located)
        return located  # type: ignore[no-any-return]


def _hint_step(hint: LocatorHint) -> LocatorStep:
    return LocatorStep(method=hint.method, argument=hint.argument, role=hint.role)


def _container_steps(container: RepeatedContainer) -> list[LocatorStep]:
    """The container found by its role (or tag and classes) and filtered by its key text."""
    if not container.key_text:
        return []
    if container.role in ("listitem", "row", "article", "option", "treeitem", "gridcell"):
        base = LocatorStep(method="get_by_role", argument="", role=container.role)
    else:
        classes = "".join(f".{cls}" for cls in container.classes if re.fullmatch(r"-?[A-Za-z_][\w-]*", cls))
        base = LocatorStep(method="locator", argument=f"{container.tag}{classes}")
    return [base, LocatorStep(method="filter", argument=container.key_text)]


def _tries(candidate: ActionableCandidate) -> list[ChainedLocator]:
    """Locators to try for the candidate, in the order a tester would prefer them."""
    tries: list[list[LocatorStep]] = []
    named = name_for(candidate.naming)
    role = candidate.role if candidate.role in _LOCATABLE_ROLES else None
    if role and named and named.source in _NAME_SOURCES:
        tries.append([LocatorStep(method="get_by_role", argument=named.written, role=role)])
    if (
        named
        and named.hint
        and named.source in ("aria-label", "label", "placeholder", "alt", "title", "text", "testid")
    ):
        tries.append([_hint_step(named.hint)])
    for attribute, value in candidate.naming.test_ids.items():
        if attribute == "data-testid":
            tries.append([LocatorStep(method="get_by_test_id", argument=value)])
    container = candidate.container
    inside = _container_steps(container) if container is not None else []
    if container is not None and inside:
        if container.is_self:
            tries.append(inside)
        elif role:
            tries.append([*inside, LocatorStep(method="get_by_role", argument="", role=role)])
        if (
            not container.is_self
            and named
            and named.hint
            and named.source in ("icon", "text", "title", "alt")
        ):
            tries.append([*inside, _hint_step(named.hint)])
    if named and named.hint and named.source in ("id", "icon", "name", "testid", "class"):
        tries.append([_hint_step(named.hint)])
    unique: list[ChainedLocator] = []
    for steps in tries:
        chain = ChainedLocator(steps=steps)
        if chain not in unique:
            unique.append(chain)
    return unique


def _finds_only(page: Page, chain: ChainedLocator, key: str) -> bool:
    try:
        keys = chain.to_playwright(page).evaluate_all(KEYS_OF_MATCHES_JS, ACTIONABLE_ATTRIBUTE)
    except PlaywrightError:  # a selector the page cannot parse is simply not a locator
        return False
    return bool(keys == [key])


def locate_candidate(page: Page, candidate: ActionableCandidate) -> ChainedLocator | None:
    """The most readable locator that finds exactly this candidate in the page as scanned, or None."""
    return next((chain for chain in _tries(candidate) if _finds_only(page, chain, candidate.key)), None)


# Single calls stored as the plain strategy they are (older readers, shorter descriptions).
_PLAIN_STRATEGIES = {
    "get_by_label": "label",
    "get_by_placeholder": "placeholder",
    "get_by_alt_text": "alt",
    "get_by_title": "title",
    "get_by_text": "text",
    "get_by_test_id": "testid",
    "locator": "css",
}


def stored_locator(chain: ChainedLocator) -> Locator:
    """The chain as a stored `schemas.Locator`, which the verifier and the exports turn into the same
    Playwright calls (`browser.locators.locator_calls`): a plain strategy for one call, else a chain."""
    if len(chain.steps) == 1:
        [step] = chain.steps
        if step.method == "get_by_role":
            return Locator(strategy="role", role=step.role, name=step.argument or None)
        if step.method in _PLAIN_STRATEGIES:
            return Locator(strategy=_PLAIN_STRATEGIES[step.method], value=step.argument)  # type: ignore[arg-type]
    links = [LocatorLink(method=step.method, argument=step.argument, role=step.role) for step in chain.steps]
    return Locator(strategy="chain", chain=links)
