"""Regression first, in a real Chromium against an app changed between two runs (no model needed:
the cases are the ones a run of version 1 verified)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.schemas import Locator, Target, TestCaseData, Verification
from planwright.targets.regression import heal_candidates, regress_case, regress_cases
from planwright.verify import verify_cases
from tests.fixture_apps.changing_app import ChangingServer, serve_changing_app
from tests.verify.builders import case, exp, role, step


@pytest.fixture
def app() -> Iterator[tuple[str, ChangingServer]]:
    with serve_changing_app() as served:
        yield served


def by_testid(value: str, name: str) -> Target:
    return Target(
        element_key="e9",
        page_url="",
        role="button",
        name=name,
        locator=Locator(strategy="testid", value=value),
    )


def version_one_cases(base: str) -> list[TestCaseData]:
    return [
        case(
            f"{base}/",
            "Contacts opens the contacts page",
            [step(1, "open", "Open home"), step(2, "click", "Click Contacts", role("link", "Contacts"))],
            [exp("url", "/contacts"), exp("heading", "Contacts")],
        ),
        case(
            f"{base}/settings",
            "Saving the profile says so",
            [
                step(1, "open", "Open settings"),
                step(2, "click", "Click Save", by_testid("save-profile", "Save")),
            ],
            [exp("text", "Profile saved")],
        ),
        case(
            f"{base}/settings",
            "Saving a new password says so",
            [
                step(1, "open", "Open settings"),
                step(2, "fill", "Type a password", role("textbox", "New password"), data="s3cret!"),
                step(3, "click", "Click Save", by_testid("save-password", "Save")),
            ],
            [exp("text", "Password saved")],
        ),
        case(
            f"{base}/signup",
            "Signing up without an email asks for it",
            [step(1, "open", "Open sign-up"), step(2, "click", "Click Sign up", role("button", "Sign up"))],
            [exp("text", "Email is required")],
        ),
        case(
            f"{base}/",
            "Home shows its heading",
            [step(1, "open", "Open home")],
            [exp("heading", "Welcome")],
        ),
    ]


def test_regression_on_the_changed_app(
    app: tuple[str, ChangingServer], browser: Browser, tmp_path: Path
) -> None:
    base, server = app
    cases = version_one_cases(base)
    first_run = verify_cases(cases, browser)
    assert [v.status for v in first_run] == ["verified"] * len(cases), [v.detail for v in first_run]
    verified = [c.model_copy(update={"verification": v}) for c, v in zip(cases, first_run, strict=True)]

    server.version = 2
    results = {r.title: r for r in regress_cases(verified, browser, screenshot_dir=tmp_path)}

    assert results["Home shows its heading"].status == "still_passes"
    reworded = results["Signing up without an email asks for it"]
    assert reworded.status == "now_fails" and "Email is required" in (reworded.detail or "")
    assert reworded.screenshot and Path(reworded.screenshot).read_bytes().startswith(b"\x89PNG")
    assert all(r.screenshot is None for r in results.values() if r.status != "now_fails")
    moved = results["Saving the profile says so"]
    assert moved.status == "healed"
    assert [(h.step, h.old_locator, h.new_locator) for h in moved.heals] == [
        (2, 'get_by_test_id("save-profile")', 'get_by_role("button", name="Save")')
    ]
    gone = results["Saving a new password says so"]
    assert (
        gone.status == "not_executable" and gone.heals == [] and "matches 0 elements" in (gone.detail or "")
    )
    renamed = results["Contacts opens the contacts page"]
    assert renamed.status == "not_executable"  # its name changed: no heal finds it by the old name


def test_a_failing_case_is_never_healed_green() -> None:
    """A heal only re-grounds a step whose target is gone; a case that fails is reported failing."""
    calls: list[TestCaseData] = []

    def verifier(case_data: TestCaseData) -> Verification:
        calls.append(case_data)
        return Verification(status="failed", detail="expected text 'Saved': not shown")

    original = case(
        "http://a.example/",
        "Save",
        [step(1, "click", "Click Save", by_testid("save", "Save"))],
        [exp("text", "Saved")],
    )
    result = regress_case(original, verifier)
    assert result.status == "now_fails" and result.heals == [] and len(calls) == 1


def test_a_heal_whose_case_then_fails_is_a_failure_not_a_heal() -> None:
    answers = iter(
        [
            Verification(
                status="not_executable", detail='step 1: target get_by_test_id("save") matches 0 elements'
            ),
            Verification(status="failed", detail="expected text 'Saved': not shown"),
        ]
    )
    original = case(
        "http://a.example/",
        "Save",
        [step(1, "click", "Click Save", by_testid("save", "Save"))],
        [exp("text", "Saved")],
    )
    result = regress_case(original, lambda _case: next(answers))
    assert result.status == "now_fails" and [h.new_locator for h in result.heals] == [
        'get_by_role("button", name="Save")'
    ]


def test_heal_candidates_keep_the_elements_identity() -> None:
    old = Locator(strategy="css", value="#save-btn")
    assert [c.describe() for c in heal_candidates("button", "Save", old)] == [
        'get_by_role("button", name="Save")',
        'get_by_label("Save")',
    ]
    assert heal_candidates("button", "", old) == []


def test_the_regression_stage_stores_results_on_the_run_and_the_diff_shows_them(
    app: tuple[str, ChangingServer], browser: Browser, database_url: str
) -> None:
    from planwright.db import plans_store
    from planwright.db.models import DEFAULT_TEAM_ID, Plan, TargetRun
    from planwright.db.session import session_scope
    from planwright.settings import get_settings
    from planwright.targets.compare import run_diff
    from planwright.targets.regress_stage import regression_stage
    from planwright.targets.runs import create_run
    from planwright.targets.schemas import TargetCreate
    from planwright.targets.service import create_target

    base, server = app
    cases = version_one_cases(base)
    verified = [
        c.model_copy(update={"verification": v})
        for c, v in zip(cases, verify_cases(cases, browser), strict=True)
    ]
    with session_scope(database_url) as session:
        target = create_target(
            session, team_id=DEFAULT_TEAM_ID, body=TargetCreate(name="changing", url=f"{base}/")
        )
        first, second = (create_run(session, target=target, trigger="manual") for _ in range(2))
        assert first.plan is not None
        plans_store.add_cases(session, first.plan, verified, start=0)
        first.plan.status = "done"
        second_plan_id = second.plan_id
    assert second_plan_id is not None

    server.version = 2
    results = regression_stage(database_url, second_plan_id, browser=browser, settings=get_settings())
    assert results is not None and len(results) == len(cases)
    assert regression_stage(database_url, second_plan_id, browser=browser, settings=get_settings()) is None

    with session_scope(database_url) as session:
        run = session.query(TargetRun).filter_by(plan_id=second_plan_id).one()
        assert run.regression_seconds is not None and run.regression_seconds > 0
        plan = session.get(Plan, second_plan_id)
        assert (
            plan is not None
            and plan.status == "queued"
            and plan.stage == f"regression {len(cases)}/{len(cases)}"
        )
        plan.status = "done"  # as if its own stages had run (no crawl here: its cases are empty)
        session.flush()
        diff = run_diff(session, run)
    assert diff.previous == 1 and diff.regression_counts == {
        "still_passes": 1,
        "now_fails": 1,
        "not_executable": 2,
        "healed": 1,
    }
    assert {r.title for r in diff.regression if r.status == "healed"} == {"Saving the profile says so"}
