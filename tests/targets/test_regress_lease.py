"""The nightly regression step is leased like every stage (real Postgres, a Redis of the test's own,
a real Chromium against a real app): a duplicate delivery while a worker holds the run's plan does
nothing, a worker that died mid-way is noticed when its lease lapses (the plan re-queued to its crawl,
with a note), and a worker whose lease lapsed stores nothing over the results of the one that ran."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser

import planwright.queue
from planwright.db import plans_store
from planwright.db.models import DEFAULT_TEAM_ID, Plan, TargetRun, utcnow
from planwright.db.session import session_scope
from planwright.pipeline.reconcile import reconcile
from planwright.pipeline.stages.common import StageFenced
from planwright.queue import plan_ids_in_broker
from planwright.schemas import Verification
from planwright.settings import get_settings
from planwright.targets.regress_stage import regression_stage, store_regression, take_regression
from planwright.targets.runs import create_run
from planwright.targets.schemas import RegressionResult, TargetCreate
from planwright.targets.service import create_target
from tests.db import own_redis_server
from tests.fixture_apps.changing_app import ChangingServer, serve_changing_app
from tests.verify.builders import case, exp, step


@pytest.fixture
def redis_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    with own_redis_server(tmp_path / "redis") as url:
        saved_env, saved_app = os.environ.get("REDIS_URL"), planwright.queue.celery_app
        os.environ["REDIS_URL"] = url
        get_settings.cache_clear()
        planwright.queue.celery_app = planwright.queue.make_celery_app()
        try:
            yield url
        finally:
            planwright.queue.celery_app = saved_app
            if saved_env is None:
                os.environ.pop("REDIS_URL", None)
            else:
                os.environ["REDIS_URL"] = saved_env
            get_settings.cache_clear()


@pytest.fixture
def app() -> Iterator[tuple[str, ChangingServer]]:
    with serve_changing_app() as served:
        yield served


def second_run(database_url: str, base: str) -> int:
    """A target whose first run is done with one verified case; the plan id of its second, queued run."""
    verified = case(
        f"{base}/", "Home shows its heading", [step(1, "open", "Open home")], [exp("heading", "Welcome")]
    )
    verified.verification = Verification(status="verified")
    with session_scope(database_url) as session:
        target = create_target(
            session, team_id=DEFAULT_TEAM_ID, body=TargetCreate(name="leased", url=f"{base}/")
        )
        first, second = (create_run(session, target=target, trigger="manual") for _ in range(2))
        assert first.plan is not None and second.plan_id is not None
        plans_store.add_cases(session, first.plan, [verified], start=0)
        first.plan.status = "done"
        return second.plan_id


def run_of(database_url: str, plan_id: int) -> tuple[TargetRun, Plan]:
    with session_scope(database_url) as session:
        run = session.query(TargetRun).filter_by(plan_id=plan_id).one()
        plan = session.get(Plan, plan_id)
        assert plan is not None
        session.expunge_all()
        return run, plan


def test_a_duplicate_is_a_no_op_and_a_dead_workers_regression_is_requeued(
    app: tuple[str, ChangingServer], browser: Browser, database_url: str, redis_url: str
) -> None:
    base, _ = app
    settings = get_settings()
    plan_id = second_run(database_url, base)
    first_worker = take_regression(database_url, plan_id, settings=settings)
    assert first_worker is not None

    # Delivered again while the first worker holds it: nothing runs, nothing is stored.
    assert regression_stage(database_url, plan_id, browser=browser, settings=settings) is None
    run, plan = run_of(database_url, plan_id)
    assert run.regression == [] and run.regression_seconds is None
    assert plan.attempt_token == first_worker.token and plan.status == "queued"

    # The first worker dies: its lease lapses; the reconciler re-queues the plan with a note.
    with session_scope(database_url) as session:
        held = session.get(Plan, plan_id)
        assert held is not None
        held.lease_expires_at = utcnow() - timedelta(seconds=1)
    assert reconcile(database_url, stale_after_s=3600) == [plan_id]
    run, plan = run_of(database_url, plan_id)
    assert plan.attempt_token is None and plan.status == "queued"
    assert any("lost while queued" in note and "re-queued" in note for note in plan.notes)
    assert plan_ids_in_broker(redis.Redis.from_url(redis_url)) == {plan_id}  # its crawl, sent again

    # The task delivered again runs it once; the dead worker, back, stores nothing over it.
    results = regression_stage(database_url, plan_id, browser=browser, settings=settings)
    assert results is not None and [r.status for r in results] == ["still_passes"]
    with pytest.raises(StageFenced):
        store_regression(
            database_url,
            first_worker,
            [RegressionResult(key="k", title="stale", page_url=base, status="now_fails")],
            1.0,
        )
    assert regression_stage(database_url, plan_id, browser=browser, settings=settings) is None  # done already
    run, plan = run_of(database_url, plan_id)
    assert [r["status"] for r in run.regression] == ["still_passes"]
    assert plan.attempt_token is None and plan.lease_expires_at is None  # free for its crawl
