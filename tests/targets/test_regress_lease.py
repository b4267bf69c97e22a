"""The nightly regression step is leased like every stage (real Postgres, a Redis of the test's own,
a real Chromium against a real app): a duplicate delivery while a worker holds the run's plan does
nothing, a worker that died mid-way is noticed when its lease lapses (its regression sent again, with
a note; after PLAN_MAX_ATTEMPTS the run goes on to its crawl without it), a worker whose lease lapsed
stores nothing over the results of the one that ran, and a regression that hangs past
TARGET_REGRESSION_TIMEOUT_S is stopped with a note and the run goes on to its crawl."""

from __future__ import annotations

import base64
import json
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
from planwright.lifecycle import CRAWL_TASK
from planwright.pipeline.reconcile import reconcile
from planwright.pipeline.stages.common import StageFenced
from planwright.queue import plan_ids_in_broker
from planwright.schemas import Verification
from planwright.settings import get_settings
from planwright.targets.regress_stage import regression_stage, store_regression, take_regression
from planwright.targets.runs import REGRESS_TASK, create_run
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


def second_run(database_url: str, base: str, *, cases: int = 1) -> int:
    """A target whose first run is done with `cases` verified cases; the plan id of its second, queued run."""
    verified = [
        case(
            f"{base}/",
            f"Home shows its heading ({n})",
            [step(1, "open", "Open home")],
            [exp("heading", "Welcome")],
        )
        for n in range(1, cases + 1)
    ]
    for each in verified:
        each.verification = Verification(status="verified")
    with session_scope(database_url) as session:
        target = create_target(
            session, team_id=DEFAULT_TEAM_ID, body=TargetCreate(name="leased", url=f"{base}/")
        )
        first, second = (create_run(session, target=target, trigger="manual") for _ in range(2))
        assert first.plan is not None and second.plan_id is not None
        plans_store.add_cases(session, first.plan, verified, start=0)
        first.plan.status = "done"
        return second.plan_id


def queued_tasks(redis_url: str) -> list[tuple[str, int]]:
    """(task name, plan id) of each message on the crawl queue (kombu's Redis layout)."""
    messages = [json.loads(raw) for raw in redis.Redis.from_url(redis_url).lrange("crawl", 0, -1)]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0][0]) for m in messages]


def set_plan(database_url: str, plan_id: int, **fields: object) -> None:
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        for name, value in fields.items():
            setattr(plan, name, value)


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
    assert any("lost while queued" in note and "its regression sent again" in note for note in plan.notes)
    # Its regression, sent again (before: its crawl, and that night's regression was missing).
    assert queued_tasks(redis_url) == [(REGRESS_TASK, plan_id)]
    assert plan_ids_in_broker(redis.Redis.from_url(redis_url)) == {plan_id}

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


def test_a_regression_whose_worker_keeps_dying_lets_the_run_go_on_to_its_crawl(
    database_url: str, redis_url: str
) -> None:
    settings = get_settings()
    plan_id = second_run(database_url, "http://127.0.0.1:9")  # no page is opened: the workers die first
    for attempt in range(3):
        assert take_regression(database_url, plan_id, settings=settings) is not None
        set_plan(database_url, plan_id, lease_expires_at=utcnow() - timedelta(seconds=1))
        assert reconcile(database_url, stale_after_s=3600, max_attempts=2) == [plan_id]
        expected = REGRESS_TASK if attempt < 2 else CRAWL_TASK
        assert queued_tasks(redis_url) == [(expected, plan_id)]
        redis.Redis.from_url(redis_url).flushdb()  # the next (dead) worker took the message
    run, plan = run_of(database_url, plan_id)
    assert plan.status == "queued" and plan.attempt_token is None and plan.status_reason is None
    assert "lost 3 times; the run goes on to its crawl without its regression" in plan.notes[-1]
    assert run.regression == [] and run.regression_seconds is not None
    assert take_regression(database_url, plan_id, settings=settings) is None  # a late redelivery runs nothing


def test_a_hanging_regression_is_stopped_at_its_deadline_and_the_run_goes_on(
    database_url: str, redis_url: str
) -> None:
    settings = get_settings()
    deadline = settings.stage_deadline_s("queued")
    assert deadline == settings.target_regression_timeout_s + 60
    assert settings.visibility_timeout_s() > deadline  # a hung regression's message is not handed out twice
    plan_id = second_run(database_url, "http://127.0.0.1:9")
    hung = take_regression(database_url, plan_id, settings=settings)
    assert hung is not None
    # Within its deadline (its lease renewed, as a live but hung worker's is): nothing happens.
    assert reconcile(database_url, stale_after_s=3600, deadline_s=settings.stage_deadline_s) == []
    set_plan(database_url, plan_id, claimed_at=utcnow() - timedelta(seconds=deadline + 1))
    assert reconcile(database_url, stale_after_s=3600, deadline_s=settings.stage_deadline_s) == [plan_id]
    assert queued_tasks(redis_url) == [(CRAWL_TASK, plan_id)]
    run, plan = run_of(database_url, plan_id)
    assert plan.status == "queued" and plan.attempt_token is None and plan.status_reason is None
    assert f"regression ran past its limit of {deadline:.0f} s and was stopped" in plan.notes[-1]
    assert "TARGET_REGRESSION_TIMEOUT_S" in plan.notes[-1]
    assert run.regression == [] and run.regression_seconds is not None and run.regression_seconds > deadline
    with pytest.raises(StageFenced):  # the hung worker, if it ever returns, stores nothing
        store_regression(database_url, hung, [], 1.0)
    assert take_regression(database_url, plan_id, settings=settings) is None
    redis.Redis.from_url(redis_url).flushdb()


def test_a_regression_past_its_limit_stops_after_the_case_that_passed_it(
    app: tuple[str, ChangingServer], browser: Browser, database_url: str, redis_url: str
) -> None:
    base, _ = app
    settings = get_settings().model_copy(update={"target_regression_timeout_s": 0.01})
    plan_id = second_run(database_url, base, cases=3)
    # Before: all 3 cases ran whatever the time (no limit), and the worker's slot with them.
    assert regression_stage(database_url, plan_id, browser=browser, settings=settings) is None
    run, plan = run_of(database_url, plan_id)
    assert "regression stopped at its limit of 0 s after 1 of 3 cases" in plan.notes[-1]
    assert (
        plan.status == "queued" and plan.attempt_token is None and plan.sent_at is not None
    )  # free for its crawl
    assert run.regression == [] and run.regression_seconds is not None
    assert (
        regression_stage(database_url, plan_id, browser=browser, settings=settings) is None
    )  # runs nothing again
    assert plan.progress_done == 1


def test_a_runs_job_lost_by_the_queue_is_sent_again_as_its_regression_until_it_ran(
    database_url: str, redis_url: str
) -> None:
    """Before: sent straight to its crawl, and that night's regression was missing."""
    plan_id = second_run(database_url, "http://127.0.0.1:9")  # sent (create_run), its message never arrived
    broker = redis.Redis.from_url(redis_url)
    # (The module's earlier tests left plans of their own waiting: only this one is looked at.)
    assert plan_id in reconcile(database_url, stale_after_s=0, in_broker=lambda: plan_ids_in_broker(broker))
    assert [task for task in queued_tasks(redis_url) if task[1] == plan_id] == [(REGRESS_TASK, plan_id)]
    _, plan = run_of(database_url, plan_id)
    assert "lost by the queue (Redis) while queued; its regression sent again" in plan.notes[-1]
    broker.flushdb()
    # Its regression ran (stored), then its crawl's message was lost: the crawl is what is sent.
    job = take_regression(database_url, plan_id, settings=get_settings())
    assert job is not None
    store_regression(database_url, job, [], 0.5)
    assert plan_id in reconcile(database_url, stale_after_s=0, in_broker=lambda: plan_ids_in_broker(broker))
    assert [task for task in queued_tasks(redis_url) if task[1] == plan_id] == [(CRAWL_TASK, plan_id)]
    broker.flushdb()
