"""Export verified cases as a Playwright Test `.spec.ts` file.

Why: teams on the JavaScript stack import tests as `.spec.ts`. The file mirrors the pytest export line
for line (the same operations, locator calls, submit rule, URL rule, validation script, dialog and
status checks), and reads PLANWRIGHT_BASE_URL so the same file runs against another deployment.
"""

from __future__ import annotations

from planwright.browser.locators import locator_calls
from planwright.browser.operations import (
    SUBMIT_BUTTON_SELECTOR,
    SUBMIT_BY_ENTER_TAGS,
    SUBMIT_OWN_FORM_TAGS,
    Operation,
)
from planwright.browser.scripts import DIALOG_SHOWN_JS, INVALID_TRACKER_JS, VALIDATION_CHECK_JS
from planwright.codegen.common import (
    camel_case,
    comment_text,
    fill_template,
    literal,
    origin_of,
    rebase_url,
    skipped_cases,
    steps_to_run,
    url_expectation_value,
    verified_cases,
)
from planwright.schemas import Expectation, Locator, PlanExport, Step, TestCaseData, browser_locale
from planwright.verify.checks import parse_locator_description, url_regex

INDENT = "  "

PRELUDE = """
import { test, expect, type Locator, type Page } from '@playwright/test';

const BASE_URL = (process.env.PLANWRIGHT_BASE_URL ?? __BASE_URL__).replace(/\\/+$/, '');
const EXPECT_TIMEOUT_MS = Number(process.env.PLANWRIGHT_EXPECT_TIMEOUT_MS ?? '5000');
const SETTLE_TIMEOUT_MS = 5_000;

// Remembers the browser's message for every field a submit attempt declared invalid.
const INVALID_TRACKER_JS = __INVALID_TRACKER_JS__;
// True once the expected message was reported for a field or is visible on the page.
const VALIDATION_CHECK_JS = __VALIDATION_CHECK_JS__;
// ([text, native messages]): whether a native or a visible HTML dialog says the text.
const DIALOG_SHOWN_JS = __DIALOG_SHOWN_JS__;

// The plan's locale and time zone: the crawl and the verifier ran in them too.
test.use({ actionTimeout: 10_000, locale: __LOCALE__, timezoneId: __TIMEZONE_ID__ });

/** A path of the app under test, on BASE_URL; absolute URLs (other sites) are kept. */
function url(path: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.\\-]*:/.test(path) ? path : BASE_URL + path;
}

/** What happened outside the DOM: native dialogs (accepted) and the last navigation's status. */
type Seen = { dialogs: string[]; status: number | null };

async function track(page: Page): Promise<Seen> {
  const seen: Seen = { dialogs: [], status: null };
  await page.addInitScript(INVALID_TRACKER_JS);
  page.on('dialog', async (dialog) => {
    seen.dialogs.push(dialog.message());
    await dialog.accept().catch(() => {});
  });
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
      seen.status = response.status();
    }
  });
  return seen;
}

/** Let a navigation the last action started finish loading. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('load', { timeout: SETTLE_TIMEOUT_MS }).catch(() => {});
}

/** Submit as a user would: the form's submit button, Enter in a field, or a click. */
async function submit(target: Locator): Promise<void> {
  const tag = await target.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'form') {
    const button = target.locator(__SUBMIT_BUTTON_SELECTOR__);
    if (await button.count()) {
      await button.first().click();
    } else {
      await target.evaluate((form) => (form as HTMLFormElement).requestSubmit());
    }
  } else if (__SUBMIT_BY_ENTER_TAGS__.includes(tag)) {
    await target.press('Enter');
  } else if (__SUBMIT_OWN_FORM_TAGS__.includes(tag)) {
    await target.evaluate((el) => (el as HTMLInputElement).form?.requestSubmit());
  } else {
    await target.click();
  }
}

/** A native dialog (also one arriving while we wait) or a visible HTML dialog says `text`, compared
 * as the verifier compares it (whitespace, NBSP and case folded). */
async function expectDialog(page: Page, seen: Seen, text: string): Promise<void> {
  const deadline = Date.now() + EXPECT_TIMEOUT_MS;
  for (;;) {
    const script = `(${DIALOG_SHOWN_JS})(${JSON.stringify([text, seen.dialogs])})`;
    if (await page.evaluate(script).catch(() => false)) return;
    if (Date.now() >= deadline) {
      throw new Error(`no dialog says ${JSON.stringify(text)}; native dialogs: ${JSON.stringify(seen.dialogs)}`);
    }
    await page.waitForTimeout(100);
  }
}

/** The browser reported `text` for a field, or the page shows it. */
async function expectValidation(page: Page, text: string): Promise<void> {
  await page.waitForFunction(`(${VALIDATION_CHECK_JS})(${JSON.stringify(text)})`, undefined, {
    timeout: EXPECT_TIMEOUT_MS,
  });
}

async function expectStatus(page: Page, seen: Seen, status: number): Promise<void> {
  await settle(page);
  expect(seen.status, 'status of the last navigation').toBe(status);
}
"""


def locator_expr(locator: Locator) -> str:
    """The verifier's own `locator_calls`, as TypeScript: `page.getByRole(role, { name, exact })`."""
    parts = ["page"]
    for call in locator_calls(locator):
        if call.method == "filter":
            parts.append(f"filter({{ hasText: {literal(call.argument)} }})")
            continue
        options = []
        if call.name is not None:
            options.append(f"name: {literal(call.name)}")
        if call.exact:
            options.append("exact: true")
        args = literal(call.argument) + (f", {{ {', '.join(options)} }}" if options else "")
        parts.append(f"{camel_case(call.method)}({args})")
    return ".".join(parts)


def ts_array(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(literal(item) for item in items) + "]"


def visible(expr: str) -> str:
    return f"await expect({expr}.filter({{ visible: true }}).first()).toBeVisible({{ timeout: EXPECT_TIMEOUT_MS }});"


def url_call(target: str, origin: str) -> str:
    rebased, on_base = rebase_url(target, origin)
    return f"url({literal(rebased)})" if on_base else literal(rebased)


def step_lines(step: Step, operation: Operation, origin: str) -> list[str]:
    """A step as `perform` does it: the operation, then (a goto loads by itself) `settle(page)`."""
    lines = [f"// {step.n}. {comment_text(step.text)}"] if step.n else [f"// {comment_text(step.text)}"]
    if operation.kind == "goto":
        return lines + [f"await page.goto({url_call(operation.value or '', origin)});"]
    if operation.kind == "back":
        return lines + ["await page.goBack({ waitUntil: 'load' });", "await settle(page);"]
    if operation.kind == "keyboard":
        key = literal(operation.value or "Enter")
        return lines + [f"await page.keyboard.press({key});", "await settle(page);"]
    assert operation.locator is not None
    target = locator_expr(operation.locator)
    value = literal(operation.value or "")
    calls = {
        "click": f"await {target}.click();",
        "dblclick": f"await {target}.dblclick();",
        "fill": f"await {target}.fill({value});",
        "select": f"await {target}.selectOption({value});",
        "check": f"await {target}.check();",
        "uncheck": f"await {target}.uncheck();",
        "press": f"await {target}.press({value});",
        "hover": f"await {target}.hover();",
        "submit": f"await submit({target});",
    }
    return lines + [calls[operation.kind], "await settle(page);"]


def expectation_lines(expectation: Expectation, case: TestCaseData, origin: str) -> list[str]:
    value = expectation.value
    note = comment_text(expectation.text)
    lines = [f"// expected: {note}"] if note else []
    kind = expectation.kind
    if kind == "url":
        pattern = url_regex(url_expectation_value(value, case, origin))
        lines.append(
            f"await expect(page).toHaveURL(new RegExp({literal(pattern)}), {{ timeout: EXPECT_TIMEOUT_MS }});"
        )
    elif kind == "title":
        lines.append(f"await expect(page).toHaveTitle({literal(value)}, {{ timeout: EXPECT_TIMEOUT_MS }});")
    elif kind == "heading":
        lines.append(visible(f"page.getByRole('heading', {{ name: {literal(value)}, exact: true }})"))
    elif kind == "text":
        lines.append(visible(f"page.getByText({literal(value)})"))
    elif kind == "visible":
        parsed = parse_locator_description(value)
        lines.append(visible(locator_expr(parsed) if parsed else f"page.getByText({literal(value)})"))
    elif kind == "dialog":
        lines.append(f"await expectDialog(page, seen, {literal(value)});")
    elif kind == "validation":
        lines.append(f"await expectValidation(page, {literal(value)});")
    elif kind == "status":
        try:
            lines.append(f"await expectStatus(page, seen, {int(value.strip())});")
        except ValueError:
            lines.append(f"// not checked: status {comment_text(value)} is not a number")
    return lines


def case_test(index: int, case: TestCaseData, origin: str) -> str:
    title = f"{index:03d} {case.title}"  # numbered: Playwright Test rejects duplicate titles
    body: list[str] = []
    if case.id is not None:
        body.append(f"// Planwright case #{case.id}, priority {case.priority}, source {case.source}")
    body += [f"// precondition: {comment_text(p)}" for p in case.preconditions]
    body.append("const seen = await track(page);")
    for step, operation in steps_to_run(case):
        body += step_lines(step, operation, origin)
    for expectation in case.expected:
        body += expectation_lines(expectation, case, origin)
    indented = "\n".join(INDENT + line for line in body)
    return f"test({literal(title)}, async ({{ page }}) => {{\n{indented}\n}});\n"


def to_playwright_spec(plan: PlanExport) -> bytes:
    """A Playwright Test file with one test per verified case; the others are listed in its header."""
    origin = origin_of(plan.url) or plan.url
    cases = verified_cases(plan)
    header = [
        "// Generated by Planwright: UI tests for the verified cases of one test plan.",
        f"// Plan #{plan.id} for {comment_text(plan.url)}, created {plan.created_at.isoformat()},"
        f" language {plan.language}, model {comment_text(plan.model_id or 'none')}.",
        f"// {len(cases)} verified case(s) exported of {len(plan.cases)}.",
        "// Run: npx playwright test   (PLANWRIGHT_BASE_URL=... to run against another deployment)",
    ]
    skipped = skipped_cases(plan)
    if skipped:
        header.append("//")
        header.append("// Not exported (not verified):")
        for case in skipped:
            ident = f"#{case.id} " if case.id is not None else ""
            detail = f": {comment_text(case.verification.detail, 160)}" if case.verification.detail else ""
            header.append(
                f"//   - {ident}{comment_text(case.title, 100)} [{case.verification.status}]{detail}"
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
            "__SUBMIT_BUTTON_SELECTOR__": literal(SUBMIT_BUTTON_SELECTOR),
            "__SUBMIT_BY_ENTER_TAGS__": ts_array(SUBMIT_BY_ENTER_TAGS),
            "__SUBMIT_OWN_FORM_TAGS__": ts_array(SUBMIT_OWN_FORM_TAGS),
        },
    )
    tests = [case_test(index, case, origin) for index, case in enumerate(cases, start=1)]
    if not tests:
        tests = [
            f"test.skip({literal(f'plan #{plan.id} has no verified cases to export')}, async () => {{}});\n"
        ]
    text = "\n".join(header) + "\n" + prelude + "\n" + "\n".join(tests)
    return text.encode("utf-8")
