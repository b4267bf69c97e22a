"""The fence on the real Postgres and a Redis of the test's own: a stage takes a plan by
compare-and-set with an attempt token, duplicates are no-ops, a lost holder is fenced off, waiting in
a queue never counts, a lost job is sent again, a lapsed lease is re-queued with a note."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import delete

import planwright.queue
from planwright.db.models import Plan, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import CRAWL_TASK, PlanStatus
from planwright.pipeline.reconcile import reconcile
from planwright.pipeline.stages.common import (
    StageFenced,
    StageSkipped,
    begin_stage,
    fail_plan,
    held_plan,
    update_plan,
)
from planwright.plans import create_plan
from planwright.queue import enqueue_next, plan_ids_in_broker
from planwright.settings import get_settings
from tests.db import fresh_postgres_database, own_redis_server


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with own_redis_server(tmp_path_factory.mktemp("fence-redis")) as redis_url:
        values = {"DATABASE_URL": fresh_postgres_database("planwright_test_fence"), "REDIS_URL": redis_url}
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        get_settings.cache_clear()
        saved_app = planwright.queue.celery_app
        planwright.queue.celery_app = planwright.queue.make_celery_app()
        try:
            yield values
        finally:
            planwright.queue.celery_app = saved_app
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            get_settings.cache_clear()


@pytest.fixture
def db(env: dict[str, str]) -> Iterator[str]:
    yield env["DATABASE_URL"]
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # every test leaves the broker empty
    with session_scope(env["DATABASE_URL"]) as session:  # and no plan for the next test's reconciler
        session.execute(delete(Plan))


def new_plan(database_url: str, status: str = "queued", *, sent_ago_s: float | None = 0) -> int:
    with session_scope(database_url) as session:
        plan = create_plan(
            session, team_id=1, url="http://example.com/", language="en", max_pages=1, max_depth=0
        )
        plan.status = status
        plan.sent_at = None if sent_ago_s is None else utcnow() - timedelta(seconds=sent_ago_s)
        session.flush()
        return plan.id


def row(database_url: str, plan_id: int) -> Plan:
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        session.expunge(plan)
        return plan


def lapse_lease(database_url: str, plan_id: int) -> None:
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.lease_expires_at = utcnow() - timedelta(seconds=1)


def test_a_duplicate_delivery_finds_the_plan_held_and_does_nothing(db: str) -> None:
    plan_id = new_plan(db)
    first = begin_stage(db, plan_id, PlanStatus.CRAWLING, "crawl")
    assert first.attempt_token and first.claimed_at is not None and first.status == "crawling"
    # Before the fence a second crawl of the same plan started too (and collided on pages_plan_id_url_key).
    with pytest.raises(StageSkipped, match="held by another worker"):
        begin_stage(db, plan_id, PlanStatus.CRAWLING, "crawl")
    assert row(db, plan_id).attempt_token == first.attempt_token


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("verifying", PlanStatus.GENERATING),
        ("generating", PlanStatus.CRAWLING),
        ("done", PlanStatus.VERIFYING),
    ],
)
def test_a_stale_task_never_pulls_a_plan_back(db: str, status: str, stage: PlanStatus) -> None:
    plan_id = new_plan(db, status)
    with pytest.raises(StageSkipped):
        begin_stage(db, plan_id, stage, "stale")
    assert row(db, plan_id).status == status


def test_a_holder_whose_lease_lapsed_is_fenced_off(db: str) -> None:
    plan_id = new_plan(db)
    old = begin_stage(db, plan_id, PlanStatus.CRAWLING, "crawl")
    lapse_lease(db, plan_id)
    assert reconcile(db, stale_after_s=3600, in_broker=set) == [plan_id]
    requeued = row(db, plan_id)
    assert requeued.attempt_token is None and requeued.attempts == 1 and requeued.status == "crawling"
    assert "crawler lost while crawling" in requeued.notes[-1] and "re-queued" in requeued.notes[-1]
    assert plan_id in plan_ids_in_broker(redis.Redis.from_url(os.environ["REDIS_URL"]))

    new = begin_stage(db, plan_id, PlanStatus.CRAWLING, "crawl")  # the replacement takes it
    assert new.attempt_token != old.attempt_token
    with pytest.raises(StageFenced):
        update_plan(db, plan_id, token=old.attempt_token, progress_done=7)
    with pytest.raises(StageFenced), held_plan(db, plan_id, old.attempt_token):
        pass
    fail_plan(db, plan_id, "the old worker's crash", token=old.attempt_token)  # ignored: not its plan now
    update_plan(db, plan_id, token=new.attempt_token, progress_done=3)
    after = row(db, plan_id)
    assert (after.status, after.progress_done) == ("crawling", 3)


def test_waiting_in_a_queue_never_counts(db: str) -> None:
    """Before: a plan that waited longer than PLAN_STALE_AFTER_S was crawled again, then failed."""
    plan_id = new_plan(db, sent_ago_s=3600)
    planwright.queue.enqueue(CRAWL_TASK, plan_id)
    for _ in range(5):
        assert (
            reconcile(db, stale_after_s=0, in_broker=lambda: plan_ids_in_broker(_client()), max_attempts=3)
            == []
        )
    plan = row(db, plan_id)
    assert (plan.status, plan.attempts, plan.notes) == ("queued", 0, [])
    assert _client().llen("crawl") == 1


def test_a_job_the_broker_lost_is_sent_again(db: str) -> None:
    plan_id = new_plan(db, sent_ago_s=60)
    fresh = new_plan(db, sent_ago_s=0)  # just sent: its job may still be on its way
    held_back = new_plan(db, sent_ago_s=None)  # fair dispatch has not sent it yet: not lost
    requeued = reconcile(db, stale_after_s=30, in_broker=lambda: plan_ids_in_broker(_client()))
    assert requeued == [plan_id]
    assert plan_ids_in_broker(_client()) == {plan_id}
    assert "lost by the queue" in row(db, plan_id).notes[-1]
    assert row(db, fresh).notes == [] and row(db, held_back).notes == []


def test_a_live_lease_is_left_alone_however_quiet(db: str) -> None:
    plan_id = new_plan(db)
    begin_stage(db, plan_id, PlanStatus.CRAWLING, "crawl")
    with session_scope(db) as session:  # no progress written for an hour, but the lease is live
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.updated_at = utcnow() - timedelta(hours=1)
    assert reconcile(db, stale_after_s=0, in_broker=set) == []
    assert row(db, plan_id).attempt_token is not None


def test_a_plan_whose_worker_keeps_dying_fails_with_a_reason(db: str) -> None:
    plan_id = new_plan(db, "generating")
    for attempt in range(3):
        begin_stage(db, plan_id, PlanStatus.GENERATING, "generate")
        lapse_lease(db, plan_id)
        assert reconcile(db, stale_after_s=3600, max_attempts=2) == ([plan_id] if attempt < 2 else [])
    plan = row(db, plan_id)
    assert plan.status == "failed" and "model worker kept dying" in (plan.status_reason or "")


def test_a_stage_past_its_deadline_fails_with_a_reason(db: str) -> None:
    plan_id = new_plan(db, "generating")
    begin_stage(db, plan_id, PlanStatus.GENERATING, "generate")
    assert reconcile(db, stale_after_s=3600, deadline_s=lambda status: 60.0) == []
    with session_scope(db) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.claimed_at = utcnow() - timedelta(seconds=61)
    reconcile(db, stale_after_s=3600, deadline_s=lambda status: 60.0)
    failed = row(db, plan_id)
    assert failed.status == "failed" and "deadline of 60 s" in (failed.status_reason or "")
    assert failed.attempt_token is None


def test_a_broker_blip_after_a_stage_leaves_the_plan_to_the_reconciler(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the crawler's task caught the enqueue error and failed the plan."""
    plan_id = new_plan(db, "generating", sent_ago_s=60)
    monkeypatch.setattr(planwright.queue, "ENQUEUE_RETRY_DELAYS_S", (0.1,))
    with own_redis_server(tmp_path / "gone") as gone_url:
        pass  # stopped: nothing listens there any more
    saved = planwright.queue.celery_app
    planwright.queue.celery_app = planwright.queue.make_celery_app()
    planwright.queue.celery_app.conf.broker_url = gone_url
    planwright.queue.celery_app.conf.broker_transport_options = {"max_retries": 1}
    try:
        assert enqueue_next(db, plan_id, after=CRAWL_TASK) is None
    finally:
        planwright.queue.celery_app = saved
    assert row(db, plan_id).status == "generating"
    assert reconcile(db, stale_after_s=30, in_broker=lambda: plan_ids_in_broker(_client())) == [plan_id]
    assert plan_ids_in_broker(_client()) == {plan_id}


def _client() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"])
