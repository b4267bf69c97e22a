"""The plans API: create, list, read, export, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError

from planwright.db.audit import url_without_secrets
from planwright.db.models import Plan
from planwright.exports import EXPORTS
from planwright.lifecycle import PlanStatus
from planwright.netpolicy import submission_refusals
from planwright.plan_api import PlanCreate, PlanPublic, PlansPublic, PlanSummaryPublic
from planwright.plans import delete_plan, export_plan, read_plan, read_plans, submit_plan
from planwright.schemas import DB_BIGINT_MAX, DB_INT_MAX
from services.api.deps import AuditDep, SessionDep, TeamDep
from services.api.presenters import plan_public, plan_summary

router = APIRouter(tags=["plans"])
# Bounded like the database's column, so an id past it is a 422, not a driver error.
PlanId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The plan's id")]


@router.post("/api/v1/plans", status_code=status.HTTP_202_ACCEPTED, response_model=PlanSummaryPublic)
def create_plan_route(
    body: PlanCreate, session: SessionDep, team_id: TeamDep, audit: AuditDep, response: Response
) -> PlanSummaryPublic:
    refusals = submission_refusals(body.target_urls())
    if refusals:
        raise RequestValidationError(refusals)
    summary = plan_summary(submit_and_audit(session, audit, team_id=team_id, body=body))
    response.headers["Location"] = summary.links["self"]
    return summary


@router.post("/generate-plan", status_code=status.HTTP_202_ACCEPTED, response_model=PlanSummaryPublic)
def generate_plan_alias(
    body: PlanCreate, session: SessionDep, team_id: TeamDep, audit: AuditDep, response: Response
) -> PlanSummaryPublic:
    """The study's route name, kept as an alias of POST /api/v1/plans."""
    return create_plan_route(body, session, team_id, audit, response)


@router.get("/api/v1/plans", response_model=PlansPublic)
def read_plans_route(
    session: SessionDep,
    team_id: TeamDep,
    offset: Annotated[int, Query(ge=0, le=DB_BIGINT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PlansPublic:
    plans, total = read_plans(session, team_id=team_id, offset=offset, limit=limit)
    return PlansPublic(data=[plan_summary(plan) for plan in plans], total=total, offset=offset, limit=limit)


@router.get("/api/v1/plans/{plan_id}", response_model=PlanPublic)
def read_plan_route(plan_id: PlanId, session: SessionDep, team_id: TeamDep) -> PlanPublic:
    plan = read_plan(session, team_id=team_id, plan_id=plan_id)
    if plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Plan {plan_id} not found.")
    return plan_public(session, plan)


@router.delete("/api/v1/plans/{plan_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_plan_route(plan_id: PlanId, session: SessionDep, team_id: TeamDep, audit: AuditDep) -> Response:
    """The plan, its cases, pages, generation log, screenshots and cached exports; a running plan's
    worker stops at its next write."""
    if not delete_plan(session, team_id=team_id, plan_id=plan_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Plan {plan_id} not found.")
    audit.record("plan.deleted", "plan", plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/v1/plans/{plan_id}/export.{fmt}", response_class=Response)
def export_plan_route(
    plan_id: PlanId, fmt: str, session: SessionDep, team_id: TeamDep, audit: AuditDep
) -> Response:
    plan = read_plan(session, team_id=team_id, plan_id=plan_id)
    if plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Plan {plan_id} not found.")
    if fmt not in EXPORTS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"Unknown export format {fmt!r}; known: {', '.join(sorted(EXPORTS))}."
        )
    if plan.status != PlanStatus.DONE:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Plan {plan_id} is {plan.status}; exports exist once it is done."
        )
    body, media_type, filename = export_plan(session, plan, fmt)
    audit.record("plan.exported", "plan", plan_id, format=fmt)
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def submit_and_audit(session: SessionDep, audit: AuditDep, *, team_id: int, body: PlanCreate) -> Plan:
    """submit_plan with its audit row in the plan's own commit: the row goes in first (submit_plan
    commits, and a refusal rolls both back), the plan's id is set on it once the plan has one."""
    urls = body.target_urls()
    event = audit.record("plan.created", "plan", None, kind=body.kind, url=url_without_secrets(urls[0][1] if urls else None))
    plan = submit_plan(session, team_id=team_id, request=body)
    event.subject_id = plan.id
    return plan
