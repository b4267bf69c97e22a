"""The verifier against the real fixture site in real Chromium: verified, failed, not executable."""

from __future__ import annotations

import time

from playwright.sync_api import Browser

from planwright.browser.launch import find_chromium_executable
from planwright.schemas import Verification
from planwright.verify import summary, verify_case, verify_cases
from tests.fixture_apps.fixtures import RunningApp
from tests.verify.builders import (
    back_keeps_cart_case,
    by,
    case,
    contacts_case,
    dialog_case,
    edit_box_case,
    edit_save_case,
    exp,
    good_cases,
    login_empty_case,
    login_valid_case,
    role,
    step,
)


def test_contacts_link_case_is_verified(browser: Browser, fixture_site: str) -> None:
    result = verify_case(contacts_case(fixture_site), browser)
    assert result.status == "verified", result.detail


def test_planted_wrong_heading_fails_and_names_the_expectation(browser: Browser, fixture_site: str) -> None:
    result = verify_case(contacts_case(fixture_site, heading="Contacts page"), browser)
    assert result.status == "failed"
    assert result.detail is not None
    assert result.detail.startswith("expected heading 'Contacts page': ")
    assert "'Контакты'" in result.detail  # says what the page showed instead


def test_missing_target_is_not_executable_and_names_the_step(browser: Browser, fixture_site: str) -> None:
    broken = case(
        f"{fixture_site}/",
        "Link that is not there",
        [step(1, "open", "Open home"), step(2, "click", "Click Прайс", role("link", "Прайс-лист"))],
        [exp("url", "/price")],
    )
    result = verify_case(broken, browser)
    assert result == Verification(
        status="not_executable",
        detail='step 2: target get_by_role("link", name="Прайс-лист") matches 0 elements',
    )


def test_ambiguous_target_is_not_executable(browser: Browser, fixture_site: str) -> None:
    ambiguous = case(
        f"{fixture_site}/",
        "Add to cart",
        [step(1, "click", "Click Add to cart", role("button", "Add to cart"))],
        [exp("text", "Added")],
    )
    result = verify_case(ambiguous, browser)
    assert result.status == "not_executable"
    assert result.detail == 'step 1: target get_by_role("button", name="Add to cart") matches 2 elements'


def test_dialog_button_case_is_verified(browser: Browser, fixture_site: str) -> None:
    result = verify_case(dialog_case(fixture_site), browser)
    assert result.status == "verified", result.detail


def test_empty_login_submit_shows_validation(
    browser: Browser, fixture_site: str, required_message: str
) -> None:
    result = verify_case(login_empty_case(fixture_site, required_message), browser)
    assert result.status == "verified", result.detail


def test_validation_needs_a_refused_submit_not_just_a_required_field(
    browser: Browser, fixture_site: str
) -> None:
    """Opening the login page alone must not satisfy "validation": nothing was refused yet."""
    idle = case(
        f"{fixture_site}/login",
        "No submit",
        [step(1, "open", "Open login")],
        [exp("validation", "")],
    )
    result = verify_case(idle, browser, timeout_s=2)
    assert result.status == "failed"
    assert result.detail == "expected validation '': no validation message and no alert was shown"


def test_valid_login_reaches_the_account(browser: Browser, fixture_site: str) -> None:
    result = verify_case(login_valid_case(fixture_site), browser)
    assert result.status == "verified", result.detail


def test_every_action_and_expectation_kind_on_good_cases(
    browser: Browser, fixture_site: str, required_message: str
) -> None:
    cases = good_cases(fixture_site, required_message)
    seen: list[tuple[int, int, str]] = []
    results = verify_cases(
        cases, browser, timeout_s=10, on_progress=lambda i, n, c, v: seen.append((i, n, v.status))
    )
    assert [(r.status, r.detail) for r in results if r.status != "verified"] == []
    assert seen == [(i, len(cases), "verified") for i in range(1, len(cases) + 1)]
    assert summary(results)["verified"] == len(cases)


def test_double_click_and_back_cases_are_verified(
    browser: Browser, todo_app: RunningApp, shop_app: RunningApp
) -> None:
    """A double-click on a task's label opens its edit box (Enter saves); after leaving the catalogue
    for the cart, Back returns to the catalogue, which still counts the item."""
    cases = [edit_box_case(todo_app.url), edit_save_case(todo_app.url), back_keeps_cart_case(shop_app.url)]
    results = verify_cases(cases, browser, timeout_s=15)
    assert [r.status for r in results] == ["verified"] * 3, results


def test_back_checks_what_the_page_shows_after_going_back(browser: Browser, shop_app: RunningApp) -> None:
    result = verify_case(back_keeps_cart_case(shop_app.url, count=2), browser, timeout_s=10)
    assert result.status == "failed"
    assert result.detail is not None and "Cart (2)" in result.detail


def test_double_click_needs_exactly_one_target(browser: Browser, todo_app: RunningApp) -> None:
    """Before any task was added there is no label to double-click: the plan cannot run as written."""
    opened = edit_box_case(todo_app.url)
    no_task = case(opened.page_url, "Edit a task that is not there", [opened.steps[3]], opened.expected)
    result = verify_case(no_task, browser, timeout_s=10)
    assert result.status == "not_executable"
    assert result.detail is not None and "matches 0 elements" in result.detail


def test_step_the_site_refuses_fails_with_step_and_reason(browser: Browser, fixture_site: str) -> None:
    wrong_kind = case(
        f"{fixture_site}/login",
        "Type into a button",
        [step(1, "open", "Open login"), step(2, "fill", "Type into Sign in", role("button", "Sign in"), "x")],
        [exp("url", "/login")],
    )
    result = verify_case(wrong_kind, browser, timeout_s=3)
    assert result.status == "failed"
    assert result.detail is not None and result.detail.startswith("step 2 (Type into Sign in): ")


def test_plan_problems_are_not_executable(browser: Browser, fixture_site: str) -> None:
    no_target = case(f"{fixture_site}/", "Click nothing", [step(1, "click", "Click")], [exp("url", "/")])
    bad_status = case(f"{fixture_site}/", "Status", [step(1, "open", "Open")], [exp("status", "OK")])
    bad_css = case(
        f"{fixture_site}/", "CSS", [step(1, "click", "Click", by("css", "a[[["))], [exp("url", "/")]
    )
    results = verify_cases([no_target, bad_status, bad_css], browser, timeout_s=3)
    assert [r.status for r in results] == ["not_executable"] * 3
    assert results[0].detail == "step 1: action 'click' has no target"
    assert results[1].detail == "expected status 'OK': not an HTTP status code"
    assert results[2].detail is not None and results[2].detail.startswith('step 1: target locator("a[[[")')


def test_wrong_url_and_status_are_reported_with_what_was_seen(browser: Browser, fixture_site: str) -> None:
    lost = case(
        f"{fixture_site}/about",
        "Old catalogue",
        [step(1, "click", "Click Old catalogue", role("link", "Old catalogue"))],
        [exp("url", "/catalogue"), exp("status", "200")],
    )
    result = verify_case(lost, browser, timeout_s=15)  # 5 s ran out at load ~20 before the click
    assert result.status == "failed"
    assert result.detail == (
        f"expected url '/catalogue': page is at {fixture_site}/missing; "
        "expected status '200': last navigation returned 404"
    )


def test_a_hanging_case_is_bounded_and_does_not_stop_the_others(browser: Browser, fixture_site: str) -> None:
    slow = case(
        f"{fixture_site}/slow", "Slow page", [step(1, "open", "Open /slow")], [exp("heading", "Loaded")]
    )
    frozen = case(
        "data:text/html,<h1>x</h1><script>setTimeout(() => { while (true) {} }, 200)</script>",
        "Frozen page",
        [step(1, "open", "Open a page whose script never yields")],
        [exp("title", "never")],
    )
    started = time.monotonic()
    # 8 s each: the quick case must verify within it on a loaded machine too (2 and 4 s failed at load ~20).
    results = verify_cases([slow, frozen, contacts_case(fixture_site)], browser, timeout_s=8)
    elapsed = time.monotonic() - started
    assert [r.status for r in results] == ["failed", "failed", "verified"], results
    assert results[0].detail is not None and results[0].detail.startswith("step 1 (Open /slow): ")
    assert results[1].detail == "case timed out after 8 s: the page stopped responding"
    assert elapsed < 8 + 2 + 8 + 2 * 2 + 8  # two cut-off cases (deadline + watchdog grace) and one quick


def test_a_dead_browser_fails_the_case_and_a_factory_relaunches(browser: Browser, fixture_site: str) -> None:
    dead = browser.browser_type.launch(executable_path=find_chromium_executable())
    dead.close()
    browsers = iter([dead, browser])
    results = verify_cases([contacts_case(fixture_site)] * 2, lambda: next(browsers), timeout_s=5)
    assert results[0].status == "failed"
    assert results[0].detail is not None and results[0].detail.startswith("browser unavailable: ")
    assert results[1].status == "verified", results[1].detail
