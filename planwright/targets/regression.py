"""Regression first: before a run crawls, the previous run's verified cases are executed again against
today's app with the existing verifier, each ending `still_passes`, `now_fails` (step and reason),
`not_executable` (its element is gone) or `healed`.

Healing re-grounds a step whose locator finds nothing any more, onto an element that exists today
under the same role and accessible name, the same label or the same test id; it never touches what the
case checks (its expectations), a case that *fails* is never healed, and a healed case that passes is
`healed` with the old and new locator — never silently counted as passing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser

from planwright.schemas import AuthSpec, BrowserLocale, Locator, TestCaseData, Verification
from planwright.targets.diff import case_key
from planwright.targets.schemas import Heal, RegressionResult
from planwright.verify import verify_case

# The verifier's words for a step whose target is gone: "step 3: target get_by_…(…) matches 0 elements".
TARGET_GONE = re.compile(r"^step (\d+): target .* matches 0 elements")
CASE_TIMEOUT_S = 10.0


def heal_candidates(role: str, name: str, old: Locator) -> list[Locator]:
    """Today's ways to find the same element: same role + name, same label, same test id. Each keeps
    the element's identity (what a person would call it), so the case still checks the same thing."""
    candidates = []
    if name.strip():
        candidates.append(Locator(strategy="role", role=role, name=name))
        candidates.append(Locator(strategy="label", value=name))
    if old.strategy == "testid" and old.value:
        candidates.append(Locator(strategy="testid", value=old.value))
    return [candidate for candidate in candidates if candidate.describe() != old.describe()]


Verifier = Callable[[TestCaseData], Verification]


def _with_locator(case: TestCaseData, step_number: int, locator: Locator) -> TestCaseData:
    steps = [
        step.model_copy(update={"target": step.target.model_copy(update={"locator": locator})})
        if step.n == step_number and step.target is not None
        else step
        for step in case.steps
    ]
    return case.model_copy(update={"steps": steps})


def _gone_step(verification: Verification) -> int | None:
    found = TARGET_GONE.match(verification.detail or "") if verification.status == "not_executable" else None
    return int(found.group(1)) if found else None


def regress_case(case: TestCaseData, verify: Verifier, *, screenshot: Path | None = None) -> RegressionResult:
    """One previous verified case against today's app, healed step by step where its target is gone.
    `screenshot` is where `verify` saves a failing page (kept when the case now fails)."""
    base = {"key": case_key(case, {}), "title": case.title, "page_url": case.page_url}
    verification = verify(case)
    heals: list[Heal] = []
    tried_steps: set[int] = set()
    while (gone := _gone_step(verification)) is not None and gone not in tried_steps:
        tried_steps.add(gone)
        step = next((s for s in case.steps if s.n == gone), None)
        if step is None or step.target is None:
            break
        for candidate in heal_candidates(step.target.role, step.target.name, step.target.locator):
            attempt = verify(_with_locator(case, gone, candidate))
            if _gone_step(attempt) != gone:  # the step found its element: keep this heal
                heals.append(
                    Heal(
                        step=gone,
                        old_locator=step.target.locator.describe(),
                        new_locator=candidate.describe(),
                    )
                )
                case, verification = _with_locator(case, gone, candidate), attempt
                break
    if verification.status == "verified":
        return RegressionResult(
            **base, status="healed" if heals else "still_passes", detail=verification.detail, heals=heals
        )
    if verification.status == "failed":
        shot = str(screenshot) if screenshot is not None and screenshot.exists() else None
        return RegressionResult(
            **base, status="now_fails", detail=verification.detail, heals=heals, screenshot=shot
        )
    return RegressionResult(**base, status="not_executable", detail=verification.detail, heals=heals)


def regress_cases(
    cases: list[TestCaseData],
    browser: Browser | Callable[[], Browser],
    *,
    auth: AuthSpec | None = None,
    locale: BrowserLocale | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    timeout_s: float = CASE_TIMEOUT_S,
    screenshot_dir: Path | None = None,
) -> list[RegressionResult]:
    """The previous run's verified cases, one after another (a failure in one never stops the rest).
    With `screenshot_dir`, a case that now fails keeps a screenshot of the page where it stopped."""
    results = []
    verified = [case for case in cases if case.verification.status == "verified"]
    for index, case in enumerate(verified, start=1):
        shot = screenshot_dir / f"regression-{index}.png" if screenshot_dir is not None else None

        def verify(attempt: TestCaseData, shot: Path | None = shot) -> Verification:
            current = browser() if callable(browser) else browser
            return verify_case(
                attempt, current, timeout_s=timeout_s, auth=auth, failure_screenshot=shot, locale=locale
            )

        results.append(regress_case(case, verify, screenshot=shot))
        if on_progress is not None:
            on_progress(index, len(verified))
    return results
