"""The three stages on the to-do app with the real default model: the model is asked for edge cases per
page chunk, its grounded proposals are executed in the verify stage, and every proposal ends with a
result; the kept ones are verified cases, and running the step again replaces them (idempotent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from planwright.cli import migrate
from planwright.db import plans_store
from planwright.db.models import Generation, Plan
from planwright.db.session import session_scope
from planwright.engine import Engine
from planwright.pipeline import stages
from planwright.plans import create_plan
from planwright.settings import get_settings
from tests.fixture_apps.fixtures import RunningApp

pytestmark = [pytest.mark.model, pytest.mark.timeout(600)]


def test_edge_proposals_run_through_the_stages(
    todo_app: RunningApp, browser: Browser, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'plan.db'}"
    migrate(database_url)
    settings = get_settings()
    with session_scope(database_url) as session:
        plan_id = create_plan(
            session, team_id=1, url=todo_app.url + "/", language="en", max_pages=1, max_depth=0, verify=True
        ).id
    assert stages.crawl_stage(database_url, plan_id, browser=browser, settings=settings)
    engine = Engine.from_settings(settings)
    engine.start()
    try:
        stages.generate_stage(database_url, plan_id, generator=engine, max_new_tokens=48)
    finally:
        engine.stop()

    with session_scope(database_url) as session:
        asked = session.scalars(
            select(Generation).where(Generation.plan_id == plan_id, Generation.request_id.like("%-edge%"))
        ).all()
        # Every page with a field or a button gets asks, each with its page chunk in the prompt.
        assert asked and all("Elements of the page" in g.prompt for g in asked)
        assert all(g.finish_reason in ("stop", "length") for g in asked), [g.error for g in asked]
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "verifying"
        proposals = [p for page in plans_store.load_crawl(session, plan).pages for p in page.proposals]
    # What the model proposed is grounded: each names a field or button of its page, with no result yet.
    assert all(p.result is None for p in proposals)
    print(f"{len(asked)} asks, proposals: {[(p.kind, p.element_name) for p in proposals]}")

    stages.verify_stage(database_url, plan_id, browser=browser, settings=settings)
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "done"
        pages = plans_store.load_crawl(session, plan).pages
        cases = plans_store.plan_export(session, plan).cases
    settled = [p for page in pages for p in page.proposals]
    assert len(settled) == len(proposals) and all(p.result for p in settled)
    kept = [p for p in settled if p.result == "kept"]
    proposed_cases = [c for c in cases if "model-proposed" in c.tags]
    assert len(proposed_cases) == len(kept), (
        [(p.kind, p.element_name, p.result) for p in settled],
        [(c.title, c.tags) for c in proposed_cases],
    )
    assert all(c.verification.status == "verified" for c in proposed_cases)
    assert all(
        any(s.target and s.target.element_key == p.element_key for c in proposed_cases for s in c.steps)
        for p in kept
    )

    # The step is idempotent: a redelivered verify stage replaces the cases it added, it does not pile up.
    stages.execute_edge_proposals(
        database_url, plan_id, browser=browser, settings=settings, auth=None, language="en"
    )
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        again = plans_store.plan_export(session, plan).cases
    assert len(again) == len(cases)
    assert sorted(c.title for c in again) == sorted(c.title for c in cases)
