"""The one step → operation translation and the one locator → call rule, as plain data (no browser)."""

from __future__ import annotations

import pytest

from planwright.browser.errors import NotExecutable
from planwright.browser.locators import LocatorCall, locator_call
from planwright.browser.operations import Operation, operation, step_operation, unchecks
from planwright.codegen.python import locator_expr as python_expr
from planwright.codegen.typescript import locator_expr as typescript_expr
from planwright.schemas import Locator, Step, Target

PAGE = "http://shop.test/catalog/"
BUTTON = Locator(strategy="role", role="button", name="Add")


def test_open_resolves_against_the_case_page() -> None:
    assert operation("open", None, None, page_url=PAGE) == Operation("goto", value=PAGE)
    assert operation("open", None, "cart", page_url=PAGE).value == "http://shop.test/catalog/cart"
    assert operation("open", None, "http://other.test/", page_url=PAGE).value == "http://other.test/"


@pytest.mark.parametrize("data", ["false", "off", "No", " 0 ", "uncheck", "unchecked"])
def test_untick_words_make_an_uncheck(data: str) -> None:
    assert unchecks(data)
    assert operation("check", BUTTON, data, page_url=PAGE).kind == "uncheck"


@pytest.mark.parametrize("data", [None, "", "yes", "on", "checked"])
def test_other_check_data_ticks(data: str | None) -> None:
    assert operation("check", BUTTON, data, page_url=PAGE).kind == "check"


def test_defaults_of_press_and_fill() -> None:
    assert operation("press", None, None, page_url=PAGE) == Operation("keyboard", value="Enter")
    assert operation("press", BUTTON, None, page_url=PAGE) == Operation("press", BUTTON, "Enter")
    assert operation("fill", BUTTON, None, page_url=PAGE) == Operation("fill", BUTTON, "")


@pytest.mark.parametrize(
    ("action", "locator", "data", "message"),
    [
        ("drag", BUTTON, None, "unsupported action 'drag'"),
        ("click", None, None, "action 'click' has no target"),
        ("select", BUTTON, None, "select has no option to choose"),
    ],
)
def test_steps_that_cannot_run_say_why(
    action: str, locator: Locator | None, data: str | None, message: str
) -> None:
    with pytest.raises(NotExecutable, match=message):
        operation(action, locator, data, page_url=PAGE)


def test_a_step_names_itself_when_it_cannot_run() -> None:
    step = Step(n=3, action="click", text="click it")
    with pytest.raises(NotExecutable, match=r"^step 3: action 'click' has no target$"):
        step_operation(step, PAGE)
    target = Target(element_key="e1", page_url=PAGE, role="button", name="Add", locator=BUTTON)
    assert step_operation(Step(n=1, action="submit", text="send", target=target), PAGE) == Operation(
        "submit", BUTTON
    )


@pytest.mark.parametrize(
    ("locator", "call", "python", "typescript"),
    [
        (
            BUTTON,
            LocatorCall("get_by_role", "button", name="Add", exact=True),
            'page.get_by_role("button", name="Add", exact=True)',
            'page.getByRole("button", { name: "Add", exact: true })',
        ),
        (
            Locator(strategy="role", role="list"),
            LocatorCall("get_by_role", "list"),
            'page.get_by_role("list")',
            'page.getByRole("list")',
        ),
        (
            Locator(strategy="testid", value="cart"),
            LocatorCall("get_by_test_id", "cart"),
            'page.get_by_test_id("cart")',
            'page.getByTestId("cart")',
        ),
        (
            Locator(strategy="label", value="Email"),
            LocatorCall("get_by_label", "Email", exact=True),
            'page.get_by_label("Email", exact=True)',
            'page.getByLabel("Email", { exact: true })',
        ),
        (
            Locator(strategy="placeholder", value="Search"),
            LocatorCall("get_by_placeholder", "Search", exact=True),
            'page.get_by_placeholder("Search", exact=True)',
            'page.getByPlaceholder("Search", { exact: true })',
        ),
        (
            Locator(strategy="css", value="#go"),
            LocatorCall("locator", "#go"),
            'page.locator("#go")',
            'page.locator("#go")',
        ),
    ],
)
def test_one_locator_rule_live_and_in_both_exports(
    locator: Locator, call: LocatorCall, python: str, typescript: str
) -> None:
    assert locator_call(locator) == call
    assert python_expr(locator) == python
    assert typescript_expr(locator) == typescript


@pytest.mark.parametrize(
    ("locator", "message"),
    [
        (Locator(strategy="role", name="Add"), "role locator without a role"),
        (Locator(strategy="testid"), "testid locator without a value"),
    ],
)
def test_incomplete_locators_are_not_executable(locator: Locator, message: str) -> None:
    with pytest.raises(NotExecutable, match=message):
        locator_call(locator)
