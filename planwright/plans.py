"""Plan service functions: queries live here; routes parse and authorise, then call one of these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planwright.db.models import Plan
from planwright.sealing import seal
from planwright.settings import get_settings, secret_of


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
        auth=seal(auth, secret_of(get_settings())),  # passwords and cookies are sealed at rest
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
