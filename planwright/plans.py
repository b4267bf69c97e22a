"""Plan service functions: queries live here; routes parse and authorise, then call one of these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planwright.db.models import Plan, TestCase


def create_plan(
    session: Session,
    *,
    team_id: int,
    url: str,
    language: str,
    max_pages: int,
    max_depth: int,
    kind: str = "ui",
    verify: bool = True,
    auth: dict[str, Any] | None = None,
) -> Plan:
    plan = Plan(
        team_id=team_id,
        url=url,
        language=language,
        max_pages=max_pages,
        max_depth=max_depth,
        kind=kind,
        verify=verify,
        auth=auth,
        status="queued",
        stage="queued for the crawler",
    )
    session.add(plan)
    session.flush()
    return plan


def read_plans(session: Session, *, team_id: int, offset: int, limit: int) -> tuple[list[Plan], int]:
    total = session.scalar(select(func.count()).select_from(Plan).where(Plan.team_id == team_id)) or 0
    plans = session.scalars(
        select(Plan).where(Plan.team_id == team_id).order_by(Plan.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(plans), total


def read_plan(session: Session, *, team_id: int, plan_id: int) -> Plan | None:
    """None for another team's plan as for a missing one: existence is not leaked."""
    return session.scalar(select(Plan).where(Plan.id == plan_id, Plan.team_id == team_id))


def case_counts(session: Session, *, plan_id: int) -> dict[str, int]:
    rows = session.execute(
        select(TestCase.source, TestCase.verification_status, func.count())
        .where(TestCase.plan_id == plan_id)
        .group_by(TestCase.source, TestCase.verification_status)
    ).all()
    counts = {
        "total": 0,
        "model": 0,
        "skeleton": 0,
        "verified": 0,
        "failed": 0,
        "not_executable": 0,
        "pending": 0,
    }
    for source, status, count in rows:
        counts["total"] += count
        counts[source] = counts.get(source, 0) + count
        counts[status] = counts.get(status, 0) + count
    return counts
