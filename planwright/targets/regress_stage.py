"""The regression stage of a run: the crawler worker runs it before the run's crawl (it has the
browser). It stores one result per previous verified case on the run and never fails the plan: a
regression that could not run is recorded as such, and the run goes on to plan afresh.

Leased like every stage (`lifecycle.py`): it takes the still-queued plan with an attempt token and a
lease it renews, so a duplicate delivery finds it held (or done) and does nothing, and a worker that
dies mid-way is noticed by the reconciler when the lease lapses (its regression is sent again, with a
note; after PLAN_MAX_ATTEMPTS the run goes on to its crawl: a lost regression is a missing section,
never a lost run). Its writes name the token, so a worker whose lease lapsed stores nothing.

Bounded by TARGET_REGRESSION_TIMEOUT_S: the worker stops after the case that passes it (the run goes on
to its crawl, with a note saying how far it got); a worker hung inside one case is stopped by the
reconciler at the stage's deadline (`Settings.stage_deadline_s("queued")`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from playwright.sync_api import Browser
from sqlalchemy import select

from planwright.browser.auth import resolve_auth
from planwright.db import plans_store
from planwright.db.models import Plan, TargetRun, aware, utcnow
from planwright.db.session import session_scope
from planwright.pipeline.stages.common import StageFenced, add_note, held_plan, lease, update_plan
from planwright.schemas import AuthSpec, BrowserLocale, TestCaseData, browser_locale
from planwright.sealing import unseal
from planwright.settings import Settings, secret_of
from planwright.targets.api_regression import api_auth_of, regress_api_cases, regression_base_url
from planwright.targets.compare import previous_done_run
from planwright.targets.regression import regress_cases
from planwright.targets.schemas import RegressionResult, regression_counts

log = logging.getLogger(__name__)


class RegressionTimedOut(Exception):
    """The regression passed TARGET_REGRESSION_TIMEOUT_S after `done` of `total` cases."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"{done} of {total} cases")
        self.done, self.total = done, total


@dataclass(frozen=True)
class RegressionJob:
    """What a worker that took a run's regression needs: its token, the cases, the login, the locale."""

    plan_id: int
    token: str
    cases: list[TestCaseData]
    stored_auth: dict[str, Any] | None
    plan_url: str
    locale: BrowserLocale
    kind: str = "ui"  # an api target's run re-sends its cases over HTTP instead (api_regression.py)
    api_base_url: str | None = None
    allow_unsafe: bool = False


def take_regression(database_url: str, plan_id: int, *, settings: Settings) -> RegressionJob | None:
    """Take the run's queued plan for its regression (compare-and-set under the row lock, with a fresh
    token and lease); None when it is no run, has nothing to re-run, is past it, or is held by a live
    worker (a duplicate delivery)."""
    now = utcnow()
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id, with_for_update=True)
        run = session.scalar(select(TargetRun).where(TargetRun.plan_id == plan_id))
        if run is None or plan is None or plan.status != "queued" or run.regression_seconds is not None:
            return None  # not a run, already past its crawl, or a redelivered task
        held_until = aware(plan.lease_expires_at)
        if plan.attempt_token is not None and held_until is not None and held_until > now:
            log.info("targets.regression.skipped plan_id=%s: held by another worker", plan_id)
            return None
        previous = previous_done_run(session, run)
        if previous is None or previous.plan is None:
            return None
        cases = plans_store.plan_export(session, previous.plan).cases
        plan.attempt_token = uuid.uuid4().hex
        plan.claimed_at = now
        plan.lease_expires_at = now + timedelta(seconds=settings.plan_lease_ttl_s)
        plan.stage = "regression"
        return RegressionJob(
            plan_id=plan_id,
            token=plan.attempt_token,
            cases=cases,
            stored_auth=unseal(plan.auth, secret_of(settings)),
            plan_url=plan.url,
            locale=browser_locale(plan.language),  # the locale the previous run verified them in
            kind=plan.kind,
            api_base_url=regression_base_url(plan.options, previous.plan.options)
            if plan.kind == "api"
            else None,
            allow_unsafe=bool((plan.options or {}).get("allow_unsafe")),
        )


def store_regression(
    database_url: str, job: RegressionJob, results: list[RegressionResult], seconds: float
) -> None:
    """The results on the run, and the plan released for its crawl, only while `job` still holds it
    (StageFenced otherwise: the reconciler gave it to another worker, or it was deleted)."""
    with held_plan(database_url, job.plan_id, job.token) as (session, plan):
        run = session.scalar(select(TargetRun).where(TargetRun.plan_id == job.plan_id))
        if run is None:
            raise StageFenced(f"plan {job.plan_id} is no longer a run")
        run.regression = [result.model_dump(mode="json") for result in results]
        run.regression_seconds = seconds
        plan.attempt_token = plan.claimed_at = plan.lease_expires_at = None
        plan.sent_at = utcnow()  # its crawl's message goes out after this commit (the worker's enqueue_next)


def _release(database_url: str, job: RegressionJob) -> None:
    """A regression that broke lets go of the plan at once (no results: a missing section), rather than
    leave it held until its lease lapses and the reconciler calls its worker lost."""
    try:
        with held_plan(database_url, job.plan_id, job.token) as (_, plan):
            plan.attempt_token = plan.claimed_at = plan.lease_expires_at = None
            plan.sent_at = utcnow()
    except Exception:  # fenced or the database away: the lease lapses, the reconciler re-queues it
        log.warning("targets.regression.release_failed plan_id=%s", job.plan_id)


def _stop_at_limit(
    database_url: str, job: RegressionJob, stop: RegressionTimedOut, seconds: float, limit: float
) -> None:
    """A regression past its limit: the time it took is recorded (so a redelivery runs nothing again),
    a note says how far it got, and the plan is let go for its crawl."""
    with held_plan(database_url, job.plan_id, job.token) as (session, plan):
        run = session.scalar(select(TargetRun).where(TargetRun.plan_id == job.plan_id))
        if run is not None:
            run.regression_seconds = seconds
        add_note(
            plan,
            f"regression stopped at its limit of {limit:.0f} s after {stop.done} of {stop.total} cases (raise "
            "TARGET_REGRESSION_TIMEOUT_S if the previous run's cases need longer); the run went on to its crawl "
            "without it",
        )
        plan.attempt_token = plan.claimed_at = plan.lease_expires_at = None
        plan.sent_at = utcnow()


def _progress(database_url: str, job: RegressionJob, deadline: float) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        update_plan(
            database_url,
            job.plan_id,
            token=job.token,
            progress_done=done,
            progress_total=total,
            stage=f"regression {done}/{total}",
        )
        if done < total and time.monotonic() > deadline:
            raise RegressionTimedOut(done, total)

    return report


def regression_stage(
    database_url: str, plan_id: int, *, browser: Browser | Callable[[], Browser], settings: Settings
) -> list[RegressionResult] | None:
    """Re-executes the previous done run's verified cases; None when the plan is no run or has none,
    when another worker holds or has done it (a duplicate delivery), or when it was stopped at its limit."""
    job = take_regression(database_url, plan_id, settings=settings)
    if job is None:
        return None
    started = time.perf_counter()
    limit = settings.target_regression_timeout_s
    progress = _progress(database_url, job, time.monotonic() + limit)
    with lease(database_url, plan_id, job.token):
        try:
            if job.kind == "api":  # no browser is started for an api target
                results = regress_api_cases(
                    job.cases,
                    base_url=job.api_base_url,
                    auth=api_auth_of(job.stored_auth),
                    allow_unsafe=job.allow_unsafe,
                    settings=settings,
                    on_progress=progress,
                )
            else:
                auth_spec = AuthSpec.model_validate(job.stored_auth) if job.stored_auth else None
                current = browser() if callable(browser) else browser
                auth = resolve_auth(current, auth_spec, origin=job.plan_url)
                results = regress_cases(
                    job.cases,
                    browser,
                    auth=auth,
                    locale=job.locale,
                    on_progress=progress,
                    screenshot_dir=settings.data_dir / "screenshots" / str(plan_id),  # deleted with the plan
                )
        except StageFenced:
            raise
        except RegressionTimedOut as stop:
            seconds = time.perf_counter() - started
            _stop_at_limit(database_url, job, stop, seconds, limit)
            log.warning(
                "targets.regression.timed_out plan_id=%s seconds=%.1f after=%s", plan_id, seconds, stop
            )
            return None
        except Exception:
            _release(database_url, job)  # the crawl the worker sends next must find the plan free
            raise
        seconds = time.perf_counter() - started
        store_regression(database_url, job, results, seconds)
    log.info(
        "targets.regression.completed plan_id=%s seconds=%.1f %s",
        plan_id,
        seconds,
        " ".join(f"{status}={count}" for status, count in regression_counts(results).items()),
    )
    return results
