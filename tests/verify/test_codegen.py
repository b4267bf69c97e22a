"""Exports of verified cases: valid Python/TypeScript whatever the plan's strings, and green when run."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.codegen import to_playwright_spec, to_pytest
from planwright.schemas import PlanExport, TestCaseData, Verification
from planwright.verify import verify_cases
from tests.fixture_apps.fixtures import RunningApp
from tests.fixture_site.server import serve_fixture_site
from tests.verify.builders import (
    as_verified,
    back_keeps_cart_case,
    by,
    case,
    contacts_case,
    edit_box_case,
    edit_save_case,
    exp,
    good_cases,
    role,
    step,
)

NASTY = [
    'He said "hi"',
    "back\\slash \\n (not a newline) \\",
    "tri \"\"\" and ''' quotes",
    "line1\nline2\r\nline3",
    "tab\there, nul \x00, escape \x1b, bell \x07",
    "separators \u2028 and \u2029 and \x85",
    "`${injected}` */ --> </script> #{x} {braces} %s",
    "кириллица «ёлки» — 漢字 😀",
    "lone \ud800 surrogate",
    "bidi \u202e}override{\u202c \u2066isolate\u2069 zero\u200bwidth \ufeff bom",
]


def test_exported_code_holds_no_raw_format_characters() -> None:
    """A bidi override in a page's text must not make the exported code read differently from how it
    runs (Trojan Source): every format character is written as an escape, in code and comments."""
    for source in (to_pytest(nasty_plan()).decode(), to_playwright_spec(nasty_plan()).decode()):
        raw = sorted({f"U+{ord(c):04X}" for c in source if unicodedata.category(c) == "Cf"})
        assert raw == []
        assert "\\u202e" in source


def plan_of(cases: list[TestCaseData], url: str = "http://127.0.0.1:1/", **extra: object) -> PlanExport:
    return PlanExport(
        id=42,
        url=url,
        language="en",
        status="done",
        created_at=datetime(2026, 11, 25, tzinfo=UTC),
        cases=cases,
        **extra,  # type: ignore[arg-type]
    )


def nasty_case(text: str, index: int) -> TestCaseData:
    return case(
        "http://127.0.0.1:1/",
        text,
        [
            step(1, "open", text, data=f"/p?{index}"),
            step(2, "fill", text, by("label", text), text),
            step(3, "click", text, role("button", text)),
            step(4, "select", text, by("css", text), text),
            step(5, "press", text, None, "Enter"),
        ],
        [
            exp("text", text, text),
            exp("heading", text),
            exp("title", text),
            exp("url", f"/x/{text}"),
            exp("validation", text),
            exp("dialog", text),
            exp("visible", text),
        ],
        preconditions=[text],
        verification=Verification(status="verified"),
    )


def nasty_plan() -> PlanExport:
    cases = [nasty_case(text, i) for i, text in enumerate(NASTY)]
    skipped = nasty_case("skipped " + NASTY[3], 99).model_copy(
        update={"verification": Verification(status="failed", detail=NASTY[3] + NASTY[6])}
    )
    return plan_of([*cases, skipped], model_id=NASTY[2])


# ---------------------------------------------------------------- Python


def test_python_export_compiles_and_keeps_every_string_exactly() -> None:
    source = to_pytest(nasty_plan())
    source.decode("utf-8")  # valid UTF-8, no raw surrogates
    compile(source, "generated_test.py", "exec")
    tree = ast.parse(source)
    functions = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
    assert [ast.get_docstring(f, clean=False) for f in functions] == NASTY
    constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert set(NASTY) <= constants
    assert "skipped" in source.decode()  # listed in the header, not exported
    assert len(functions) == len(NASTY)


def test_python_export_without_verified_cases_skips_cleanly() -> None:
    source = to_pytest(plan_of([contacts_case("http://h")]))
    compile(source, "empty.py", "exec")
    assert b"def test_no_verified_cases" in source
    assert b"[pending]" in source


def run_pytest(path: Path, base_url: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANWRIGHT_BASE_URL": base_url, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_exported_pytest_file_runs_green_against_another_deployment(
    browser: Browser, fixture_site: str, required_message: str, tmp_path: Path
) -> None:
    """Verify on one server, export, stop that server, and run the file against the session's server."""
    with serve_fixture_site() as first_site:
        cases = good_cases(first_site, required_message)
        verifications = verify_cases(cases, browser, timeout_s=10)
    assert [v.status for v in verifications] == ["verified"] * len(cases), verifications
    verified = [c.model_copy(update={"verification": v}) for c, v in zip(cases, verifications, strict=True)]
    not_executable = case(
        f"{first_site}/",
        "Ghost link",
        [step(1, "click", "Click ghost", role("link", "Ghost"))],
        [exp("url", "/")],
        verification=Verification(status="not_executable", detail="step 1: target ... matches 0 elements"),
    )
    path = tmp_path / "test_exported_plan.py"
    path.write_bytes(to_pytest(plan_of([*verified, not_executable], url=f"{first_site}/")))
    result = run_pytest(path, fixture_site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(cases)} passed" in result.stdout


def test_planted_wrong_expectation_makes_the_exported_test_fail(fixture_site: str, tmp_path: Path) -> None:
    planted = as_verified([contacts_case(fixture_site, heading="Contacts page")])
    path = tmp_path / "test_planted.py"
    path.write_bytes(to_pytest(plan_of(planted, url=f"{fixture_site}/")))
    result = run_pytest(path, fixture_site, PLANWRIGHT_EXPECT_TIMEOUT_MS="1000")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    assert "Contacts page" in result.stdout


def test_exported_double_click_and_back_run_green(
    browser: Browser, todo_app: RunningApp, shop_app: RunningApp, tmp_path: Path
) -> None:
    """Verified double-click and back cases, exported per app, pass when their file runs."""
    plans = {  # app -> (base URL, cases, a line its file must contain)
        "todo": (todo_app.url, [edit_box_case(todo_app.url), edit_save_case(todo_app.url)], ".dblclick()"),
        "shop": (shop_app.url, [back_keeps_cart_case(shop_app.url)], 'page.go_back(wait_until="load")'),
    }
    for app, (base_url, cases, line) in plans.items():
        verifications = verify_cases(cases, browser, timeout_s=15)
        assert [v.status for v in verifications] == ["verified"] * len(cases), verifications
        source = to_pytest(plan_of(as_verified(cases), url=f"{base_url}/"))
        assert line in source.decode()
        path = tmp_path / f"test_{app}_plan.py"
        path.write_bytes(source)
        result = run_pytest(path, base_url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{len(cases)} passed" in result.stdout


# ---------------------------------------------------------------- TypeScript


def ts_structure_errors(source: str) -> list[str]:
    """A small lexer: strings, template literals, comments and regex literals end; brackets balance."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    errors: list[str] = []
    i, n, previous = 0, len(source), ""
    while i < n:
        char = source[i]
        if char in " \t\r\n":
            i += 1
            continue
        if source.startswith("//", i):
            i = source.find("\n", i) if "\n" in source[i:] else n
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                return [*errors, f"unterminated comment at {i}"]
            i = end + 2
            continue
        if char in "'\"":
            j = i + 1
            while j < n and source[j] != char:
                if source[j] in "\n\r\u2028\u2029":
                    errors.append(f"line break in string at {i}")
                j += 2 if source[j] == "\\" else 1
            if j >= n:
                return [*errors, f"unterminated string at {i}"]
            i, previous = j + 1, "a"
            continue
        if char == "`" or (char == "}" and stack and stack[-1] == "${"):
            if char == "}":
                stack.pop()
            j = i + 1
            while j < n and source[j] != "`" and not source.startswith("${", j):
                j += 2 if source[j] == "\\" else 1
            if j >= n:
                return [*errors, f"unterminated template at {i}"]
            if source[j] == "`":
                i, previous = j + 1, "a"
            else:
                stack.append("${")
                i, previous = j + 2, "{"
            continue
        if char == "/" and (previous in ("", "return", "typeof") or previous in "(,=:[!&|?{};"):
            j, in_class = i + 1, False
            while j < n and (source[j] != "/" or in_class):
                if source[j] == "\n":
                    return [*errors, f"unterminated regex at {i}"]
                in_class = (in_class or source[j] == "[") and source[j] != "]"
                j += 2 if source[j] == "\\" else 1
            i, previous = j + 1, "a"
            continue
        if char in "([{":
            stack.append(char)
        elif char in ")]}":
            if not stack or stack[-1] != pairs[char]:
                errors.append(f"unbalanced {char!r} at {i}")
            else:
                stack.pop()
        if char.isalnum() or char in "_$":
            j = i
            while j < n and (source[j].isalnum() or source[j] in "_$"):
                j += 1
            i, previous = j, source[i:j]  # a keyword like `return` may precede a regex literal
            continue
        previous = char
        i += 1
    if stack:
        errors.append(f"unclosed {stack}")
    return errors


def test_ts_structure_checker_catches_breakage() -> None:
    assert ts_structure_errors("const a = /x\\/y[/]/g.test('a\"b') ? `t${f({})}` : (1);") == []
    assert ts_structure_errors("function f(p) { return /^a:/.test(p) ? p / 2 : 1; }") == []
    assert ts_structure_errors('const a = "broken\nstring";')
    assert ts_structure_errors("f(1));")


def test_spec_export_is_structurally_valid_typescript() -> None:
    source = to_playwright_spec(nasty_plan()).decode("utf-8")
    assert source.count("\nimport { test, expect, type Locator, type Page } from '@playwright/test';") == 1
    assert ts_structure_errors(source) == []
    assert source.count("\ntest(") == len(NASTY)
    assert "\\u2028" in source and "\u2028" not in source


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_spec_tests_parse_in_node_and_keep_titles(tmp_path: Path) -> None:
    """The plan-derived part (every test body) is plain JavaScript: node parses it and reads the titles."""
    source = to_playwright_spec(nasty_plan()).decode("utf-8")
    body = source[source.index("\ntest(") :]
    script = tmp_path / "titles.mjs"
    script.write_text(
        "const titles = [];\nconst test = (title, fn) => { titles.push(title); };\n"
        + body
        + "\nprocess.stdout.write(JSON.stringify(titles));\n",
        encoding="utf-8",
    )
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    titles = json.loads(result.stdout)
    assert titles == [f"{i:03d} {text}" for i, text in enumerate(NASTY, start=1)]


def test_spec_export_mirrors_the_python_export(fixture_site: str, required_message: str) -> None:
    plan = plan_of(as_verified(good_cases(fixture_site, required_message)), url=f"{fixture_site}/")
    spec = to_playwright_spec(plan).decode()
    assert ts_structure_errors(spec) == []
    assert 'await page.getByRole("link", { name: "Контакты", exact: true }).click();' in spec
    assert 'await expectDialog(page, seen, "Call us: +7 495 000-00-00");' in spec
    assert 'await submit(page.getByTestId("login-form"));' in spec
    assert 'await page.getByLabel("Sort by", { exact: true }).selectOption("Price");' in spec
    assert "process.env.PLANWRIGHT_BASE_URL" in spec
    assert fixture_site not in spec.split("const BASE_URL", 1)[1].split("\n", 1)[1]  # paths, not URLs


def test_double_click_and_back_steps_in_both_exports() -> None:
    plan = plan_of(
        as_verified([edit_box_case("http://127.0.0.1:1"), back_keeps_cart_case("http://127.0.0.1:1")])
    )
    python = to_pytest(plan).decode()
    compile(python, "generated_test.py", "exec")
    assert 'page.locator("label:text-is(\\"Buy milk\\")").dblclick()\n    settle(page)' in python
    assert 'page.go_back(wait_until="load")\n    settle(page)' in python
    spec = to_playwright_spec(plan).decode()
    assert ts_structure_errors(spec) == []
    assert 'await page.locator("label:text-is(\\"Buy milk\\")").dblclick();\n  await settle(page);' in spec
    assert "await page.goBack({ waitUntil: 'load' });\n  await settle(page);" in spec
