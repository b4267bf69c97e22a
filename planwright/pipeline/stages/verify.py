"""The verify stage: the model's edge proposals are executed (the ones that showed something checkable
become cases), then every case is executed from a fresh browser context and marked verified / failed /
not executable. Runs in the crawler worker (and the embedded command); it never imports the model side."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from playwright.sync_api import Browser, BrowserContext

from planwright import metrics
from planwright.browser.contexts import new_context as new_auth_context
from planwright.browser.watchdog import Watchdog
from planwright.crawl.crawler import WATCHDOG_GRACE_S
from planwright.crawl.explore import Explorer
from planwright.db import plans_store
from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.lifecycle import PlanStatus
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.pipeline.stages.api import execute_stage, is_api_plan
from planwright.pipeline.stages.common import (
    begin_stage,
    fail_plan,
    hand_on,
    held_plan,
    lease,
    plan_auth,
    update_plan,
)
from planwright.schemas import (
    AuthSpec,
    CrawlOptions,
    EdgeProposal,
    PageSnapshot,
    TestCaseData,
    Verification,
    browser_locale,
)
from planwright.sealing import SealError
from planwright.settings import Settings, get_settings
from planwright.verify.runner import verify_cases

log = logging.getLogger("planwright.pipeline.stages")


def verify_stage(
    database_url: str,
    plan_id: int,
    *,
    browser: Browser | Callable[[], Browser],
    settings: Settings | None = None,
    timeout_s: float = 10.0,
) -> None:
    """Execute every case from a fresh browser context and record verified / failed / not executable."""
    if is_api_plan(database_url, plan_id):  # an api plan's cases are HTTP requests: no browser
        return execute_stage(database_url, plan_id, settings=settings)
    plan = begin_stage(database_url, plan_id, PlanStatus.VERIFYING, "verify")
    settings = settings or get_settings()
    token = plan.attempt_token
    with lease(database_url, plan):
        try:
            auth = plan_auth(plan, settings)
        except SealError as error:
            fail_plan(database_url, plan_id, f"Could not verify: {error}", token=token)
            return
        started = time.perf_counter()
        execute_edge_proposals(
            database_url,
            plan_id,
            browser=browser,
            settings=settings,
            auth=auth,
            language=plan.language,
            token=token,
        )
        with session_scope(database_url) as session:
            row = session.get(Plan, plan_id)
            assert row is not None
            cases = plans_store.plan_export(session, row).cases
        update_plan(database_url, plan_id, token=token, progress_total=len(cases))

        def progress(done: int, total: int, *_: object) -> None:
            update_plan(database_url, plan_id, token=token, progress_done=done, progress_total=total)

        verifications: list[Verification] = verify_cases(
            cases,
            browser,
            timeout_s=timeout_s,
            on_progress=progress,
            auth=auth,
            locale=browser_locale(plan.language),
        )
        with held_plan(database_url, plan_id, token) as (session, row):
            for case_row in row.cases:
                for case, verification in zip(cases, verifications, strict=True):
                    if case.id == case_row.id:
                        case_row.verification_status = verification.status
                        case_row.verification_detail = verification.detail
            row.verify_seconds = time.perf_counter() - started
            hand_on(row, PlanStatus.DONE)
            row.progress_done = len(cases)
        metrics.observe_verifications(verifications)


MODEL_PROPOSED_TAG = "model-proposed"


def execute_edge_proposals(
    database_url: str,
    plan_id: int,
    *,
    browser: Browser | Callable[[], Browser],
    settings: Settings,
    auth: AuthSpec | None,
    language: str,
    token: str | None = None,
) -> None:
    """Run the model's edge proposals in the browser; the ones that ran and showed something
    checkable become cases (expected results = what was observed), appended to the plan.

    Idempotent: cases added by an earlier, interrupted run of this step are replaced.
    """
    with session_scope(database_url) as session:
        row = session.get(Plan, plan_id)
        assert row is not None
        crawl = plans_store.load_crawl(session, row)
        plan_url = row.url
        existing = [
            c for c in plans_store.plan_export(session, row).cases if MODEL_PROPOSED_TAG not in c.tags
        ]
    pages = [page for page in crawl.pages if page.proposals]
    if not pages:
        return
    update_plan(database_url, plan_id, token=token, stage="verify: edge cases")

    current = browser() if callable(browser) else browser  # one browser for the whole step

    def new_context() -> BrowserContext:
        return new_auth_context(current, auth, origin=plan_url, locale=locale, accept_downloads=False)

    locale = browser_locale(language)
    options = CrawlOptions(
        page_timeout_s=settings.crawl_page_timeout_s,
        total_timeout_s=settings.crawl_total_timeout_s,
        auth=auth,
        locale=locale,
    )
    explorer = Explorer(new_context, options)
    explorer.learn_pages(crawl.pages)
    added: list[TestCaseData] = []
    results: dict[str, list[EdgeProposal]] = {page.url: list(page.proposals) for page in crawl.pages}
    with Watchdog(current, settings.crawl_total_timeout_s + WATCHDOG_GRACE_S):
        for page in pages:
            results[page.url] = _run_page_proposals(explorer, page, language, existing, added)
    with held_plan(database_url, plan_id, token) as (session, row):
        for case_row in list(row.cases):
            if MODEL_PROPOSED_TAG in (case_row.tags or []):
                session.delete(case_row)
        session.flush()
        plans_store.add_cases(session, row, added, start=len(existing))
        plans_store.save_proposals(session, row, results)
    log.info(
        "verify.edge_cases plan_id=%s proposed=%s kept=%s",
        plan_id,
        sum(len(page.proposals) for page in pages),
        len(added),
    )


def _run_page_proposals(
    explorer: Explorer,
    page: PageSnapshot,
    language: str,
    existing: list[TestCaseData],
    added: list[TestCaseData],
) -> list[EdgeProposal]:
    """One page's proposals executed; new cases go to `added`; each proposal comes back with its result."""
    settled: list[EdgeProposal] = []
    for proposal, observed in explorer.run_proposals(page, page.proposals):
        if observed is not None:
            behaviour = explored_behaviour(page, observed, language)  # type: ignore[arg-type]
            if behaviour is None:
                proposal = proposal.model_copy(update={"result": "nothing a verifier could check"})
            elif (twin := _same_check(behaviour.case, existing + added)) is not None:
                proposal = proposal.model_copy(update={"result": f"duplicate of “{twin.title}”"})
            else:
                added.append(behaviour.case)
        settled.append(proposal)
    return settled


def _same_check(case: TestCaseData, others: list[TestCaseData]) -> TestCaseData | None:
    """Another case of the page with the same steps and the same expected results. Typing "" into a
    field that is empty at load does nothing, so such steps do not count; typed values do (only spaces
    and an empty field are different tests even when the application answers both alike)."""

    def steps(item: TestCaseData) -> list[tuple[str, str | None, str | None]]:
        return [
            (s.action, s.target.element_key if s.target else None, s.data)
            for s in item.steps
            if s.action != "open" and not (s.action == "fill" and not s.data)
        ]

    def checks(item: TestCaseData) -> set[tuple[str, str]]:
        return {(x.kind, x.value) for x in item.expected}

    for other in others:
        if other.page_url == case.page_url and steps(other) == steps(case) and checks(other) == checks(case):
            return other
    return None
