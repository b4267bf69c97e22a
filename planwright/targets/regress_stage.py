"""The regression stage of a run: the crawler worker runs it before the run's crawl (it has the
browser). It stores one result per previous verified case on the run and never fails the plan: a
regression that could not run is recorded as such, and the run goes on to plan afresh."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from playwright.sync_api import Browser
from sqlalchemy import select

from planwright.browser.auth import resolve_auth
from planwright.db import plans_store
from planwright.db.models import Plan, TargetRun
from planwright.db.session import session_scope
from planwright.schemas import AuthSpec, browser_locale
from planwright.sealing import unseal
from planwright.settings import Settings, secret_of
from planwright.targets.compare import previous_done_run
from planwright.targets.regression import regress_cases
from planwright.targets.schemas import RegressionResult, regression_counts

log = logging.getLogger(__name__)


def _progress(database_url: str, plan_id: int) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        with session_scope(database_url) as session:
            plan = session.get(Plan, plan_id)
            if plan is not None and plan.status == "queued":
                plan.progress_done, plan.progress_total = done, total
                plan.stage = f"regression {done}/{total}"

    return report


def regression_stage(
    database_url: str, plan_id: int, *, browser: Browser | Callable[[], Browser], settings: Settings
) -> list[RegressionResult] | None:
    """Re-executes the previous done run's verified cases; None when the plan is no run or has none."""
    with session_scope(database_url) as session:
        run = session.scalar(select(TargetRun).where(TargetRun.plan_id == plan_id))
        if (
            run is None
            or run.plan is None
            or run.plan.status != "queued"
            or run.regression_seconds is not None
        ):
            return None  # not a run, already past its crawl, or a redelivered task
        previous = previous_done_run(session, run)
        if previous is None or previous.plan is None:
            return None
        cases = plans_store.plan_export(session, previous.plan).cases
        stored_auth = unseal(run.plan.auth, secret_of(settings))
        plan_url = run.plan.url
        locale = browser_locale(run.plan.language)  # the locale the previous run verified them in
    started = time.perf_counter()
    auth_spec = AuthSpec.model_validate(stored_auth) if stored_auth else None
    current = browser() if callable(browser) else browser
    auth = resolve_auth(current, auth_spec, origin=plan_url)
    results = regress_cases(
        cases,
        browser,
        auth=auth,
        locale=locale,
        on_progress=_progress(database_url, plan_id),
        screenshot_dir=settings.data_dir / "screenshots" / str(plan_id),  # retention deletes it with the plan
    )
    seconds = time.perf_counter() - started
    with session_scope(database_url) as session:
        run = session.scalar(select(TargetRun).where(TargetRun.plan_id == plan_id))
        if run is not None:
            run.regression = [result.model_dump(mode="json") for result in results]
            run.regression_seconds = seconds
    log.info(
        "targets.regression.completed plan_id=%s seconds=%.1f %s",
        plan_id,
        seconds,
        " ".join(f"{status}={count}" for status, count in regression_counts(results).items()),
    )
    return results
