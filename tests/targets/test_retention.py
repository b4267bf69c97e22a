"""Retention on the real Postgres: the last N runs stay, older plans and screenshots go, pinned runs stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from planwright.db.models import DEFAULT_TEAM_ID, Page, Plan, TargetRun
from planwright.db.session import session_scope
from planwright.settings import get_settings
from planwright.targets.retention import apply_retention
from planwright.targets.runs import create_run
from planwright.targets.schemas import TargetCreate
from planwright.targets.service import create_target


def test_old_unpinned_finished_runs_lose_their_plans_and_screenshots(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    with session_scope(database_url) as session:
        target = create_target(
            session, team_id=DEFAULT_TEAM_ID, body=TargetCreate(name="kept", url="https://kept.example/")
        )
        runs = [create_run(session, target=target, trigger="manual") for _ in range(6)]
        for run in runs:
            assert run.plan is not None
            run.plan.status = "done"
            shots = tmp_path / "screenshots" / str(run.plan_id)
            shots.mkdir(parents=True)
            (shots / "page-0.png").write_bytes(b"png")
            session.add(
                Page(
                    plan_id=run.plan_id,
                    url="https://kept.example/",
                    screenshot_path=str(shots / "page-0.png"),
                )
            )
        runs[1].pinned = True
        runs[0].plan.status = "crawling"  # type: ignore[union-attr]  # still running: waits
        plan_ids = [run.plan_id for run in runs]
        target_id = target.id
    deleted = apply_retention(database_url, keep=2)
    assert sorted(deleted) == sorted([plan_ids[2], plan_ids[3]])
    with session_scope(database_url) as session:
        left = set(session.scalars(select(Plan.id).where(Plan.id.in_(plan_ids))))
        assert left == {plan_ids[0], plan_ids[1], plan_ids[4], plan_ids[5]}
        assert not session.scalars(select(Page).where(Page.plan_id.in_(deleted))).all()
        numbers = session.scalars(
            select(TargetRun.number).where(TargetRun.target_id == target_id, TargetRun.plan_id.is_(None))
        ).all()
        assert sorted(numbers) == [3, 4]  # the run rows stay, as history without a plan
    assert not (tmp_path / "screenshots" / str(plan_ids[2])).exists()
    assert (tmp_path / "screenshots" / str(plan_ids[4]) / "page-0.png").exists()
    assert apply_retention(database_url, keep=2) == []
    get_settings.cache_clear()
