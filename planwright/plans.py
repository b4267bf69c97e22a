"""Plan service functions: queries live here; the API's and the web page's routes parse and
authorise, then call one of these (`submit_plan` for both of their forms of "make a plan")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planwright.db.models import Plan, utcnow
from planwright.lifecycle import WAITING_STAGE, PlanStatus, move, next_task
from planwright.queue import enqueue
from planwright.schemas import PlanCreate
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
    options: dict[str, Any] | None = None,
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
        options=options,
        status=PlanStatus.QUEUED.value,
        stage=WAITING_STAGE[PlanStatus.QUEUED],
    )
    session.add(plan)
    session.flush()
    return plan


def plan_fields(request: PlanCreate) -> dict[str, Any]:
    """A request's columns: a ui plan's URL and login, or an api plan's document source, base URL and
    credentials (sealed in `auth` like a login; its `url` shows the base URL, else the document's URL)."""
    fields: dict[str, Any] = {
        "language": request.language,
        "max_pages": request.max_pages,
        "max_depth": request.max_depth,
        "kind": request.kind,
        "verify": request.verify,
    }
    if request.openapi is None:
        auth = request.auth.model_dump() if request.auth and not request.auth.is_empty() else None
        return {**fields, "url": request.url, "auth": auth}
    source = request.openapi
    api_auth = source.auth.model_dump() if source.auth and not source.auth.is_empty() else None
    url = source.base_url or source.url or "openapi:uploaded"
    return {**fields, "url": url, "auth": {"api": api_auth} if api_auth else None, "options": source.options()}


class QueueUnavailable(Exception):
    """The plan's first task could not be enqueued (Redis away); the plan failed with this reason."""


def submit_plan(session: Session, *, team_id: int, request: PlanCreate) -> Plan:
    """Row first, committed; then the job. A lost enqueue leaves a `queued` row, never a lost plan.

    The one service that commits: the job must not be sent before its row exists for the worker.
    """
    plan = create_plan(session, team_id=team_id, **plan_fields(request))
    plan.sent_at = utcnow()  # sent just after the commit; a lost send is re-sent by the reconciler
    session.commit()
    first_task = next_task(plan.status)
    assert first_task is not None, "a queued plan has a first task"
    try:
        enqueue(first_task, plan.id)
    except Exception as error:
        reason = f"The job queue (Redis) is unreachable: {error}. Submit it again."
        move(plan, PlanStatus.FAILED, now=utcnow(), reason=reason)
        session.commit()
        raise QueueUnavailable(reason) from error
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
