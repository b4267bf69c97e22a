"""The reference scenarios are true of their apps: each one, played by hand with Playwright, passes.

Why: the quality benchmark scores plans against these scenarios; a scenario that names a control the app
does not have, or expects a text it never shows, would silently lower every score.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from planwright.browser.scripts import INVALID_TRACKER_JS, VALIDATION_CHECK_JS
from tests.fixture_apps.fixtures import RunningApp

SCENARIOS = json.loads((Path(__file__).parent / "scenarios.json").read_text(encoding="utf-8"))
KINDS = {"click", "fill", "press", "check", "select", "hover", "dblclick", "reload", "back", "expect"}
NO_TARGET = {"reload", "back"}
WHATS = {"url", "heading", "text", "visible", "validation"}
TYPED = "Buy milk"

pytestmark = pytest.mark.timeout(120)


def all_scenarios() -> list[tuple[str, dict[str, Any]]]:
    return [(app, scenario) for app in ("todo", "shop") for scenario in SCENARIOS[app]]


def test_scenarios_are_well_formed() -> None:
    ids = [scenario["id"] for _, scenario in all_scenarios()]
    assert len(ids) == len(set(ids))
    for app in ("todo", "shop"):
        assert 10 <= len(SCENARIOS[app]) <= 20
    for _, scenario in all_scenarios():
        assert scenario["title"] and scenario["page"].startswith("/") and scenario["must"]
        assert any(item["kind"] == "expect" for item in scenario["must"]), scenario["id"]
        for item in scenario["must"]:
            assert item["kind"] in KINDS, item
            if item["kind"] == "expect":
                assert item["what"] in WHATS, item
            elif item["kind"] in NO_TARGET:
                assert "target_name" not in item, item
            else:
                assert item.get("target_name"), item
            if "min_length" in item:
                assert item["kind"] == "fill" and item["min_length"] > 0, item


def control(page: Page, name: str) -> Locator:
    """The button or link with this accessible name (as a case would click it)."""
    return page.get_by_role("button", name=name, exact=True).or_(
        page.get_by_role("link", name=name, exact=True)
    )


def field(page: Page, name: str) -> Locator:
    exact = page.get_by_label(name, exact=True)
    return exact if exact.count() == 1 else page.get_by_label(name).first


def play(page: Page, base: str, scenario: dict[str, Any]) -> None:
    if scenario.get("precondition") == "a product in the cart":
        page.goto(base + "/product/red-mug")
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_load_state("load")
    page.goto(base + scenario["page"])
    typed = TYPED
    for item in scenario["must"]:
        kind = item["kind"]
        name = str(item.get("target_name", "")).replace("{typed}", typed)
        if kind == "fill":
            target = field(page, name)
            value = item.get("text")
            if item.get("min_length"):
                value = ("A long task " * 30)[: item["min_length"]]
            elif value is None:
                kind_of_input = target.get_attribute("type") or "text"
                value = {"number": "2", "email": "qa@example.com"}.get(kind_of_input, TYPED)
            typed = value
            target.fill(value)
        elif kind == "click":
            control(page, name).first.click()
        elif kind == "press":
            field(page, name).press(item["text"])
        elif kind == "check":
            field(page, name).check()
        elif kind == "select":
            field(page, name).select_option(index=1)
        elif kind == "hover":
            control(page, name).first.hover()
        elif kind == "dblclick":
            page.get_by_text(name, exact=True).dblclick()
        elif kind == "reload":
            page.reload()
        elif kind == "back":
            page.go_back()
        else:
            check(page, item, typed)
        page.wait_for_load_state("load")


def check(page: Page, item: dict[str, Any], typed: str) -> None:
    text = str(item.get("text", "")).replace("{typed}", typed)
    what = item["what"]
    if what == "url":
        expect(page).to_have_url(re.compile(re.escape(text)))
    elif what == "heading":
        expect(page.get_by_role("heading", name=text)).to_be_visible()
    elif what == "validation":
        page.wait_for_function(VALIDATION_CHECK_JS, arg=text, timeout=3000)
    else:  # a text, or a field that has none of its own (an edit box) by its accessible name
        shown = page.get_by_text(text).or_(page.get_by_label(text, exact=True))
        expect(shown.filter(visible=True).first).to_be_visible()


@pytest.mark.parametrize("app", ["todo", "shop"])
def test_every_scenario_holds_in_its_app(
    app: str, todo_app: RunningApp, shop_app: RunningApp, browser: Browser
) -> None:
    base = todo_app.url if app == "todo" else shop_app.url
    failures = []
    context = browser.new_context()
    context.set_default_timeout(3000)
    context.add_init_script(INVALID_TRACKER_JS)
    page = context.new_page()
    try:
        for scenario in SCENARIOS[app]:
            # A fresh visitor each time, cheaper than a new context: no cookies, no local storage.
            context.clear_cookies()
            page.goto(base + "/about")
            page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            try:
                play(page, base, scenario)
            except Exception as error:  # collect all, report together
                failures.append(f"{scenario['id']}: {str(error).splitlines()[0]}")
    finally:
        context.close()
    assert failures == []
