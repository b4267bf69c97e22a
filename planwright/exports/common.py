"""Wording shared by all exports, so a case reads the same in Excel, PDF, CSV and Gherkin.

Expected results are case-level in our model (what the last action must lead to), so every
step-per-row export puts them on the case's *last* step: that is the step whose outcome they
describe, and it is where TestRail's and Xray's per-step "expected result" fields want them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from planwright.phrases import sections
from planwright.schemas import Expectation, Language, PlanExport, Step, Target, TestCaseData

LABELS = sections("export")  # the phrases live in planwright/phrases.py, one table per language


@dataclass(frozen=True)
class PlanSummary:
    """The counts a reader checks first: how much of the plan the model wrote and how much passed."""

    cases: int
    steps: int
    from_model: int
    from_skeleton: int
    verified: int
    failed: int
    not_executable: int
    pending: int


def summarize(plan: PlanExport) -> PlanSummary:
    """Count cases by source and by verification status."""
    statuses = [case.verification.status for case in plan.cases]
    return PlanSummary(
        cases=len(plan.cases),
        steps=sum(len(case.steps) for case in plan.cases),
        from_model=sum(case.source == "model" for case in plan.cases),
        from_skeleton=sum(case.source == "skeleton" for case in plan.cases),
        verified=statuses.count("verified"),
        failed=statuses.count("failed"),
        not_executable=statuses.count("not_executable"),
        pending=statuses.count("pending"),
    )


def case_key(case: TestCaseData, position: int) -> str:
    """A stable case identifier: the database id when the case has one, else its 1-based position."""
    return f"TC-{case.id if case.id is not None else position}"


def format_created(moment: datetime) -> str:
    """The plan date as ``YYYY-MM-DD HH:MM UTC`` (naive datetimes are taken to be UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def target_label(target: Target | None) -> str:
    """Role and accessible name, as a tester finds the element by eye: ``link "Контакты"``."""
    if target is None:
        return ""
    return f'{target.role} "{target.name}"' if target.name else target.role


def locator_text(target: Target | None) -> str:
    """The Playwright call that finds the target, or empty for steps without one (``open``)."""
    return target.locator.describe() if target is not None else ""


def expectation_text(expectation: Expectation) -> str:
    """The human sentence, plus the checked value when the sentence does not already contain it."""
    text = expectation.text.strip()
    if not text:
        return f"{expectation.kind}: {expectation.value}"
    if expectation.value and expectation.value not in text:
        return f"{text} ({expectation.kind}: {expectation.value})"
    return text


def numbered(lines: list[str]) -> str:
    """One line stays as is; several are numbered so they can be ticked off one by one."""
    if len(lines) == 1:
        return lines[0]
    return "\n".join(f"{index}. {line}" for index, line in enumerate(lines, start=1))


def expected_block(case: TestCaseData) -> str:
    """All expected results of a case as one multi-line cell."""
    return numbered([expectation_text(expectation) for expectation in case.expected])


def step_instruction(step: Step, language: Language, *, with_data: bool) -> str:
    """A step as a tool's single "step" text: the sentence, the locator and (optionally) the data."""
    labels = LABELS[language]
    lines = [step.text]
    if step.target is not None:
        lines.append(f"{labels['locator']}: {locator_text(step.target)}")
    if with_data and step.data:
        lines.append(f"{labels['data']}: {step.data}")
    return "\n".join(lines)


def ordered_steps(case: TestCaseData) -> list[Step]:
    """Steps by their number, whatever order they were stored in."""
    return sorted(case.steps, key=lambda step: step.n)


@dataclass(frozen=True)
class StepRow:
    """One row of a step-per-row export; ``step`` is None for a case that has no steps at all."""

    case: TestCaseData
    key: str
    step: Step | None
    first: bool
    last: bool


def step_rows(plan: PlanExport) -> Iterator[StepRow]:
    """Walk the plan one step at a time; a case without steps still yields one row, so it is kept."""
    for position, case in enumerate(plan.cases, start=1):
        key = case_key(case, position)
        steps: list[Step | None] = list(ordered_steps(case)) or [None]
        for index, step in enumerate(steps):
            yield StepRow(case=case, key=key, step=step, first=index == 0, last=index == len(steps) - 1)
