"""One plan the reconciler cannot move costs only itself (real Postgres, a Redis of the test's own).

Before: the first plan whose update raised (an illegal transition, a row the database refused) rolled
back the whole round, every round, so no lost plan anywhere was re-queued again. The database's
refusal here is a real one: a trigger on `plans` that raises for the bad plans' rows."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

import planwright.queue
from planwright.db.models import Plan, utcnow
from planwright.db.session import session_scope
from planwright.lifecycle import PlanStatus
from planwright.pipeline.reconcile import reconcile
from planwright.pipeline.stages.common import begin_stage
from planwright.plans import create_plan
from planwright.queue import plan_ids_in_broker
from planwright.settings import get_settings
from tests.db import fresh_postgres_database, own_redis_server


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    with own_redis_server(tmp_path / "redis") as redis_url:
        values = {
            "DATABASE_URL": fresh_postgres_database("planwright_test_reconcile"),
            "REDIS_URL": redis_url,
        }
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        get_settings.cache_clear()
        saved_app = planwright.queue.celery_app
        planwright.queue.celery_app = planwright.queue.make_celery_app()
        try:
            yield values["DATABASE_URL"]
        finally:
            planwright.queue.celery_app = saved_app
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            get_settings.cache_clear()


def held_by_a_dead_worker(database_url: str, status: PlanStatus) -> int:
    """A plan taken by its stage's worker, whose lease then lapsed (the worker died)."""
    with session_scope(database_url) as session:
        plan = create_plan(
            session, team_id=1, url="http://example.com/", language="en", max_pages=1, max_depth=0
        )
        plan.status = "queued" if status == PlanStatus.CRAWLING else status.value
        session.flush()
        plan_id = plan.id
    begin_stage(database_url, plan_id, status, status.value)
    with session_scope(database_url) as session:
        held = session.get(Plan, plan_id)
        assert held is not None
        held.lease_expires_at = utcnow() - timedelta(seconds=1)
    return plan_id


def waiting_with_its_job_lost(database_url: str) -> int:
    with session_scope(database_url) as session:
        plan = create_plan(
            session, team_id=1, url="http://example.com/", language="en", max_pages=1, max_depth=0
        )
        plan.status = "generating"
        plan.sent_at = utcnow() - timedelta(seconds=120)
        session.flush()
        return plan.id


def refuse_updates(database_url: str, plan_id: int, *, when: str = "true") -> None:
    """The database refuses to update this plan's row (when `when` holds of OLD and NEW)."""
    with session_scope(database_url) as session:
        session.execute(
            text(
                "CREATE OR REPLACE FUNCTION refuse_plan_update() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'plan % may not be updated', OLD.id; END $$"
            )
        )
        session.execute(
            text(
                f"CREATE TRIGGER refuse_plan_{plan_id} BEFORE UPDATE ON plans FOR EACH ROW "
                f"WHEN (OLD.id = {plan_id} AND ({when})) EXECUTE FUNCTION refuse_plan_update()"
            )
        )


def row(database_url: str, plan_id: int) -> Plan:
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        session.expunge(plan)
        return plan


def test_a_plan_the_reconciler_cannot_move_does_not_stop_it_for_the_others(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    healthy_held = held_by_a_dead_worker(db, PlanStatus.CRAWLING)
    healthy_waiting = waiting_with_its_job_lost(db)
    stuck = held_by_a_dead_worker(db, PlanStatus.GENERATING)  # every update of it refused
    unqueueable = held_by_a_dead_worker(db, PlanStatus.VERIFYING)  # its re-queue refused, failing allowed
    refuse_updates(db, stuck)
    refuse_updates(db, unqueueable, when="NEW.status = OLD.status")
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])

    with caplog.at_level(logging.WARNING, logger="planwright.pipeline.reconcile"):
        requeued = reconcile(db, stale_after_s=30, in_broker=lambda: plan_ids_in_broker(broker))

    assert sorted(requeued) == sorted([healthy_held, healthy_waiting])
    assert plan_ids_in_broker(broker) == {healthy_held, healthy_waiting}
    assert row(db, healthy_held).attempt_token is None and "re-queued" in row(db, healthy_held).notes[-1]
    assert "lost by the queue" in row(db, healthy_waiting).notes[-1]

    left = row(db, stuck)  # unchanged, still held: the next round tries again
    assert left.status == "generating" and left.attempt_token is not None and left.attempts == 0
    failed = row(db, unqueueable)
    assert failed.status == "failed" and failed.attempt_token is None
    reason = failed.status_reason or ""
    assert "lost while verifying" in reason and "may not be updated" in reason and "Submit it again" in reason
    unmovable = [r.getMessage() for r in caplog.records if "reconciler.plan.unmovable" in r.getMessage()]
    assert len(unmovable) == 2
    assert any("reconciler.plans.unmovable count=2" in r.getMessage() for r in caplog.records)

    # The next round: the stuck plan is still refused, the others need nothing.
    assert reconcile(db, stale_after_s=30, in_broker=lambda: plan_ids_in_broker(broker)) == []
    broker.flushdb()  # the test leaves its broker empty
