"""Export verified cases as one runnable pytest + Playwright (sync API) file.

Why self-contained: a QA team should be able to drop the file into any repository and run `pytest` with
only `playwright` and `pytest` installed (no pytest-playwright, no Planwright). The file launches its
own Chromium, acts and checks exactly as the verifier did (the same operations from
`browser.operations`, the same locator calls, submit rule, URL rule and in-page scripts) and reads
PLANWRIGHT_BASE_URL so it can run against another deployment.
"""

from __future__ import annotations

from planwright.browser.locators import locator_calls
from planwright.browser.operations import (
    SUBMIT_BUTTON_SELECTOR,
    SUBMIT_BY_ENTER_TAGS,
    SUBMIT_OWN_FORM_TAGS,
    Operation,
)
from planwright.browser.scripts import (
    DIALOG_SHOWN_JS,
    INVALID_TRACKER_JS,
    REQUEST_SUBMIT_JS,
    SUBMIT_OWN_FORM_JS,
    TAG_NAME_JS,
    VALIDATION_CHECK_JS,
)
from planwright.codegen.common import (
    comment_text,
    fill_template,
    literal,
    origin_of,
    rebase_url,
    skipped_cases,
    slug,
    steps_to_run,
    url_expectation_value,
    verified_cases,
)
from planwright.schemas import Expectation, Locator, PlanExport, Step, TestCaseData, browser_locale
from planwright.verify.checks import parse_locator_description, url_regex

INDENT = "    "

PRELUDE = '''
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

BASE_URL = os.environ.get("PLANWRIGHT_BASE_URL", __BASE_URL__).rstrip("/")
ACTION_TIMEOUT_MS = 10_000
EXPECT_TIMEOUT_MS = int(os.environ.get("PLANWRIGHT_EXPECT_TIMEOUT_MS", "5000"))
SETTLE_TIMEOUT_MS = 5_000
# The plan's locale and time zone: the crawl and the verifier ran in them too.
LOCALE = __LOCALE__
TIMEZONE_ID = __TIMEZONE_ID__

# Remembers the browser's message for every field a submit attempt declared invalid.
INVALID_TRACKER_JS = __INVALID_TRACKER_JS__
# True once the expected message was reported for a field or is visible on the page.
VALIDATION_CHECK_JS = __VALIDATION_CHECK_JS__
# ([text, native messages]): whether a native or a visible HTML dialog says the text.
DIALOG_SHOWN_JS = __DIALOG_SHOWN_JS__

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def url(path: str) -> str:
    """A path of the app under test, on BASE_URL; absolute URLs (other sites) are kept."""
    return path if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\\-]*:", path) else BASE_URL + path


@dataclass
class Seen:
    """What happened outside the DOM: native dialogs (accepted) and the last navigation's status."""

    dialogs: list[str] = field(default_factory=list)
    status: int | None = None


@pytest.fixture(scope="session")
def planwright_browser() -> Iterator[Browser]:
    """Chromium from CHROMIUM_PATH, else Playwright's own, else the system's /usr/bin/chromium."""
    with sync_playwright() as playwright:
        executable = os.environ.get("CHROMIUM_PATH") or None
        if executable is None:
            bundled = playwright.chromium.executable_path
            if not (bundled and Path(bundled).is_file()):
                executable = "/usr/bin/chromium"
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def page(planwright_browser: Browser, seen: Seen) -> Iterator[Page]:
    """A fresh context per test: no cookies or storage shared between cases."""
    context = planwright_browser.new_context(locale=LOCALE, timezone_id=TIMEZONE_ID)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.add_init_script(INVALID_TRACKER_JS)
    new_page = context.new_page()

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.accept()

    def on_response(response) -> None:
        if response.request.is_navigation_request() and response.frame == new_page.main_frame:
            seen.status = response.status

    new_page.on("dialog", on_dialog)
    new_page.on("response", on_response)
    yield new_page
    context.close()


def settle(page: Page) -> None:
    """Let a navigation the last action started finish loading."""
    try:
        page.wait_for_load_state("load", timeout=SETTLE_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        pass


def submit(target: Locator) -> None:
    """Submit as a user would: the form's submit button, Enter in a field, or a click."""
    tag = target.evaluate(__TAG_NAME_JS__)
    if tag == "form":
        button = target.locator(__SUBMIT_BUTTON_SELECTOR__)
        if button.count():
            button.first.click()
        else:
            target.evaluate(__REQUEST_SUBMIT_JS__)
    elif tag in __SUBMIT_BY_ENTER_TAGS__:
        target.press("Enter")
    elif tag in __SUBMIT_OWN_FORM_TAGS__:
        target.evaluate(__SUBMIT_OWN_FORM_JS__)
    else:
        target.click()


def expect_dialog(page: Page, seen: Seen, text: str) -> None:
    """A native dialog (also one arriving while we wait) or a visible HTML dialog says `text`, compared
    as the verifier compares it (whitespace, NBSP and case folded)."""
    deadline = time.monotonic() + EXPECT_TIMEOUT_MS / 1000
    while True:
        try:
            if page.evaluate(DIALOG_SHOWN_JS, [text, list(seen.dialogs)]):
                return
        except PlaywrightError:
            pass  # the page is navigating; look again
        if time.monotonic() >= deadline:
            raise AssertionError(f"no dialog says {text!r}; native dialogs: {seen.dialogs!r}")
        page.wait_for_timeout(100)


def expect_validation(page: Page, text: str) -> None:
    """The browser reported `text` for a field, or the page shows it."""
    try:
        page.wait_for_function(VALIDATION_CHECK_JS, arg=text, timeout=EXPECT_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        raise AssertionError(f"no validation message {text!r} was shown") from None


def expect_status(page: Page, seen: Seen, status: int) -> None:
    settle(page)
    assert seen.status == status, f"last navigation returned {seen.status}, expected {status}"
'''


def locator_expr(locator: Locator) -> str:
    """The Playwright calls that find the element: the verifier's own `locator_calls`, as source."""
    parts = ["page"]
    for call in locator_calls(locator):
        if call.method == "filter":
            parts.append(f"filter(has_text={literal(call.argument)})")
            continue
        args = [literal(call.argument)]
        if call.name is not None:
            args.append(f"name={literal(call.name)}")
        if call.exact:
            args.append("exact=True")
        parts.append(f"{call.method}({', '.join(args)})")
    return ".".join(parts)


def python_tuple(items: tuple[str, ...]) -> str:
    """A tuple literal of strings, ("input",) for one."""
    return "(" + ", ".join(literal(item) for item in items) + ("," if len(items) == 1 else "") + ")"


def visible(expr: str) -> str:
    return f"expect({expr}.filter(visible=True).first).to_be_visible()"


def url_call(target: str, origin: str) -> str:
    rebased, on_base = rebase_url(target, origin)
    return f"url({literal(rebased)})" if on_base else literal(rebased)


def step_lines(step: Step, operation: Operation, origin: str) -> list[str]:
    """A step as `perform` does it: the operation, then (a goto loads by itself) `settle(page)`."""
    lines = [f"# {step.n}. {comment_text(step.text)}"] if step.n else [f"# {comment_text(step.text)}"]
    if operation.kind == "goto":
        return lines + [f"page.goto({url_call(operation.value or '', origin)})"]
    if operation.kind == "back":
        return lines + ['page.go_back(wait_until="load")', "settle(page)"]
    if operation.kind == "keyboard":
        return lines + [f"page.keyboard.press({literal(operation.value or 'Enter')})", "settle(page)"]
    assert operation.locator is not None
    target = locator_expr(operation.locator)
    value = literal(operation.value or "")
    calls = {
        "click": f"{target}.click()",
        "dblclick": f"{target}.dblclick()",
        "fill": f"{target}.fill({value})",
        "select": f"{target}.select_option({value})",
        "check": f"{target}.check()",
        "uncheck": f"{target}.uncheck()",
        "press": f"{target}.press({value})",
        "hover": f"{target}.hover()",
        "submit": f"submit({target})",
    }
    return lines + [calls[operation.kind], "settle(page)"]


def expectation_lines(expectation: Expectation, case: TestCaseData, origin: str) -> list[str]:
    value = expectation.value
    note = comment_text(expectation.text)
    lines = [f"# expected: {note}"] if note else []
    kind = expectation.kind
    if kind == "url":
        pattern = url_regex(url_expectation_value(value, case, origin))
        lines.append(f"expect(page).to_have_url(re.compile({literal(pattern)}))")
    elif kind == "title":
        lines.append(f"expect(page).to_have_title({literal(value)})")
    elif kind == "heading":
        lines.append(visible(f'page.get_by_role("heading", name={literal(value)}, exact=True)'))
    elif kind == "text":
        lines.append(visible(f"page.get_by_text({literal(value)})"))
    elif kind == "visible":
        parsed = parse_locator_description(value)
        lines.append(visible(locator_expr(parsed) if parsed else f"page.get_by_text({literal(value)})"))
    elif kind == "dialog":
        lines.append(f"expect_dialog(page, seen, {literal(value)})")
    elif kind == "validation":
        lines.append(f"expect_validation(page, {literal(value)})")
    elif kind == "status":
        try:
            lines.append(f"expect_status(page, seen, {int(value.strip())})")
        except ValueError:
            lines.append(f"# not checked: status {comment_text(value)!r} is not a number")
    return lines


def case_function(index: int, case: TestCaseData, origin: str) -> str:
    name = f"test_{index:03d}_{slug(case.title)}"
    body = [literal(case.title)]  # the docstring: the case's own title, verbatim
    if case.id is not None:
        body.append(f"# Planwright case #{case.id}, priority {case.priority}, source {case.source}")
    body += [f"# precondition: {comment_text(p)}" for p in case.preconditions]
    for step, operation in steps_to_run(case):
        body += step_lines(step, operation, origin)
    for expectation in case.expected:
        body += expectation_lines(expectation, case, origin)
    indented = "\n".join(INDENT + line for line in body)
    return f"def {name}(page: Page, seen: Seen) -> None:\n{indented}\n"


def to_pytest(plan: PlanExport) -> bytes:
    """A pytest file with one test per verified case; the others are listed in its header."""
    origin = origin_of(plan.url) or plan.url
    cases = verified_cases(plan)
    header = [
        "# Generated by Planwright: UI tests for the verified cases of one test plan.",
        f"# Plan #{plan.id} for {comment_text(plan.url)}, created {plan.created_at.isoformat()},"
        f" language {plan.language}, model {comment_text(plan.model_id or 'none')}.",
        f"# {len(cases)} verified case(s) exported of {len(plan.cases)}.",
        "# Run: pytest THIS_FILE   (needs: pip install pytest playwright)",
        "# PLANWRIGHT_BASE_URL=https://staging.example.com runs it against another deployment;",
        "# CHROMIUM_PATH picks the browser binary when Playwright's own Chromium is not installed;",
        "# PLANWRIGHT_EXPECT_TIMEOUT_MS sets how long each expected result may take to appear (5000).",
    ]
    skipped = skipped_cases(plan)
    if skipped:
        header.append("#")
        header.append("# Not exported (not verified):")
        for case in skipped:
            ident = f"#{case.id} " if case.id is not None else ""
            detail = f": {comment_text(case.verification.detail, 160)}" if case.verification.detail else ""
            header.append(
                f"#   - {ident}{comment_text(case.title, 100)} [{case.verification.status}]{detail}"
            )
    locale = browser_locale(plan.language)
    prelude = fill_template(
        PRELUDE,
        {
            "__BASE_URL__": literal(origin),
            "__LOCALE__": literal(locale.locale),
            "__TIMEZONE_ID__": literal(locale.timezone_id),
            "__INVALID_TRACKER_JS__": literal(INVALID_TRACKER_JS),
            "__VALIDATION_CHECK_JS__": literal(VALIDATION_CHECK_JS),
            "__DIALOG_SHOWN_JS__": literal(DIALOG_SHOWN_JS),
            "__TAG_NAME_JS__": literal(TAG_NAME_JS),
            "__SUBMIT_BUTTON_SELECTOR__": literal(SUBMIT_BUTTON_SELECTOR),
            "__REQUEST_SUBMIT_JS__": literal(REQUEST_SUBMIT_JS),
            "__SUBMIT_OWN_FORM_JS__": literal(SUBMIT_OWN_FORM_JS),
            "__SUBMIT_BY_ENTER_TAGS__": python_tuple(SUBMIT_BY_ENTER_TAGS),
            "__SUBMIT_OWN_FORM_TAGS__": python_tuple(SUBMIT_OWN_FORM_TAGS),
        },
    )
    functions = [case_function(index, case, origin) for index, case in enumerate(cases, start=1)]
    if not functions:
        functions = [
            "def test_no_verified_cases() -> None:\n"
            f"{INDENT}pytest.skip({literal(f'plan #{plan.id} has no verified cases to export')})\n"
        ]
    text = "\n".join(header) + "\n" + prelude + "\n\n" + "\n\n".join(functions)
    return text.encode("utf-8")
