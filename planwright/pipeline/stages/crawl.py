"""The crawl stage: log in, crawl the plan's site, store what was seen. Runs in the crawler worker
(and the embedded command) next to a browser; it never imports the model side (torch)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from playwright.sync_api import Browser

from planwright import metrics
from planwright.browser.auth import LoginError, resolve_auth
from planwright.crawl.crawler import CrawlError, crawl_site
from planwright.crawl.urls import DEFAULT_DENY_NAMES
from planwright.db import plans_store
from planwright.lifecycle import PlanStatus
from planwright.logs import register_secrets_in
from planwright.pipeline.stages.api import is_api_plan, read_spec_stage
from planwright.pipeline.stages.common import (
    add_note,
    begin_stage,
    fail_plan,
    hand_on,
    held_plan,
    lease,
    plan_auth,
    update_plan,
)
from planwright.schemas import CrawlOptions, PageSnapshot, browser_locale
from planwright.sealing import SealError, seal
from planwright.settings import Settings, secret_of

log = logging.getLogger("planwright.pipeline.stages")


def crawl_stage(
    database_url: str,
    plan_id: int,
    *,
    browser: Browser,
    settings: Settings,
    on_page: Callable[[PageSnapshot], None] | None = None,
) -> bool:
    """Crawl the plan's site and store what was seen. False when the plan ended here (failed).
    `on_page` sees each page as soon as it is crawled (generate.EarlyAsks); it writes nothing."""
    if is_api_plan(database_url, plan_id):  # an api plan's "crawl" reads its OpenAPI document
        return read_spec_stage(database_url, plan_id, settings=settings)
    plan = begin_stage(database_url, plan_id, PlanStatus.CRAWLING, "crawl")
    options = CrawlOptions(
        max_pages=plan.max_pages,  # within CRAWL_MAX_PAGES_LIMIT: PlanCreate refused more
        max_depth=plan.max_depth,
        page_timeout_s=settings.crawl_page_timeout_s,
        total_timeout_s=settings.crawl_total_timeout_s,
        screenshot_dir=str(settings.data_dir / "screenshots" / str(plan_id)),
        # A target's run adds its own names to the default deny-list (None: the default alone).
        deny_names=[*DEFAULT_DENY_NAMES, *plan.deny_names] if plan.deny_names else None,
        locale=browser_locale(plan.language),
        max_elements_per_page=settings.crawl_max_elements_per_page,
        max_snapshot_chars=settings.crawl_max_snapshot_chars,
    )
    token = plan.attempt_token
    last_report = [0.0]

    def on_progress(done: int, total: int, url: str) -> None:
        now = time.monotonic()
        if now - last_report[0] > 0.5 or done >= total:
            last_report[0] = now
            update_plan(
                database_url,
                plan_id,
                token=token,
                progress_done=done,
                progress_total=total,
                stage=f"crawl {url}"[:40],
            )

    started = time.perf_counter()
    with lease(database_url, plan):
        try:
            auth = resolve_auth(browser, plan_auth(plan, settings), origin=plan.url)
        except (LoginError, SealError) as error:
            fail_plan(database_url, plan_id, f"Login failed: {error}", token=token)
            return False
        if auth is not None:  # a login becomes a session every later context (and verification) reuses
            register_secrets_in(auth.model_dump())  # its cookies are never logged
            update_plan(database_url, plan_id, token=token, auth=seal(auth.model_dump(), secret_of(settings)))
            options.auth = auth
        try:
            crawl = crawl_site(plan.url, options, browser=browser, on_progress=on_progress, on_page=on_page)
        except CrawlError as error:
            fail_plan(database_url, plan_id, str(error), token=token)
            return False
        if not crawl.pages:
            reason = f"No page of {plan.url} could be crawled: {'; '.join(crawl.warnings)}"
            fail_plan(database_url, plan_id, reason, token=token)
            return False
        with held_plan(database_url, plan_id, token) as (session, row):
            plans_store.save_crawl(session, row, crawl)
            row.crawl_seconds = time.perf_counter() - started
            for note in crawl.notes:
                add_note(row, note)
            hand_on(row, PlanStatus.GENERATING)
            row.progress_done = 0
            row.progress_total = 0
    log.info("crawl.plan.completed plan_id=%s pages=%s", plan_id, len(crawl.pages))
    metrics.CRAWL_PAGES.inc(len(crawl.pages))
    return True
