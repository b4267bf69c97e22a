"""The targets API: CRUD, run now, run history, diff. Team-scoped exactly like plans: another team's
target answers 404, as a missing one does."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError

from planwright.db import plans_store
from planwright.db.audit import url_without_secrets
from planwright.db.models import Target, TargetRun
from planwright.exports import EXPORTS, render_export
from planwright.netpolicy import submission_refusals
from planwright.schemas import DB_BIGINT_MAX, DB_INT_MAX
from planwright.targets.compare import RunNotComparable, run_diff
from planwright.targets.diff import RunDiff, change_lines
from planwright.targets.junit import run_junit
from planwright.targets.runs import create_run, enqueue_run, plan_to_enqueue
from planwright.targets.schemas import (
    RegressionResult,
    RunsPublic,
    RunSummaryPublic,
    RunUpdate,
    TargetCreate,
    TargetPublic,
    TargetsPublic,
    TargetUpdate,
)
from planwright.targets.service import (
    TargetRefused,
    create_target,
    delete_target,
    document_problem,
    read_run,
    read_runs,
    read_target,
    read_targets,
    update_target,
)
from services.api.deps import AuditDep, SessionDep, SettingsDep, TeamDep
from services.api.target_presenters import run_summary, target_public

router = APIRouter(tags=["targets"])

# Bounded like the database's columns, so a number past them is a 422, not a driver error.
Offset = Annotated[int, Query(ge=0, le=DB_BIGINT_MAX)]
TargetId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The target's id")]
RunNumber = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The run's number within its target")]
Limit = Annotated[int, Query(ge=1, le=200)]


def target_or_404(session: SessionDep, team_id: int, target_id: int) -> Target:
    target = read_target(session, team_id=team_id, target_id=target_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Target {target_id} not found.")
    return target


def refuse_denied_urls(body: TargetCreate | TargetUpdate) -> None:
    """The same network policy as a plan's submission: a 422 naming the field and the reason; and an
    uploaded OpenAPI document that does not validate, with the validator's message and pointer."""
    refusals = submission_refusals(body.target_urls())
    if refusals:
        raise RequestValidationError(refusals)
    problem = document_problem(body.openapi)
    if problem:
        raise RequestValidationError([refusal("openapi.document", problem)])


def refusal(field: str | None, message: str) -> dict[str, object]:
    """A 422's error naming `field` (None: the message names its own fields)."""
    return {"loc": ("body", *(field.split(".") if field else ())), "msg": message, "type": "value_error"}


def run_or_404(session: SessionDep, target: Target, number: int) -> TargetRun:
    run = read_run(session, target=target, number=number)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Run {number} of target {target.id} not found.")
    return run


@router.post("/api/v1/targets", status_code=status.HTTP_201_CREATED, response_model=TargetPublic)
def create_target_route(
    body: TargetCreate, session: SessionDep, team_id: TeamDep, audit: AuditDep, response: Response
) -> TargetPublic:
    refuse_denied_urls(body)
    target = create_target(session, team_id=team_id, body=body)
    audit.record("target.created", "target", target.id, name=target.name, url=url_without_secrets(target.url))
    public = target_public(session, target)
    response.headers["Location"] = public.links["self"]
    return public


@router.get("/api/v1/targets", response_model=TargetsPublic)
def read_targets_route(
    session: SessionDep, team_id: TeamDep, offset: Offset = 0, limit: Limit = 50
) -> TargetsPublic:
    targets, total = read_targets(session, team_id=team_id, offset=offset, limit=limit)
    return TargetsPublic(
        data=[target_public(session, target) for target in targets], total=total, offset=offset, limit=limit
    )


@router.get("/api/v1/targets/{target_id}", response_model=TargetPublic)
def read_target_route(target_id: TargetId, session: SessionDep, team_id: TeamDep) -> TargetPublic:
    return target_public(session, target_or_404(session, team_id, target_id))


@router.patch("/api/v1/targets/{target_id}", response_model=TargetPublic)
def update_target_route(
    target_id: TargetId, body: TargetUpdate, session: SessionDep, team_id: TeamDep, audit: AuditDep
) -> TargetPublic:
    target = target_or_404(session, team_id, target_id)
    refuse_denied_urls(body)
    try:
        target = update_target(session, target=target, body=body)
    except TargetRefused as error:
        raise RequestValidationError([refusal(error.field, error.message)]) from error
    except ValueError as error:  # an api source a plan would refuse, in the plans API's words
        raise RequestValidationError([refusal(None, str(error))]) from error
    audit.record("target.updated", "target", target.id, fields=",".join(sorted(body.model_fields_set)))
    return target_public(session, target)


@router.delete("/api/v1/targets/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_target_route(target_id: TargetId, session: SessionDep, team_id: TeamDep, audit: AuditDep) -> Response:
    target = target_or_404(session, team_id, target_id)
    audit.record("target.deleted", "target", target.id, name=target.name)
    delete_target(session, target=target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/v1/targets/{target_id}/runs", status_code=status.HTTP_202_ACCEPTED, response_model=RunSummaryPublic
)
def run_now_route(
    target_id: TargetId, session: SessionDep, team_id: TeamDep, audit: AuditDep, response: Response
) -> RunSummaryPublic:
    """Run now: the same run as a scheduled one, outside the schedule (which stays as it was)."""
    run = create_run(session, target=target_or_404(session, team_id, target_id), trigger="manual")
    plan_id = plan_to_enqueue(run)
    audit.record("run.created", "target", target_id, run=run.number, plan_id=run.plan_id)
    session.commit()
    try:
        enqueue_run(plan_id)
    except Exception as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"Run {run.number} is recorded but the job queue (Redis) is unreachable: {error}. "
            "It is sent again when the queue is back.",
        ) from error
    summary = run_summary(session, run)
    response.headers["Location"] = summary.links["self"]
    return summary


@router.get("/api/v1/targets/{target_id}/runs", response_model=RunsPublic)
def read_runs_route(
    target_id: TargetId, session: SessionDep, team_id: TeamDep, offset: Offset = 0, limit: Limit = 50
) -> RunsPublic:
    runs, total = read_runs(
        session, target=target_or_404(session, team_id, target_id), offset=offset, limit=limit
    )
    return RunsPublic(
        data=[run_summary(session, run) for run in runs], total=total, offset=offset, limit=limit
    )


@router.get("/api/v1/targets/{target_id}/runs/{number}", response_model=RunSummaryPublic)
def read_run_route(
    target_id: TargetId, number: RunNumber, session: SessionDep, team_id: TeamDep
) -> RunSummaryPublic:
    target = target_or_404(session, team_id, target_id)
    return run_summary(session, run_or_404(session, target, number))


@router.patch("/api/v1/targets/{target_id}/runs/{number}", response_model=RunSummaryPublic)
def update_run_route(
    target_id: TargetId, number: RunNumber, body: RunUpdate, session: SessionDep, team_id: TeamDep, audit: AuditDep
) -> RunSummaryPublic:
    """Pin a run (retention keeps it) or unpin it."""
    run = run_or_404(session, target_or_404(session, team_id, target_id), number)
    run.pinned = body.pinned
    audit.record("run.pinned" if body.pinned else "run.unpinned", "target", target_id, run=number)
    session.flush()
    return run_summary(session, run)


@router.get("/api/v1/targets/{target_id}/runs/{number}/diff", response_model=RunDiff)
def read_run_diff_route(
    target_id: TargetId, number: RunNumber, session: SessionDep, team_id: TeamDep
) -> RunDiff:
    """Against the latest earlier run that finished: pages, elements and cases added, gone, changed."""
    run = run_or_404(session, target_or_404(session, team_id, target_id), number)
    try:
        return run_diff(session, run)
    except RunNotComparable as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


@router.get("/api/v1/targets/{target_id}/runs/{number}/export.junit.xml", response_class=Response)
def export_run_junit_route(
    target_id: TargetId, number: RunNumber, session: SessionDep, team_id: TeamDep, audit: AuditDep
) -> Response:
    """The run's regression and verification results as JUnit XML, for CI servers and test managers."""
    target = target_or_404(session, team_id, target_id)
    run = run_or_404(session, target, number)
    if run.plan is None or run.plan.status != "done":
        state = "deleted by retention" if run.plan is None else run.plan.status
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Run {number} is {state}; its report exists once it is done."
        )
    body = run_junit(
        target_name=target.name,
        number=run.number,
        created_at=run.created_at,
        regression=[RegressionResult.model_validate(item) for item in run.regression or []],
        regression_seconds=run.regression_seconds,
        cases=plans_store.plan_export(session, run.plan).cases,
        verify_seconds=run.plan.verify_seconds,
    )
    filename = f"target-{target.id}-run-{run.number}.junit.xml"
    audit.record("run.exported", "target", target.id, run=run.number, format="junit.xml")
    return Response(
        body,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/api/v1/targets/{target_id}/runs/{number}/export.{fmt}", response_class=Response)
def export_run_route(
    target_id: TargetId, number: RunNumber, fmt: str, session: SessionDep, team_id: TeamDep, audit: AuditDep
) -> Response:
    """The run's plan in any export format, with its changes since the previous run (a "Changes" sheet
    in the XLSX, a section in the PDF, `changes` in the JSON)."""
    target = target_or_404(session, team_id, target_id)
    run = run_or_404(session, target, number)
    if fmt not in EXPORTS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Unknown export format {fmt!r}; known: junit.xml, {', '.join(sorted(EXPORTS))}.",
        )
    try:
        diff = run_diff(session, run)
    except RunNotComparable as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    assert run.plan is not None  # run_diff refuses a run without its plan
    export = plans_store.plan_export(session, run.plan)
    export.changes, export.changes_since = change_lines(diff), diff.previous
    body, media_type, _ = render_export(export, fmt)
    filename = f"target-{target.id}-run-{run.number}.{EXPORTS[fmt].extension}"
    audit.record("run.exported", "target", target.id, run=run.number, format=fmt)
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/api/v1/targets/{target_id}/runs/{number}/regression/{index}.png", response_class=Response)
def regression_screenshot_route(
    target_id: TargetId,
    number: RunNumber,
    index: RunNumber,
    session: SessionDep,
    team_id: TeamDep,
    settings: SettingsDep,
) -> Response:
    """The page where regression case `index` (1-based, as listed) stopped, when it now fails."""
    run = run_or_404(session, target_or_404(session, team_id, target_id), number)
    results = run.regression or []
    shot = results[index - 1].get("screenshot") if index <= len(results) else None
    path = FilePath(shot).resolve() if shot else None
    if path is None or not path.is_relative_to(settings.data_dir.resolve()) or not path.is_file():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"Run {number} has no screenshot for regression case {index}."
        )
    return Response(path.read_bytes(), media_type="image/png")
