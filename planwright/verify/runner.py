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
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator as PWLocator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planwright.crawl.auth import new_context as new_auth_context
from planwright.crawl.browser import close_from_outside
from planwright.schemas import AuthSpec, Expectation, Locator, Step, TestCaseData, Verification
from planwright.verify.checks import (
    INVALID_TRACKER_JS,
    VALIDATION_CHECK_JS,
    VALIDATION_OBSERVE_JS,
    normalize_url_value,
    parse_locator_description,
    url_regex,
)

EXPECT_WAIT_S = 3.0  # auto-wait for each expected result (the site may still be rendering)
LOCATE_WAIT_S = 3.0  # how long a step waits for its target to appear before calling it missing
SETTLE_WAIT_S = 5.0  # after a step, wait this long at most for a started navigation to load
GRACE_S = 0.25  # even past the deadline, expectations get one quick look
WATCHDOG_GRACE_S = 2.0  # past the deadline, a case whose page stopped responding is cut off
UNCHECK_WORDS = {"false", "off", "no", "0", "uncheck", "unchecked"}
SUPPORTED_ACTIONS = {
    "open",
    "click",
    "dblclick",
    "fill",
    "select",
    "check",
    "press",
    "hover",
    "submit",
    "back",
}

ProgressCallback = Callable[[int, int, TestCaseData, Verification], None]


class StepFailed(Exception):
    """The site did not let the step happen (timeout, navigation error, element not interactable)."""


class NotExecutable(Exception):
    """The plan cannot be executed as written; the message is the whole detail."""


@dataclass
class _Run:
    """One case's browser state: the current page, native dialogs seen, last navigation status."""

    context: BrowserContext
    deadline: float
    page: Page | None = None
    dialogs: list[str] = field(default_factory=list)
    last_status: int | None = None

    def remaining_ms(self, cap_s: float | None = None, floor_s: float = 0.0) -> float:
        left = max(self.deadline - time.monotonic(), floor_s)
        if cap_s is not None:
            left = min(left, cap_s)
        return max(left * 1000.0, 1.0)  # Playwright reads 0 as "no timeout"

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def adopt(self, page: Page) -> None:
        """Listen to the page the case acts on: answer native dialogs, note navigation statuses."""
        page.on("dialog", self._on_dialog)
        page.on("response", lambda response: self._on_response(page, response))
        self.page = page

    def _on_dialog(self, dialog) -> None:  # noqa: ANN001 - playwright's Dialog
        self.dialogs.append(dialog.message)
        try:
            dialog.accept()
        except PlaywrightError:
            pass  # the page closed under it; nothing left to answer

    def _on_response(self, page: Page, response: Response) -> None:
        try:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                self.last_status = response.status
        except PlaywrightError:
            pass


class _Watchdog:
    """Closes a case's context from outside once its hard deadline has passed.

    Why: Playwright's own timeouts rely on the page answering; a page stuck in an endless script
    blocks even `expect(...)` forever. The sync API's objects belong to one thread, so the timer
    schedules the close on Playwright's event loop (`close_from_outside`), which keeps running while
    the case's thread waits. The pending call then fails and the case is marked failed.
    """

    def __init__(self, context: BrowserContext, after_s: float) -> None:
        self.fired = False
        self._context = context
        self._tasks: list[object] = []
        self._timer = threading.Timer(after_s, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        if close_from_outside(self._context, "planwright: case timed out", self._tasks):
            self.fired = True


def first_line(exc: BaseException) -> str:
    """Playwright errors carry a multi-line call log; the first line is the reason a person needs."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()


def quoted(text: str | None, limit: int = 120) -> str:
    text = "" if text is None else " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def resolve_locator(page: Page, locator: Locator) -> PWLocator:
    """Turn a crawled locator into a Playwright Locator, exactly as the exported tests write it."""
    if locator.strategy == "role":
        if not locator.role:
            raise NotExecutable("role locator without a role")
        if locator.name is None:
            return page.get_by_role(locator.role)  # type: ignore[arg-type]
        return page.get_by_role(locator.role, name=locator.name, exact=True)  # type: ignore[arg-type]
    if locator.value is None:
        raise NotExecutable(f"{locator.strategy} locator without a value")
    if locator.strategy == "testid":
        return page.get_by_test_id(locator.value)
    if locator.strategy == "label":
        return page.get_by_label(locator.value, exact=True)
    if locator.strategy == "placeholder":
        return page.get_by_placeholder(locator.value, exact=True)
    if locator.strategy == "css":
        return page.locator(locator.value)
    raise NotExecutable(f"unknown locator strategy {locator.strategy!r}")


def _count_matches(run: _Run, target: PWLocator) -> int:
    """Wait briefly for the target to appear, then count: a step must point at exactly one element."""
    try:
        target.first.wait_for(state="attached", timeout=run.remaining_ms(LOCATE_WAIT_S))
    except PlaywrightTimeoutError:
        pass
    return target.count()


def _submit(target: PWLocator) -> None:
    """Submit the way a user would: the form's submit button, Enter in a field, or a click."""
    tag = target.evaluate("el => el.tagName.toLowerCase()")
    if tag == "form":
        button = target.locator(
            "button[type=submit], button:not([type]), input[type=submit], input[type=image]"
        )
        if button.count():
            button.first.click()
        else:
            target.evaluate("form => form.requestSubmit()")
    elif tag == "input":
        target.press("Enter")
    elif tag in ("select", "textarea"):
        target.evaluate("el => el.form && el.form.requestSubmit()")
    else:
        target.click()


def _settle(run: _Run) -> None:
    """Let a navigation the step started finish loading, so the next step acts on the new page."""
    assert run.page is not None
    try:
        run.page.wait_for_load_state("load", timeout=run.remaining_ms(SETTLE_WAIT_S))
    except PlaywrightTimeoutError:
        pass  # expectations decide whether a page that never finished loading is a failure


def _go_back(run: _Run) -> None:
    """The browser's Back button: the previous entry of this tab's history, loaded, then settled."""
    assert run.page is not None
    try:
        response = run.page.go_back(wait_until="load", timeout=run.remaining_ms())
    except PlaywrightTimeoutError as exc:
        raise StepFailed("the previous page did not load in time") from exc
    except PlaywrightError as exc:
        raise StepFailed(f"could not go back: {first_line(exc)}") from exc
    if response is not None:
        run.last_status = response.status
    _settle(run)


def _run_step(run: _Run, case: TestCaseData, step: Step) -> None:
    page = run.page
    assert page is not None
    if step.action not in SUPPORTED_ACTIONS:
        raise NotExecutable(f"step {step.n}: unsupported action {step.action!r}")
    page.set_default_timeout(run.remaining_ms())
    if step.action == "open":
        url = urljoin(case.page_url, step.data) if step.data else case.page_url
        try:
            response = page.goto(url, timeout=run.remaining_ms())
        except PlaywrightTimeoutError as exc:
            raise StepFailed(f"{url} did not load in time") from exc
        except PlaywrightError as exc:
            raise StepFailed(f"could not open {url}: {first_line(exc)}") from exc
        if response is not None:
            run.last_status = response.status
        return
    if step.action == "back":
        _go_back(run)
        return
    if step.target is None:
        if step.action == "press":
            page.keyboard.press(step.data or "Enter")
            _settle(run)
            return
        raise NotExecutable(f"step {step.n}: action {step.action!r} has no target")
    try:
        target = resolve_locator(page, step.target.locator)
    except NotExecutable as exc:
        raise NotExecutable(f"step {step.n}: {exc}") from exc
    description = step.target.locator.describe()
    try:
        count = _count_matches(run, target)
    except PlaywrightError as exc:
        raise NotExecutable(
            f"step {step.n}: target {description} is not a valid locator: {first_line(exc)}"
        ) from exc
    if count != 1:
        raise NotExecutable(f"step {step.n}: target {description} matches {count} elements")
    try:
        if step.action == "click":
            target.click()
        elif step.action == "dblclick":
            target.dblclick()
        elif step.action == "fill":
            target.fill(step.data or "")
        elif step.action == "select":
            if step.data is None:
                raise NotExecutable(f"step {step.n}: select has no option to choose")
            target.select_option(step.data)
        elif step.action == "check":
            if (step.data or "").strip().lower() in UNCHECK_WORDS:
                target.uncheck()
            else:
                target.check()
        elif step.action == "press":
            target.press(step.data or "Enter")
        elif step.action == "hover":
            target.hover()
        elif step.action == "submit":
            _submit(target)
    except PlaywrightTimeoutError as exc:
        raise StepFailed(f"{description} could not be used in time: {first_line(exc)}") from exc
    except PlaywrightError as exc:
        raise StepFailed(f"{description}: {first_line(exc)}") from exc
    _settle(run)


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


def _check(run: _Run, case: TestCaseData, expectation: Expectation) -> str | None:
    """None when the expectation holds, else what was observed instead."""
    page = run.page
    assert page is not None
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
        target = resolve_locator(page, parsed)
        if _passes(target, wait):
            return None
        return f"{parsed.describe()} matches {target.count()} elements, none visible"
    if kind == "dialog":
        if any(value.lower() in message.lower() for message in run.dialogs):
            return None
        if _passes(_dialog_locator(page, value), wait):
            return None
        if any(value.lower() in message.lower() for message in run.dialogs):
            return None  # a native dialog arrived while we waited for an HTML one
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
    assert run.page is not None
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


def verify_case(
    case: TestCaseData, browser: Browser, *, timeout_s: float = 10, auth: AuthSpec | None = None
) -> Verification:
    """Run one case in its own context; never raises for anything the site or browser does.

    `auth` (already resolved: a storage state, headers or basic auth) logs every context in the same way.
    """
    deadline = time.monotonic() + timeout_s
    try:
        context = new_auth_context(browser, auth)
    except Exception as exc:  # a crashed or closed browser
        return Verification(status="failed", detail=f"browser unavailable: {first_line(exc)}")
    run = _Run(context=context, deadline=deadline)
    watchdog = _Watchdog(context, timeout_s + WATCHDOG_GRACE_S)
    try:
        with watchdog:
            context.add_init_script(INVALID_TRACKER_JS)
            # New tabs are not followed: the exported tests act on one page too, and they must agree.
            run.adopt(context.new_page())
            verification = _execute(run, case)
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
            verification = verify_case(case, current, timeout_s=timeout_s, auth=auth)
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


__all__ = ["resolve_locator", "summary", "verify_case", "verify_cases"]
