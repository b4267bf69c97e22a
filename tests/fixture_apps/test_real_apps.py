"""The real-world-idiom apps serve, load without JS errors, and their reference scenarios are reachable.

Why: `bench/scenarios/real.json` is the answer key the quality benchmark scores plans against. A scenario
that names an element its app does not offer, or expects a text the app never shows, would silently lower
every score; so each one is played here with Playwright, as a tester would: an element is found by any of
the scenario's acceptable names (role + name, label, placeholder, test id, id, title, alt, icon class, text),
and `alert()` messages count as shown text. One browser (the session's), one context per app.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from tests.fixture_apps.real.server import real_app_names, serve_real_app

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "bench" / "scenarios" / "real.json"
SCENARIOS: dict[str, list[dict[str, Any]]] = {
    app: scenarios
    for app, scenarios in json.loads(SCENARIO_FILE.read_text(encoding="utf-8")).items()
    if not app.startswith("_")
}
KINDS = {"click", "fill", "press", "check", "select", "hover", "dblclick", "reload", "back", "expect"}
WHATS = {"url", "heading", "text", "visible", "validation"}
TAGS = {"Normal", "Edge", "Error"}
TIMEOUT_MS = 2500
# All 110 scenarios take ~2 minutes on a busy 2-core machine; by default each app plays the first of each
# tag (2-3 per app, well under a minute). PLANWRIGHT_REAL_APPS_ALL=1 plays every one (do it after editing
# an app or real.json).
PLAY_ALL = os.environ.get("PLANWRIGHT_REAL_APPS_ALL") == "1"

pytestmark = pytest.mark.timeout(300)


def names_of(item: dict[str, Any], typed: str) -> list[str]:
    names = item.get("target_name", [])
    return [str(name).replace("{typed}", typed) for name in ([names] if isinstance(names, str) else names)]


def _css_word(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z][\w-]*", name) is not None


def candidates(page: Page, kind: str, name: str) -> Iterator[Locator]:
    """Where a tester would look for an element called `name`, for this kind of action, in that order."""
    if kind in ("fill", "press", "select"):
        yield page.get_by_label(name, exact=True)
        yield page.get_by_placeholder(name, exact=True)
        yield page.get_by_label(name)
    elif kind == "check":
        yield page.get_by_role("checkbox", name=name, exact=True)
        yield page.get_by_label(name, exact=True)
        row = page.locator("li, tr", has=page.get_by_text(name, exact=True))
        yield row.get_by_role("checkbox")
    else:
        for role in ("button", "link", "tab", "checkbox"):
            yield page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
        yield page.get_by_role("columnheader", name=name)
    yield page.get_by_test_id(name)
    yield page.locator(f"[id={json.dumps(name)}]")
    yield page.get_by_title(name, exact=True)
    if kind not in ("fill", "press", "select", "check"):
        yield page.get_by_alt_text(name, exact=True)
    if _css_word(name):
        if name.startswith("fa-"):
            yield page.locator(f"button:has(i.{name})")
        yield page.locator(f".{name}")
    if kind not in ("fill", "press", "select", "check"):
        yield page.get_by_text(name, exact=True)


def locate(page: Page, kind: str, names: list[str]) -> Locator:
    """The first visible element any acceptable name finds; waits a little for it to appear."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        for name in names:
            for candidate in candidates(page, kind, name):
                visible = candidate.filter(visible=True)
                if visible.count():
                    return visible.first
        if time.monotonic() > deadline:
            raise AssertionError(f"no element for {kind} {names}")
        page.wait_for_timeout(100)


def see(page: Page, item: dict[str, Any], typed: str, dialogs: list[str]) -> None:
    text = str(item.get("text", "")).replace("{typed}", typed)
    what = item["what"]
    if what == "url":
        expect(page).to_have_url(re.compile(re.escape(text)))
        return
    if what == "heading":
        expect(page.get_by_role("heading", name=text).filter(visible=True).first).to_be_visible()
        return
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if any(text.casefold() in message.casefold() for message in dialogs):
            return
        if page.get_by_text(text).filter(visible=True).count():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} not shown (alerts: {dialogs})")


def play(page: Page, base: str, scenario: dict[str, Any], dialogs: list[str]) -> None:
    """Do the scenario's actions in order with its example values, then check its expected texts."""
    page.goto(base + "/")
    page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    page.goto(base + scenario["page"])
    dialogs.clear()
    typed = ""
    for item in scenario["must"]:
        kind = item["kind"]
        if kind == "expect":
            see(page, item, typed, dialogs)
        elif kind == "reload":
            page.reload()
        elif kind == "back":
            page.go_back()
        elif kind == "press" and "target_name" not in item:
            page.keyboard.press(item["text"])
        else:
            target = locate(page, kind, names_of(item, typed))
            if kind == "fill":  # typed key by key: some apps listen to keyup, as they do for a person
                typed = str(item.get("text", "Buy milk"))
                target.fill("")
                target.press_sequentially(typed)
            elif kind == "press":
                target.press(item["text"])
            elif kind == "check":
                target.check()
            elif kind == "select":
                target.select_option(label=item.get("text"))
            elif kind == "dblclick":
                target.dblclick()
            elif kind == "hover":
                target.hover()
            else:
                target.click()
        if kind in ("click", "check"):
            page.wait_for_timeout(50)  # let a click handler's timers (a card flipping back) start


def chosen(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scenarios to play: all of them, or the first Normal, Edge and Error one."""
    if PLAY_ALL:
        return scenarios
    firsts: dict[str, dict[str, Any]] = {}
    for scenario in scenarios:
        firsts.setdefault(scenario["tag"], scenario)
    picked = list(firsts.values())
    return picked + [scenario for scenario in scenarios if scenario not in picked][: max(0, 3 - len(picked))]


def test_every_app_has_well_formed_scenarios_in_its_language() -> None:
    assert len(real_app_names()) >= 12
    assert set(SCENARIOS) == set(real_app_names())
    ids = [scenario["id"] for scenarios in SCENARIOS.values() for scenario in scenarios]
    assert len(ids) == len(set(ids))
    for app, scenarios in SCENARIOS.items():
        assert 5 <= len(scenarios) <= 15, app
        assert "Normal" in {scenario["tag"] for scenario in scenarios}, app
        for scenario in scenarios:
            assert scenario["tag"] in TAGS and scenario["page"].startswith("/"), scenario["id"]
            assert any(item["kind"] == "expect" for item in scenario["must"]), scenario["id"]
            for item in scenario["must"]:
                assert item["kind"] in KINDS, item
                assert item["kind"] != "expect" or item["what"] in WHATS, item
    assert re.search("[а-я]", json.dumps(SCENARIOS["rashody"], ensure_ascii=False))
    assert re.search("[\u3040-\u30ff]", json.dumps(SCENARIOS["tango"], ensure_ascii=False))


def test_the_server_serves_an_apps_pages_and_the_icons_and_nothing_outside() -> None:
    with serve_real_app("landing") as base:
        with urllib.request.urlopen(base + "/") as response:
            assert "Acme Notes" in response.read().decode("utf-8")
        with urllib.request.urlopen(base + "/contact.html") as response:
            assert "Contact us" in response.read().decode("utf-8")
        with urllib.request.urlopen(base + "/icons.css") as response:
            assert response.headers["Content-Type"].startswith("text/css")
        for missing in ("/nope.html", "/../server.py", "/%2e%2e/server.py", "/../todo-vanilla/index.html"):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(base + missing)
            assert error.value.code == 404, missing
    with pytest.raises(ValueError, match="unknown real app"):
        serve_real_app("no-such-app").__enter__()


@pytest.mark.parametrize("app", real_app_names())
def test_app_loads_without_errors_and_its_scenarios_are_reachable(app: str, browser: Browser) -> None:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", on_dialog)
    failures = []
    try:
        with serve_real_app(app) as base:
            page.goto(base + "/")
            expect(page.locator("body")).not_to_be_empty()
            assert errors == [], errors
            played = chosen(SCENARIOS[app])
            assert len(played) >= 2
            for scenario in played:
                try:
                    play(page, base, scenario, dialogs)
                except Exception as error:  # collect all, report together
                    failures.append(f"{scenario['id']}: {str(error).splitlines()[0]}")
            assert errors == [], errors
    finally:
        context.close()
    assert failures == []
