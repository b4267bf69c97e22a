"""Retention: keep the last N runs of each target; older runs' plans, their screenshots and generation
logs are deleted, except runs a person pinned. The run rows stay (a short history with no plan)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sqlalchemy import delete, select

from planwright.db.models import Page, Plan, TargetRun
from planwright.db.session import session_scope
from planwright.settings import get_settings

log = logging.getLogger(__name__)
FINISHED = ("done", "failed")


def expired_runs(runs: list[TargetRun], *, keep: int) -> list[TargetRun]:
    """Of one target's runs, those past the newest `keep` that still have a plan and are not pinned."""
    newest_first = sorted(runs, key=lambda run: run.number, reverse=True)
    return [run for run in newest_first[keep:] if not run.pinned and run.plan_id is not None]


def apply_retention(database_url: str, *, keep: int) -> list[int]:
    """Deletes expired runs' finished plans; returns their ids. An unfinished plan waits for next time."""
    screenshot_root = get_settings().data_dir / "screenshots"
    deleted: list[int] = []
    screenshot_paths: list[str] = []
    with session_scope(database_url) as session:
        runs = session.scalars(select(TargetRun).where(TargetRun.plan_id.is_not(None))).all()
        by_target: dict[int, list[TargetRun]] = {}
        for run in runs:
            by_target.setdefault(run.target_id, []).append(run)
        candidates = [run.plan_id for group in by_target.values() for run in expired_runs(group, keep=keep)]
        if candidates:
            deleted = list(
                session.scalars(select(Plan.id).where(Plan.id.in_(candidates), Plan.status.in_(FINISHED)))
            )
        if deleted:
            screenshot_paths = [
                path
                for path in session.scalars(select(Page.screenshot_path).where(Page.plan_id.in_(deleted)))
                if path
            ]
            # Pages, elements, cases and generation logs go with the plan (ON DELETE CASCADE).
            session.execute(delete(Plan).where(Plan.id.in_(deleted)))
    for path in screenshot_paths:
        Path(path).unlink(missing_ok=True)
    for plan_id in deleted:
        shutil.rmtree(screenshot_root / str(plan_id), ignore_errors=True)
    if deleted:
        log.info("targets.retention.deleted plans=%s", deleted)
    return deleted
