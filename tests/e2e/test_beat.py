"""The beat service as real processes (the compose command) against the real Postgres and Redis, with
schedules due in seconds: a due run fires, a paused target does not, an edit takes effect without a
restart, a due time missed while beat was down fires once, and two beats fire a run once."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from planwright.db.models import DEFAULT_TEAM_ID, Plan, Target, TargetRun
from planwright.db.session import session_scope
from planwright.targets.schemas import TargetCreate, TargetUpdate
from planwright.targets.service import create_target, update_target
from tests.api.test_plans_api import queued_plan_ids
from tests.db import fresh_postgres_database, fresh_redis
from tests.e2e.processes import ServiceProcess, Services, wait_until

pytestmark = pytest.mark.e2e

TICK_S = 0.5


@pytest.fixture(scope="module")
def env() -> Iterator[dict[str, str]]:
    values = {
        "DATABASE_URL": fresh_postgres_database("planwright_test_beat"),
        "REDIS_URL": fresh_redis(13),  # the recovery module's index: modules run one after the other
        "TARGETS_TICK_INTERVAL_S": str(TICK_S),
    }
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    from planwright.settings import get_settings

    get_settings.cache_clear()
    yield values
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture
def services(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    running = Services(env=env, log_dir=tmp_path_factory.mktemp("beat-logs"))
    try:
        yield running
    finally:
        running.stop_all()
        print(running.logs())


def start_beat(services: Services, label: str = "beat") -> ServiceProcess:
    beat = services.start("beat", label=label)

    def started() -> bool:
        assert beat.alive(), f"beat exited:\n{beat.log_tail()}"
        return "beat.started" in beat.log_tail(200)

    wait_until(started, timeout=60, what=f"{label} to start")
    return beat


def add_target(
    database_url: str, *, due_in_s: float | None, cron: str = "0 2 * * *", paused: bool = False
) -> int:
    """A target whose next run is `due_in_s` from now: the schedule's record, as the tick reads it."""
    with session_scope(database_url) as session:
        target = create_target(
            session,
            team_id=DEFAULT_TEAM_ID,
            body=TargetCreate(
                name="beat", url="https://beat.example/", cron=cron, timezone="UTC", paused=paused
            ),
        )
        if due_in_s is not None:
            target.next_run_at = datetime.now(UTC) + timedelta(seconds=due_in_s)
        return target.id


def run_numbers(database_url: str, target_id: int) -> list[int]:
    with session_scope(database_url) as session:
        return list(
            session.scalars(
                select(TargetRun.number).where(TargetRun.target_id == target_id).order_by(TargetRun.number)
            )
        )


def test_a_due_run_fires_and_a_paused_target_does_not(env: dict[str, str], services: Services) -> None:
    database_url = env["DATABASE_URL"]
    start_beat(services)
    due = add_target(database_url, due_in_s=2)
    paused_from_start = add_target(database_url, due_in_s=None, paused=True)
    paused_later = add_target(database_url, due_in_s=3)
    with session_scope(database_url) as session:
        target = session.get(Target, paused_later)
        assert target is not None
        update_target(session, target=target, body=TargetUpdate(paused=True))
    wait_until(lambda: run_numbers(database_url, due) == [1], timeout=30, what="the due target's run")
    time.sleep(3 + 4 * TICK_S)  # past the paused target's old due time, several ticks
    assert (
        run_numbers(database_url, paused_from_start) == [] and run_numbers(database_url, paused_later) == []
    )
    assert run_numbers(database_url, due) == [1]
    with session_scope(database_url) as session:
        run = session.scalar(select(TargetRun).where(TargetRun.target_id == due))
        assert run is not None and run.trigger == "schedule" and run.plan_id is not None
        plan = session.get(Plan, run.plan_id)
        assert plan is not None and plan.status == "queued" and plan.url == "https://beat.example/"
        target = session.get(Target, due)
        assert target is not None and target.next_run_at is not None
        assert target.next_run_at > datetime.now(UTC) + timedelta(hours=1)  # tomorrow's 02:00
    assert run.plan_id in queued_plan_ids(env["REDIS_URL"])


def test_a_schedule_edited_while_beat_runs_takes_effect(env: dict[str, str], services: Services) -> None:
    database_url = env["DATABASE_URL"]
    start_beat(services)
    target_id = add_target(database_url, due_in_s=None)  # 02:00 UTC: not today within this test
    time.sleep(4 * TICK_S)
    assert run_numbers(database_url, target_id) == []
    with session_scope(database_url) as session:
        target = session.get(Target, target_id)
        assert target is not None
        update_target(session, target=target, body=TargetUpdate(cron="* * * * *"))  # every minute
    wait_until(
        lambda: run_numbers(database_url, target_id) == [1], timeout=75, what="the edited schedule's run"
    )


def test_beat_down_across_the_due_time_fires_once_on_restart(env: dict[str, str], services: Services) -> None:
    database_url = env["DATABASE_URL"]
    beat = start_beat(services)
    assert beat.stop() is not None
    target_id = add_target(database_url, due_in_s=-3 * 24 * 3600)  # three nights missed
    time.sleep(1)
    assert run_numbers(database_url, target_id) == []
    start_beat(services, label="beat-again")
    wait_until(lambda: run_numbers(database_url, target_id) == [1], timeout=30, what="the missed run")
    time.sleep(6 * TICK_S)
    assert run_numbers(database_url, target_id) == [1]
    with session_scope(database_url) as session:
        target = session.get(Target, target_id)
        assert (
            target is not None and target.next_run_at is not None and target.next_run_at > datetime.now(UTC)
        )


def test_two_beats_fire_each_run_once(env: dict[str, str], services: Services) -> None:
    database_url = env["DATABASE_URL"]
    start_beat(services, label="beat-1")
    start_beat(services, label="beat-2")
    targets = [add_target(database_url, due_in_s=2 + n * 0.1) for n in range(8)]
    wait_until(
        lambda: all(run_numbers(database_url, target) for target in targets), timeout=30, what="every run"
    )
    time.sleep(6 * TICK_S)
    assert [run_numbers(database_url, target) for target in targets] == [[1]] * len(targets)
    logs = {label: services.running[label].log_tail(400) for label in ("beat-1", "beat-2")}
    # Only this test's targets: a target of an earlier test in the same database may come due again.
    ours = tuple(f"targets.run.started target_id={target} run=" for target in targets)
    started = {
        label: sum(1 for line in log.splitlines() if any(mark in line for mark in ours))
        for label, log in logs.items()
    }
    assert sum(started.values()) == len(targets), started
