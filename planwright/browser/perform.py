"""The one way to perform a step: exploration observes with it, verification checks with it.

Why one: a case is only worth its "verified" when the act it was observed with is the act it is
verified with (and the act the exported test does, see `codegen`). So the locator rule, the wait for
the target, the submit rule, the untick words and the settling after a step are all here; callers
differ only in their time budgets (`Timeouts`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator as PlaywrightLocator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planwright import metrics
from planwright.browser.errors import NotExecutable, StepFailed, first_line
from planwright.browser.locators import to_playwright
from planwright.browser.operations import (
    SUBMIT_BUTTON_SELECTOR,
    SUBMIT_BY_ENTER_TAGS,
    SUBMIT_OWN_FORM_TAGS,
    Operation,
)
from planwright.browser.recorder import Tab
from planwright.browser.scripts import REQUEST_SUBMIT_JS, SUBMIT_OWN_FORM_JS, TAG_NAME_JS


@dataclass(frozen=True)
class Timeouts:
    """A caller's time budget for its steps, in milliseconds.

    `locate` is how long a target may take to appear; `action` bounds one click or fill,
    `navigation` a goto or back, `load` the wait for a navigation a step started. Each wait is also
    cut to what is left before `deadline` (a `time.monotonic()` value), never below `floor`
    (Playwright reads 0 as "no timeout"). The rest is how thoroughly the page settles after a step:
    fetches in flight, a pause for handlers, a quiet DOM (0: not waited for; the verifier relies on
    its expectations' auto-wait instead).
    """

    locate: float
    action: float
    navigation: float
    load: float
    inflight_max: float = 0
    pause: float = 0
    quiet: float = 0
    quiet_max: float = 0
    deadline: float | None = None
    floor: float = 1.0

    def within(self, budget_ms: float) -> float:
        """`budget_ms`, cut to the time left before the deadline."""
        if self.deadline is not None:
            budget_ms = min(budget_ms, (self.deadline - time.monotonic()) * 1000.0)
        return max(budget_ms, self.floor)


def perform(operation: Operation, tab: Tab, timeouts: Timeouts) -> None:
    """Do one operation on the tab's page and let the page settle.

    Raises NotExecutable when the target is missing, ambiguous or not a valid locator, StepFailed
    when the site did not let the step happen (a timeout, a navigation error, a refused click).
    """
    metrics.BROWSER_ACTIONS.labels(operation.kind).inc()
    page = tab.page
    if operation.kind == "goto":
        url = operation.value or ""
        try:
            page.goto(url, wait_until="load", timeout=timeouts.within(timeouts.navigation))
        except PlaywrightTimeoutError as exc:
            raise StepFailed(f"{url} did not load in time") from exc
        except PlaywrightError as exc:
            raise StepFailed(f"could not open {url}: {first_line(exc)}") from exc
    elif operation.kind == "back":
        try:
            page.go_back(wait_until="load", timeout=timeouts.within(timeouts.navigation))
        except PlaywrightTimeoutError as exc:
            raise StepFailed("the previous page did not load in time") from exc
        except PlaywrightError as exc:
            raise StepFailed(f"could not go back: {first_line(exc)}") from exc
    elif operation.kind == "keyboard":
        page.keyboard.press(operation.value or "Enter")
    else:
        _act_on_target(operation, tab, timeouts)
    settle(tab, timeouts)


def settle(tab: Tab, timeouts: Timeouts) -> None:
    """Let what a step started finish, as thoroughly as the budget asks."""
    tab.settle(
        load_ms=timeouts.within(timeouts.load),
        inflight_max_ms=timeouts.inflight_max,
        pause_ms=timeouts.pause,
        quiet_ms=timeouts.quiet,
        quiet_max_ms=timeouts.quiet_max,
    )


def _act_on_target(operation: Operation, tab: Tab, timeouts: Timeouts) -> None:
    assert operation.locator is not None
    target = to_playwright(tab.page, operation.locator)
    description = operation.locator.describe()
    try:
        count = _count_matches(target, timeouts.within(timeouts.locate))
    except PlaywrightError as exc:
        raise NotExecutable(f"target {description} is not a valid locator: {first_line(exc)}") from exc
    if count != 1:
        raise NotExecutable(f"target {description} matches {count} elements")
    timeout = timeouts.within(timeouts.action)
    kind = operation.kind
    try:
        if kind == "click":
            target.click(timeout=timeout)
        elif kind == "dblclick":
            target.dblclick(timeout=timeout)
        elif kind == "fill":
            target.fill(operation.value or "", timeout=timeout)
        elif kind == "select":
            target.select_option(operation.value or "", timeout=timeout)
        elif kind == "check":
            target.check(timeout=timeout)
        elif kind == "uncheck":
            target.uncheck(timeout=timeout)
        elif kind == "press":
            target.press(operation.value or "Enter", timeout=timeout)
        elif kind == "hover":
            target.hover(timeout=timeout)
        elif kind == "submit":
            submit(target, timeout)
    except PlaywrightTimeoutError as exc:
        raise StepFailed(f"{description} could not be used in time: {first_line(exc)}") from exc
    except PlaywrightError as exc:
        raise StepFailed(f"{description}: {first_line(exc)}") from exc


def _count_matches(target: PlaywrightLocator, wait_ms: float) -> int:
    """Wait briefly for the target to appear, then count: a step must point at exactly one element."""
    try:
        target.first.wait_for(state="attached", timeout=wait_ms)
    except PlaywrightTimeoutError:
        pass
    return target.count()


def submit(target: PlaywrightLocator, timeout: float) -> None:
    """Submit the way a user would (the rule is `operations.SUBMIT_*`, which the exports render)."""
    tag = target.evaluate(TAG_NAME_JS)
    if tag == "form":
        button = target.locator(SUBMIT_BUTTON_SELECTOR)
        if button.count():
            button.first.click(timeout=timeout)
        else:
            target.evaluate(REQUEST_SUBMIT_JS)
    elif tag in SUBMIT_BY_ENTER_TAGS:
        target.press("Enter", timeout=timeout)
    elif tag in SUBMIT_OWN_FORM_TAGS:
        target.evaluate(SUBMIT_OWN_FORM_JS)
    else:
        target.click(timeout=timeout)
