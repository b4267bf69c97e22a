"""Explored behaviours become grounded cases: targets from recorded elements, expectations from the
observed change only; and, against the to-do app, every such case passes the verifier."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from planwright.crawl.crawler import crawl_site
from planwright.pipeline.explored_cases import explored_behaviour, explored_behaviours
from planwright.schemas import (
    CrawlOptions,
    Element,
    ExploreAction,
    Locator,
    ObservedBehaviour,
    PageSnapshot,
    StateChange,
)
from planwright.verify.runner import verify_cases
from tests.fixture_apps.fixtures import RunningApp

BASE = "http://127.0.0.1:9999"


def role(kind: str, role_name: str, name: str, key: str, **extra: object) -> Element:
    return Element(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        role=role_name,
        name=name,
        locator=Locator(strategy="role", role=role_name, name=name),
        **extra,  # type: ignore[arg-type]
    )


def todo_page() -> PageSnapshot:
    task = role("input", "textbox", "New task", "e1", input_type="text", form_key="e3")
    add = role("button", "button", "Add", "e2", form_key="e3")
    form = Element(
        key="e3",
        kind="form",
        role="form",
        name="",
        locator=Locator(strategy="css", value="#new-task-form"),
        field_keys=["e1"],
        submit_key="e2",
    )
    checkbox = role("checkbox", "checkbox", "Test item", "n1")
    delete = role("button", "button", "Delete", "n2")
    add_item = ObservedBehaviour(
        key="b1",
        kind="fill_submit",
        actions=[
            ExploreAction(action="fill", element_key="e1", data="Test item"),
            ExploreAction(action="click", element_key="e2"),
        ],
        change=StateChange(
            appeared=["Test item", "0 of 1 done", "Delete", "extra"],
            vanished=["0 of 0 done"],
            counts={"listitem": (0, 1)},
        ),
        new_elements=[checkbox, delete],
    )
    toggle = ObservedBehaviour(
        key="b2",
        kind="toggle",
        actions=[*add_item.actions, ExploreAction(action="check", element_key="n1")],
        change=StateChange(appeared=["1 of 1 done"], vanished=["0 of 1 done"]),
        new_elements=[checkbox],
    )
    empty = ObservedBehaviour(  # the form's empty submit: explored once, the only case of it
        key="b3",
        kind="submit_empty",
        actions=[ExploreAction(action="click", element_key="e2")],
        change=StateChange(messages=["Task cannot be empty"]),
    )
    vanish_only = ObservedBehaviour(  # nothing a verifier could assert
        key="b4",
        kind="escape",
        actions=[ExploreAction(action="press", data="Escape")],
        change=StateChange(vanished=["Shortcuts"]),
    )
    ungrounded = ObservedBehaviour(  # refers to an element it does not carry
        key="b5",
        kind="click",
        actions=[ExploreAction(action="click", element_key="n9")],
        change=StateChange(appeared=["Something"]),
    )
    reload = ObservedBehaviour(
        key="b6",
        kind="reload",
        actions=[*add_item.actions, ExploreAction(action="open", data=f"{BASE}/")],
        change=StateChange(appeared=["Test item"], persists_after_reload=True),
        new_elements=[checkbox, delete],
    )
    invalid = ObservedBehaviour(
        key="b7",
        kind="submit_invalid",
        actions=[
            ExploreAction(action="fill", element_key="e1", data="x"),
            ExploreAction(action="click", element_key="e2"),
        ],
        change=StateChange(url=f"{BASE}/error", status=422, heading="Error", messages=["Too short"]),
    )
    return PageSnapshot(
        url=f"{BASE}/",
        title="Tasks — To-do",
        headings=["Tasks"],
        elements=[task, add, form],
        behaviours=[add_item, toggle, empty, vanish_only, ungrounded, reload, invalid],
    )


def test_cases_are_grounded_and_expect_only_what_was_observed() -> None:
    page = todo_page()
    behaviours = explored_behaviours(page, "en")
    assert [b.kind for b in behaviours] == [
        "explored_fill_submit",
        "explored_toggle",
        "explored_submit_empty",
        "explored_reload",
        "explored_submit_invalid",
    ]
    added = behaviours[0].case
    assert [(s.n, s.action, s.target.name if s.target else None, s.data) for s in added.steps] == [
        (1, "open", None, f"{BASE}/"),
        (2, "fill", "New task", "Test item"),
        (3, "click", "Add", None),
    ]
    assert [(e.kind, e.value) for e in added.expected] == [
        ("visible", "Test item"),
        ("text", "0 of 1 done"),  # replaces "0 of 0 done": a changed text
        ("visible", "Delete"),
    ]  # at most three appeared texts
    assert added.steps[2].text == "Click the button “Add”"
    assert added.title == "Submit “Add” with valid data: “Test item” appears"
    assert "appeared: Test item; 0 of 1 done; Delete" in behaviours[0].facts
    assert "list items: 0 → 1" in behaviours[0].facts


def test_every_target_exists_on_the_page_or_in_the_behaviour() -> None:
    page = todo_page()
    for behaviour in explored_behaviours(page, "en"):
        for step in behaviour.case.steps:
            if step.target is not None:
                element = page.element(step.target.element_key)
                assert element is not None
                assert element.locator == step.target.locator
        assert behaviour.case.expected


def test_toggle_reload_and_invalid_expectations() -> None:
    behaviours = {b.kind: b.case for b in explored_behaviours(todo_page(), "en")}
    toggle = behaviours["explored_toggle"]
    assert toggle.steps[-1].action == "check" and toggle.steps[-1].target is not None
    assert toggle.steps[-1].target.element_key == "n1"
    assert [(e.kind, e.value) for e in toggle.expected] == [("text", "1 of 1 done")]
    reload = behaviours["explored_reload"]
    assert reload.steps[-1].action == "open" and reload.steps[-1].text == f"Reload the page {BASE}/"
    assert "persistence" in reload.tags
    invalid = behaviours["explored_submit_invalid"]
    assert [(e.kind, e.value) for e in invalid.expected] == [
        ("url", f"{BASE}/error"),
        ("heading", "Error"),
        ("status", "422"),
        ("validation", "Too short"),
    ]
    assert invalid.priority == "high" and "negative" in invalid.tags
    empty = behaviours["explored_submit_empty"]  # once, from the explorer (the crawler submits nothing)
    assert [(s.action, s.target.name if s.target else None) for s in empty.steps] == [("open", None), ("click", "Add")]
    assert [(e.kind, e.value) for e in empty.expected] == [("validation", "Task cannot be empty")]
    assert empty.priority == "high" and "negative" in empty.tags


def test_a_long_observed_text_is_shortened_in_the_title_not_in_the_expectation() -> None:
    page = todo_page()
    greeting = "Hello, " + "Long text " * 17 + "!"
    observed = page.behaviours[0].model_copy(update={"change": StateChange(appeared=[greeting])})
    behaviour = explored_behaviour(page, observed, "en")
    assert behaviour is not None
    assert len(behaviour.case.title) < 120 and behaviour.case.title.endswith("…” appears")
    assert [x.value for x in behaviour.case.expected] == [greeting]


def test_russian_texts() -> None:
    added = explored_behaviours(todo_page(), "ru")[0].case
    assert added.steps[1].text == "Ввести «Test item» в поле «New task»"
    assert added.expected[0].text == "Отображается «Test item»"
    assert added.title.startswith("Отправка «Add» с корректными данными")


@pytest.mark.timeout(120)
def test_explored_cases_of_the_todo_app_verify(todo_app: RunningApp, browser: Browser) -> None:
    options = CrawlOptions(max_pages=1, max_depth=0, max_actions_per_page=8)
    crawl = crawl_site(todo_app.url + "/", options, browser=browser)
    page = crawl.pages[0]
    behaviours = explored_behaviours(page, "en")
    assert len(behaviours) >= 4
    for behaviour in behaviours:
        for step in behaviour.case.steps:
            if step.target is not None:
                assert page.element(step.target.element_key) is not None
    verifications = verify_cases([b.case for b in behaviours], browser, timeout_s=10)
    failures = [
        (b.case.title, v.detail)
        for b, v in zip(behaviours, verifications, strict=True)
        if v.status != "verified"
    ]
    assert failures == []


@pytest.mark.timeout(180)
def test_a_buttons_dialog_and_a_forms_validation_become_verified_cases(
    fixture_site: str, browser: Browser
) -> None:
    """The crawler acts on nothing but links; the explorer's one click on "Подробнее" (an HTML dialog)
    and "Show phone" (a native alert), and its empty submit of the login form, are the cases that check
    them, and they pass the verifier from a fresh context."""
    options = CrawlOptions(max_pages=1, max_depth=0, max_explore_depth=0)
    cases = {}
    for path in ("/", "/contacts", "/login"):
        page = crawl_site(fixture_site + path, options, browser=browser).pages[0]
        for behaviour in explored_behaviours(page, "en"):
            cases[(path, behaviour.kind, behaviour.element.name if behaviour.element else "")] = behaviour.case
    details = cases[("/", "explored_click", "Подробнее")]
    assert [s.action for s in details.steps] == ["open", "click"]
    assert ("dialog", "Details") in [(x.kind, x.value) for x in details.expected]
    phone = cases[("/contacts", "explored_click", "Show phone")]
    assert ("dialog", "Call us: +7 495 000-00-00") in [(x.kind, x.value) for x in phone.expected]
    empty = cases[("/login", "explored_submit_empty", "Sign in")]
    assert [s.action for s in empty.steps] == ["open", "click"]
    assert [(x.kind, x.value) for x in empty.expected] == [("validation", "Please fill out this field.")]
    assert "negative" in empty.tags
    checked = [details, phone, empty]
    verifications = verify_cases(checked, browser, timeout_s=10)
    assert [(case.title, v.status, v.detail) for case, v in zip(checked, verifications, strict=True)] == [
        (case.title, "verified", v.detail) for case, v in zip(checked, verifications, strict=True)
    ]
