"""Plan service functions: queries live here; the API's and the web page's routes parse and
authorise, then call one of these (`submit_plan` for both of their forms of "make a plan")."""

from __future__ import annotations

import math
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planwright.db import plans_store
from planwright.db.models import Plan, aware, utcnow
from planwright.dispatch import choose_plans_to_send, lock_dispatch, send
from planwright.exports import EXPORTS, render_export
from planwright.lifecycle import UNFINISHED_STATUSES, WAITING_STAGE, PlanStatus, move, next_task
from planwright.plan_api import PlanCreate
from planwright.queue import enqueue
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


class PlanLimitReached(Exception):
    """The team is at one of its limits (TEAM_MAX_ACTIVE_PLANS, TEAM_MAX_PLANS_PER_HOUR): the api
    answers 429 with Retry-After, and no plan is made."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def check_limits(session: Session, *, team_id: int) -> None:
    """PlanLimitReached when the team may not start another plan now (call under `lock_dispatch`,
    so that concurrent submissions cannot all pass the same count)."""
    settings = get_settings()
    if settings.team_max_active_plans:
        active = session.scalar(
            select(func.count())
            .select_from(Plan)
            .where(Plan.team_id == team_id, Plan.status.in_(UNFINISHED_STATUSES))
        )
        if (active or 0) >= settings.team_max_active_plans:
            raise PlanLimitReached(
                f"Your team has {active} unfinished plans, its limit (TEAM_MAX_ACTIVE_PLANS) is "
                f"{settings.team_max_active_plans}: submit again when one has finished.",
                retry_after_s=30,
            )
    if settings.team_max_plans_per_hour:
        hour_ago = utcnow() - timedelta(hours=1)
        recent = session.execute(
            select(func.count(), func.min(Plan.created_at)).where(
                Plan.team_id == team_id, Plan.created_at > hour_ago
            )
        ).one()
        if recent[0] >= settings.team_max_plans_per_hour:
            oldest = aware(recent[1]) or utcnow()
            retry_after = max(1, math.ceil((oldest - hour_ago).total_seconds()))
            raise PlanLimitReached(
                f"Your team submitted {recent[0]} plans in the last hour, its limit "
                f"(TEAM_MAX_PLANS_PER_HOUR) is {settings.team_max_plans_per_hour}: try again in {retry_after} s.",
                retry_after_s=retry_after,
            )


def submit_plan(session: Session, *, team_id: int, request: PlanCreate) -> Plan:
    """Limits first, then the row, committed; then the job, when fair dispatch sends it now (else it
    waits for its team's turn, see `dispatch.py`). A lost enqueue leaves a `queued` row, never a lost plan.

    The one service that commits: the job must not be sent before its row exists for the worker.
    """
    lock_dispatch(session)
    check_limits(session, team_id=team_id)
    plan = create_plan(session, team_id=team_id, **plan_fields(request))
    chosen = choose_plans_to_send(session, window=get_settings().team_dispatch_window)
    session.commit()
    send([plan_id for plan_id in chosen if plan_id != plan.id])
    if plan.id not in chosen:
        return plan
    first_task = next_task(plan.status)
    assert first_task is not None, "a queued plan has a first task"
    try:
        enqueue(first_task, plan.id)
    except Exception as error:
        reason = f"The job queue (Redis) is unreachable: {error}. Submit it again."
        move(plan, PlanStatus.FAILED, now=utcnow(), reason=reason)
        plan.sent_at = None
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


def plan_files(plan_id: int) -> list[Path]:
    """The folders under DATA_DIR that belong to the plan: its screenshots and its cached exports."""
    data_dir = get_settings().data_dir
    return [data_dir / "screenshots" / str(plan_id), data_dir / "exports" / str(plan_id)]


def delete_plan(session: Session, *, team_id: int, plan_id: int) -> bool:
    """Delete the team's plan with its pages, cases, generation log and files; False when there is none.

    A plan a worker still holds may go too: the worker's next fenced write finds no row and stops.
    """
    plan = read_plan(session, team_id=team_id, plan_id=plan_id)
    if plan is None:
        return False
    session.delete(plan)
    session.flush()
    for folder in plan_files(plan_id):
        shutil.rmtree(folder, ignore_errors=True)
    return True


def export_plan(session: Session, plan: Plan, fmt: str) -> tuple[bytes, str, str]:
    """A done plan's export, rendered once and then read from DATA_DIR/exports (a done plan never
    changes), so a 50-case PDF costs the api its rendering time once, not on every download."""
    cached = get_settings().data_dir / "exports" / str(plan.id) / f"plan.{fmt}"
    export = EXPORTS[fmt]
    filename = f"plan-{plan.id}.{export.extension}"
    if cached.is_file():
        return cached.read_bytes(), export.media_type, filename
    body, media_type, filename = render_export(plans_store.plan_export(session, plan), fmt)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f".{cached.name}.{uuid.uuid4().hex}")
    partial.write_bytes(body)
    partial.replace(cached)  # atomic: a concurrent reader sees the whole file or none
    return body, media_type, filename
