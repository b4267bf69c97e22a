"""A run against the one before it: loads the two plans' crawls and cases and calls the pure diff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.db import plans_store
from planwright.db.models import Plan, TargetRun
from planwright.schemas import CrawlResult
from planwright.targets.diff import RunDiff, diff_runs
from planwright.targets.schemas import RegressionResult, regression_counts


class RunNotComparable(Exception):
    """The run has no finished plan to compare (still running, failed or deleted by retention)."""


def previous_done_run(session: Session, run: TargetRun) -> TargetRun | None:
    """The latest earlier run whose plan finished `done`: a failed night is skipped, not compared."""
    return session.scalar(
        select(TargetRun)
        .join(Plan, Plan.id == TargetRun.plan_id)
        .where(TargetRun.target_id == run.target_id, TargetRun.number < run.number, Plan.status == "done")
        .order_by(TargetRun.number.desc())
        .limit(1)
    )


def run_diff(session: Session, run: TargetRun) -> RunDiff:
    if run.plan is None:
        raise RunNotComparable(f"Run {run.number}'s plan was deleted by retention.")
    if run.plan.status != "done":
        raise RunNotComparable(f"Run {run.number} is {run.plan.status}; its diff exists once it is done.")
    previous = previous_done_run(session, run)
    new_crawl, new_cases = (
        plans_store.load_crawl(session, run.plan),
        plans_store.plan_export(session, run.plan).cases,
    )
    if previous is None or previous.plan is None:
        old_crawl, old_cases = CrawlResult(start_url=run.plan.url), []
    else:
        old_crawl = plans_store.load_crawl(session, previous.plan)
        old_cases = plans_store.plan_export(session, previous.plan).cases
    diff = diff_runs(
        number=run.number,
        previous=previous.number if previous else None,
        old_crawl=old_crawl,
        old_cases=old_cases,
        new_crawl=new_crawl,
        new_cases=new_cases,
    )
    diff.regression = [RegressionResult.model_validate(item) for item in run.regression or []]
    diff.regression_counts = regression_counts(diff.regression)
    return diff
