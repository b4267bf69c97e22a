"""Execute test cases in a real browser and say, per case, whether the plan holds.

Why: a small local model writes the plans, and it does not reliably write correct steps or expected
results. A case is only worth keeping when the site really behaves as it says, so every case is run
from a fresh browser context (no cookies or storage leaking between cases), step by step, and then its
expected results are asserted with a short auto-wait, the way Playwright's own `expect` does.

Three outcomes: `verified`; `failed` (the site did not do what the case says, or did not respond in
time; the detail names the step or the expectation); `not_executable` (the plan itself cannot be run:
a missing or ambiguous target, an unsupported action, a malformed expectation).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator as PWLocator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planwright.browser.contexts import new_context
from planwright.browser.errors import NotExecutable, StepFailed, first_line
from planwright.browser.locators import to_playwright
from planwright.browser.operations import step_operation
from planwright.browser.perform import Timeouts, perform
from planwright.browser.recorder import Tab
from planwright.browser.scripts import DIALOG_SHOWN_JS, VALIDATION_CHECK_JS, VALIDATION_OBSERVE_JS
from planwright.browser.watchdog import Watchdog
from planwright.schemas import AuthSpec, BrowserLocale, Expectation, Step, TestCaseData, Verification
from planwright.verify.checks import normalize_url_value, parse_locator_description, url_regex

EXPECT_WAIT_S = 3.0  # auto-wait for each expected result (the site may still be rendering)
LOCATE_WAIT_S = 3.0  # how long a step waits for its target to appear before calling it missing
SETTLE_WAIT_S = 5.0  # after a step, wait this long at most for a started navigation to load
GRACE_S = 0.25  # even past the deadline, expectations get one quick look
DIALOG_POLL_MS = 100  # how often a dialog expectation looks again while it waits
WATCHDOG_GRACE_S = 2.0  # past the deadline, a case whose page stopped responding is cut off

ProgressCallback = Callable[[int, int, TestCaseData, Verification], None]


@dataclass
class _Run:
    """One case's browser state: its context, its deadline and the tab the case acts on."""

    context: BrowserContext
    deadline: float
    tab: Tab | None = None

    @property
    def page(self) -> Page:
        assert self.tab is not None
        return self.tab.page

    @property
    def dialogs(self) -> list[str]:
        """Messages of the native dialogs the case's page showed (all accepted)."""
        return self.tab.dialogs if self.tab is not None else []

    @property
    def last_status(self) -> int | None:
        return self.tab.last_status if self.tab is not None else None

    def remaining_ms(self, cap_s: float | None = None, floor_s: float = 0.0) -> float:
        left = max(self.deadline - time.monotonic(), floor_s)
        if cap_s is not None:
            left = min(left, cap_s)
        return max(left * 1000.0, 1.0)  # Playwright reads 0 as "no timeout"

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def timeouts(self) -> Timeouts:
        """Every wait of a step is bounded by the case's deadline; nothing waits for a quiet DOM (the
        expectations auto-wait instead)."""
        left = self.remaining_ms()
        return Timeouts(
            locate=LOCATE_WAIT_S * 1000,
            action=left,
            navigation=left,
            load=SETTLE_WAIT_S * 1000,
            deadline=self.deadline,
        )


def quoted(text: str | None, limit: int = 120) -> str:
    text = "" if text is None else " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def _run_step(run: _Run, case: TestCaseData, step: Step) -> None:
    """One step through the shared `perform`; a target problem names the step."""
    operation = step_operation(step, case.page_url)
    assert run.tab is not None
    run.page.set_default_timeout(run.remaining_ms())  # what perform does not bound itself
    try:
        perform(operation, run.tab, run.timeouts())
    except NotExecutable as exc:
        raise NotExecutable(f"step {step.n}: {exc}") from exc


# ---------------------------------------------------------------- expectations


def _visible(target: PWLocator) -> PWLocator:
    return target.filter(visible=True).first


def _passes(target: PWLocator, timeout_ms: float) -> bool:
    try:
        expect(_visible(target)).to_be_visible(timeout=timeout_ms)
        return True
    except AssertionError:
        return False


def _dialog_locator(page: Page, value: str) -> PWLocator:
    dialogs = page.get_by_role("dialog").or_(page.get_by_role("alertdialog"))
    return dialogs.filter(has_text=value) if value else dialogs


def _dialog_shown(run: _Run, value: str, wait_ms: float) -> bool:
    """Whether a native dialog (also one arriving while we wait) or a visible HTML dialog says `value`,
    by the comparison the exported tests use too (DIALOG_SHOWN_JS)."""
    give_up = time.monotonic() + wait_ms / 1000.0
    while True:
        try:
            if run.page.evaluate(DIALOG_SHOWN_JS, [value, list(run.dialogs)]):
                return True
        except PlaywrightError:
            pass  # the page is navigating; look again
        if time.monotonic() >= give_up:
            return False
        run.page.wait_for_timeout(DIALOG_POLL_MS)


def _check(run: _Run, case: TestCaseData, expectation: Expectation) -> str | None:
    """None when the expectation holds, else what was observed instead."""
    page = run.page
    value = expectation.value
    wait = run.remaining_ms(EXPECT_WAIT_S, floor_s=GRACE_S)
    kind = expectation.kind
    if kind == "url":
        pattern = re.compile(url_regex(normalize_url_value(value, case.page_url)))
        try:
            expect(page).to_have_url(pattern, timeout=wait)
            return None
        except AssertionError:
            return f"page is at {page.url}"
    if kind == "title":
        try:
            expect(page).to_have_title(value, timeout=wait)
            return None
        except AssertionError:
            return f"title is {quoted(page.title())}"
    if kind == "heading":
        if _passes(page.get_by_role("heading", name=value, exact=True), wait):
            return None
        seen = page.get_by_role("heading").filter(visible=True).all_inner_texts()
        return "visible headings: " + (", ".join(quoted(h) for h in seen[:8]) or "none")
    if kind == "text":
        if _passes(page.get_by_text(value), wait):
            return None
        return "no visible element contains this text"
    if kind == "visible":
        parsed = parse_locator_description(value)
        if parsed is None:
            if _passes(page.get_by_text(value), wait):
                return None
            return "no visible element contains this text"
        target = to_playwright(page, parsed)
        if _passes(target, wait):
            return None
        return f"{parsed.describe()} matches {target.count()} elements, none visible"
    if kind == "dialog":
        if _dialog_shown(run, value, wait):
            return None
        shown = [quoted(m) for m in run.dialogs]
        shown += [quoted(t) for t in _dialog_locator(page, "").filter(visible=True).all_inner_texts()]
        return "dialogs shown: " + ", ".join(shown) if shown else "no dialog was shown"
    if kind == "validation":
        try:
            page.wait_for_function(VALIDATION_CHECK_JS, arg=value, timeout=wait)
            return None
        except PlaywrightTimeoutError:
            seen = page.evaluate(VALIDATION_OBSERVE_JS)
            parts = []
            if seen["reported"]:
                parts.append("field messages: " + ", ".join(quoted(m) for m in seen["reported"]))
            if seen["alerts"]:
                parts.append("alerts: " + ", ".join(quoted(m) for m in seen["alerts"]))
            return "; ".join(parts) or "no validation message and no alert was shown"
    if kind == "status":
        try:
            wanted = int(value.strip())
        except ValueError as exc:
            raise NotExecutable(f"expected status {quoted(value)}: not an HTTP status code") from exc
        try:
            page.wait_for_load_state("load", timeout=wait)
        except PlaywrightTimeoutError:
            pass
        if run.last_status == wanted:
            return None
        return f"last navigation returned {run.last_status if run.last_status is not None else 'nothing'}"
    raise NotExecutable(f"expected {kind} {quoted(value)}: unsupported expectation kind")


# ---------------------------------------------------------------- one case, many cases


def _execute(run: _Run, case: TestCaseData) -> Verification:
    steps = sorted(case.steps, key=lambda s: s.n)
    if not steps or steps[0].action != "open":
        # A case is written "on" its page: start there when it does not open a page itself.
        steps = [Step(n=0, action="open", text=f"open {case.page_url}")] + steps
    for step in steps:
        if run.expired():
            return Verification(status="failed", detail=f"step {step.n} ({step.text}): case timed out")
        try:
            _run_step(run, case, step)
        except StepFailed as exc:
            return Verification(status="failed", detail=f"step {step.n} ({step.text}): {exc}")
    if not case.expected:
        return Verification(status="not_executable", detail="the case has no expected results to check")
    problems = []
    for expectation in case.expected:
        observed = _check(run, case, expectation)
        if observed is not None:
            problems.append(f"expected {expectation.kind} {quoted(expectation.value)}: {observed}")
    if problems:
        return Verification(status="failed", detail="; ".join(problems))
    checked = ", ".join(e.kind for e in case.expected)
    return Verification(
        status="verified",
        detail=f"{len(steps)} step(s) run, {len(case.expected)} check(s) passed ({checked})",
    )


def _screenshot(page: Page, path: Path) -> None:
    """Best effort: a page that cannot be captured leaves the case's result as it was."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), timeout=3000)
    except Exception:
        path.unlink(missing_ok=True)


def verify_case(
    case: TestCaseData,
    browser: Browser,
    *,
    timeout_s: float = 10,
    auth: AuthSpec | None = None,
    failure_screenshot: Path | None = None,
    locale: BrowserLocale | None = None,
) -> Verification:
    """Run one case in its own context; never raises for anything the site or browser does.

    `auth` (already resolved: a storage state, headers or basic auth) logs every context in the same way.
    `failure_screenshot`: where to save the page as it was when a failed case stopped (a regression
    shows it next to the step and reason). `locale`: the plan's (as its crawl and exports have it).
    """
    deadline = time.monotonic() + timeout_s
    try:
        context = new_context(browser, auth, origin=case.page_url, locale=locale)
    except Exception as exc:  # a crashed or closed browser
        return Verification(status="failed", detail=f"browser unavailable: {first_line(exc)}")
    run = _Run(context=context, deadline=deadline)
    watchdog = Watchdog(context, timeout_s + WATCHDOG_GRACE_S, "planwright: case timed out")
    try:
        with watchdog:
            # New tabs are not followed: the exported tests act on one page too, and they must agree.
            run.tab = Tab.open(context)
            verification = _execute(run, case)
            if failure_screenshot is not None and verification.status == "failed":
                _screenshot(run.tab.page, failure_screenshot)
    except NotExecutable as exc:
        verification = Verification(status="not_executable", detail=str(exc))
    except PlaywrightTimeoutError as exc:
        verification = Verification(
            status="failed", detail=f"timed out after {timeout_s:g} s: {first_line(exc)}"
        )
    except Exception as exc:  # browser crash, closed page, driver error: this case fails, others go on
        verification = Verification(status="failed", detail=f"browser error: {first_line(exc)}")
    finally:
        try:
            context.close()
        except Exception:
            pass  # the browser is gone already
    if watchdog.fired:  # whatever the case reported, it was cut off: the real reason is the hang
        return Verification(
            status="failed", detail=f"case timed out after {timeout_s:g} s: the page stopped responding"
        )
    return verification


def verify_cases(
    cases: Iterable[TestCaseData],
    browser: Browser | Callable[[], Browser],
    *,
    timeout_s: float = 10,
    on_progress: ProgressCallback | None = None,
    auth: AuthSpec | None = None,
    locale: BrowserLocale | None = None,
) -> list[Verification]:
    """Verify cases one after another; a failure in one never stops the rest.

    `browser` may be a callable (e.g. `lambda: holder.browser`) so that a browser that crashed during
    one case is relaunched for the next instead of failing every case after it.
    """
    items = list(cases)
    results: list[Verification] = []
    for index, case in enumerate(items, start=1):
        try:
            current = browser() if callable(browser) else browser
            verification = verify_case(case, current, timeout_s=timeout_s, auth=auth, locale=locale)
        except Exception as exc:  # defensive: verify_case should not raise
            verification = Verification(status="failed", detail=f"verifier error: {first_line(exc)}")
        results.append(verification)
        if on_progress is not None:
            on_progress(index, len(items), case, verification)
    return results


def summary(verifications: Iterable[Verification]) -> dict[str, int]:
    """Counts per status, for the plan's summary line."""
    counts = {"verified": 0, "failed": 0, "not_executable": 0, "pending": 0}
    for verification in verifications:
        counts[verification.status] = counts.get(verification.status, 0) + 1
    return counts


__all__ = ["summary", "verify_case", "verify_cases"]
