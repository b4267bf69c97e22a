"""Claiming due targets on the real Postgres: once per due time, never twice, never while paused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from planwright.db.models import DEFAULT_TEAM_ID, Plan, Target, TargetRun
from planwright.db.session import get_sessionmaker, session_scope
from planwright.targets.runs import claim_due_targets
from planwright.targets.schemas import TargetCreate
from planwright.targets.service import create_target


def due_target(database_url: str, *, due_at: datetime, paused: bool = False) -> int:
    with session_scope(database_url) as session:
        target = create_target(
            session,
            team_id=DEFAULT_TEAM_ID,
            body=TargetCreate(name="claim", url="https://claim.example/", cron="0 2 * * *", timezone="UTC"),
        )
        target.next_run_at = due_at
        target.paused = paused
        return target.id


def runs_of(database_url: str, target_id: int) -> list[TargetRun]:
    with session_scope(database_url) as session:
        return list(session.scalars(select(TargetRun).where(TargetRun.target_id == target_id)).all())


def test_a_due_target_fires_once_and_moves_to_its_next_run(database_url: str) -> None:
    now = datetime.now(UTC)
    target_id = due_target(database_url, due_at=now - timedelta(seconds=1))
    with session_scope(database_url) as session:
        runs = [run for run in claim_due_targets(session, now=now) if run.target_id == target_id]
        assert [run.number for run in runs] == [1] and runs[0].trigger == "schedule"
        plan = session.get(Plan, runs[0].plan_id)
        assert plan is not None and plan.status == "queued" and plan.url == "https://claim.example/"
    with session_scope(database_url) as session:
        assert not [run for run in claim_due_targets(session, now=now) if run.target_id == target_id]
        target = session.get(Target, target_id)
        assert target is not None and target.next_run_at is not None and target.next_run_at > now


def test_three_missed_nights_fire_one_run(database_url: str) -> None:
    now = datetime.now(UTC)
    target_id = due_target(database_url, due_at=now - timedelta(days=3))
    for _ in range(3):
        with session_scope(database_url) as session:
            claim_due_targets(session, now=now)
    runs = runs_of(database_url, target_id)
    assert [run.number for run in runs] == [1]
    assert runs[0].scheduled_for is not None and runs[0].scheduled_for < now - timedelta(days=2)


def test_a_paused_or_future_target_does_not_fire(database_url: str) -> None:
    now = datetime.now(UTC)
    paused = due_target(database_url, due_at=now - timedelta(minutes=1), paused=True)
    future = due_target(database_url, due_at=now + timedelta(minutes=1))
    with session_scope(database_url) as session:
        claim_due_targets(session, now=now)
    assert runs_of(database_url, paused) == [] and runs_of(database_url, future) == []


def test_two_ticks_at_once_fire_a_target_once(database_url: str) -> None:
    """The first tick holds the row (FOR UPDATE); the second skips it, and after the first commits the
    compare-and-set on next_run_at finds it already moved."""
    now = datetime.now(UTC)
    target_id = due_target(database_url, due_at=now - timedelta(seconds=1))
    make = get_sessionmaker(database_url)
    first, second = make(), make()
    try:
        first_runs = [run.target_id for run in claim_due_targets(first, now=now)]
        second_runs = [run.target_id for run in claim_due_targets(second, now=now)]
        first.commit()
        second.commit()
        late = make()
        late_runs = [run.target_id for run in claim_due_targets(late, now=now)]
        late.commit()
        late.close()
    finally:
        first.close()
        second.close()
    assert first_runs.count(target_id) + second_runs.count(target_id) + late_runs.count(target_id) == 1
    assert [run.number for run in runs_of(database_url, target_id)] == [1]
