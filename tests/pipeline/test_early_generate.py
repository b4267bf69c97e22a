"""The generate stage fed page by page while the crawl goes on (the embedded command's pipeline): the
requests go out during the crawl, the stage uses their answers, and the plan it stores is the one the
sequential order stores (same cases at the same positions); a redelivered stage replaces it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from planwright.cli import migrate
from planwright.db import plans_store
from planwright.db.models import Generation, Plan, TestCase, utcnow
from planwright.db.session import session_scope
from planwright.engine import engine_from_settings
from planwright.pipeline import stages
from planwright.pipeline.stages.generate import EarlyAsks
from planwright.plans import create_plan
from planwright.schemas import PageSnapshot
from planwright.settings import get_settings

pytestmark = [pytest.mark.model, pytest.mark.timeout(600)]


def stored_plan(database_url: str, plan_id: int) -> tuple[list[tuple[int, str, str]], list[str]]:
    """The cases as (position, page, steps) and the generation rows' request ids, in order."""
    with session_scope(database_url) as session:
        cases = session.scalars(
            select(TestCase).where(TestCase.plan_id == plan_id).order_by(TestCase.position)
        )
        shape = [(case.position, case.page_url, repr(case.steps)) for case in cases]
        rows = session.scalars(
            select(Generation).where(Generation.plan_id == plan_id).order_by(Generation.id)
        )
        return shape, [row.request_id for row in rows]


def test_pages_go_to_the_model_during_the_crawl_and_the_plan_is_the_sequential_one(
    fixture_site: str, browser: Browser, tmp_path: Path
) -> None:
    settings = get_settings()
    database_url = f"sqlite:///{tmp_path / 'plan.db'}"
    migrate(database_url)
    with session_scope(database_url) as session:
        plan_id = create_plan(
            session, team_id=1, url=fixture_site + "/", language="en", max_pages=3, max_depth=1, verify=False
        ).id
    engine = engine_from_settings(settings)
    engine.start()
    try:
        early = EarlyAsks(plan_id, "en", max_new_tokens=48, seed=settings.model_seed, edge_cases=False)
        early.attach(engine)
        handed_on: list[str] = []

        def on_page(page: PageSnapshot) -> None:
            handed_on.append(page.url)
            early.add_page(page)

        assert stages.crawl_stage(database_url, plan_id, browser=browser, settings=settings, on_page=on_page)
        # Before the generate stage began, every crawled page was handed on and its requests sent.
        with session_scope(database_url) as session:
            plan = session.get(Plan, plan_id)
            assert plan is not None and plan.status == "generating"
            crawled = [page.url for page in plans_store.load_crawl(session, plan).pages]
        assert handed_on == crawled and len(crawled) >= 2
        sent_during_crawl = early.sent_count
        assert sent_during_crawl > 0

        assert stages.generate_stage(database_url, plan_id, generator=engine, max_new_tokens=48, early=early)
        pipelined, pipelined_ids = stored_plan(database_url, plan_id)
        # The stored crawl asked the very questions the live pages did: their answers were used.
        assert early.taken_count == sent_during_crawl == len(pipelined), (early.taken_count, len(pipelined))
        assert [position for position, *_ in pipelined] == list(range(len(pipelined)))
        assert pipelined_ids == [f"plan{plan_id}-case{i}" for i in range(len(pipelined))]

        # A redelivered generate (its worker died mid-stage: held, lease lapsed) runs sequentially and
        # replaces the plan: the same cases at the same positions, the generations log not doubled.
        with session_scope(database_url) as session:
            plan = session.get(Plan, plan_id)
            assert plan is not None and plan.status == "done"
            plan.status, plan.attempt_token = "generating", "dead-worker"
            plan.lease_expires_at = utcnow() - timedelta(seconds=1)
        assert stages.generate_stage(database_url, plan_id, generator=engine, max_new_tokens=48)
        sequential, sequential_ids = stored_plan(database_url, plan_id)
    finally:
        engine.stop(drain=False)
    assert sequential == pipelined
    assert sorted(sequential_ids) == sorted(pipelined_ids)
