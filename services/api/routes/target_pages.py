"""The targets' web pages: the team's targets (last run, next run), a target's run history with "run
now", pause and delete, and a run's page (its regression and its diff). Same team scoping and the same
service functions as the JSON API; Jinja2 escapes every crawled or generated text."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from planwright.api_plans.models import MAX_SPEC_BYTES
from planwright.db.audit import url_without_secrets
from planwright.netpolicy import submission_refusals
from planwright.plan_api import crawl_limits
from planwright.schemas import readable_errors
from planwright.targets.compare import RunNotComparable, run_diff
from planwright.targets.runs import create_run, enqueue_run, plan_to_enqueue
from planwright.targets.schemas import TargetCreate, TargetUpdate
from planwright.targets.service import (
    create_target,
    delete_target,
    document_problem,
    read_runs,
    read_targets,
    update_target,
)
from services.api.deps import AuditDep, SessionDep, WebTeamDep
from services.api.routes.targets import RunNumber, TargetId, run_or_404, target_or_404
from services.api.target_presenters import run_summary, target_public

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.globals["crawl_limits"] = crawl_limits  # the forms' bounds are the API's


def _targets_page(request: Request, session: SessionDep, team_id: int, **context: Any) -> Response:
    targets, total = read_targets(session, team_id=team_id, offset=0, limit=200)
    code = int(context.pop("status_code", 200))
    return templates.TemplateResponse(
        request,
        "targets.html",
        {
            "targets": [target_public(session, t) for t in targets],
            "total": total,
            "form": {},
            "errors": [],
            **context,
        },
        status_code=code,
    )


@router.get("/targets", response_class=HTMLResponse)
def targets_page(request: Request, session: SessionDep, team_id: WebTeamDep) -> Response:
    return _targets_page(request, session, team_id)


@router.post("/targets", response_class=HTMLResponse)
def add_target_form(
    request: Request,
    session: SessionDep,
    team_id: WebTeamDep,
    audit: AuditDep,
    name: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    cron: Annotated[str, Form()] = "0 2 * * *",
    timezone: Annotated[str, Form()] = "Europe/Moscow",
    language: Annotated[str, Form()] = "en",
    max_pages: Annotated[str, Form()] = "10",
) -> Response:
    form = {
        "name": name,
        "url": url,
        "cron": cron,
        "timezone": timezone,
        "language": language,
        "max_pages": max_pages,
    }
    return _add_target(request, session, audit, team_id, form, form)


def _add_target(
    request: Request,
    session: SessionDep,
    audit: AuditDep,
    team_id: int,
    fields: dict[str, Any],
    form: dict[str, Any],
) -> Response:
    """The same TargetCreate, network policy and document check as POST /api/v1/targets; the form
    again with the API's words when refused."""
    try:
        body = TargetCreate.model_validate(fields)
    except ValidationError as error:
        return _targets_page(
            request, session, team_id, form=form, errors=readable_errors(error.errors()), status_code=422
        )
    errors = readable_errors(submission_refusals(body.target_urls()))
    problem = document_problem(body.openapi) if not errors else None
    if errors or problem:
        return _targets_page(
            request, session, team_id, form=form, errors=errors or [problem], status_code=422
        )
    target = create_target(session, team_id=team_id, body=body)
    audit.record("target.created", "target", target.id, name=target.name, url=url_without_secrets(target.url))
    return RedirectResponse(f"/targets/{target.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/targets/api", response_class=HTMLResponse)
def add_api_target_form(
    request: Request,
    session: SessionDep,
    team_id: WebTeamDep,
    audit: AuditDep,
    name: Annotated[str, Form()] = "",
    openapi_url: Annotated[str, Form()] = "",
    openapi_file: Annotated[UploadFile | None, File()] = None,
    base_url: Annotated[str, Form()] = "",
    cron: Annotated[str, Form()] = "0 2 * * *",
    timezone: Annotated[str, Form()] = "Europe/Moscow",
    language: Annotated[str, Form()] = "en",
    allow_unsafe: Annotated[str | None, Form()] = None,
    api_key: Annotated[str, Form()] = "",
    api_key_name: Annotated[str, Form()] = "X-API-Key",
    bearer_token: Annotated[str, Form()] = "",
) -> Response:
    """An api target: its document by URL or uploaded (kept with the target), the service's base URL
    and credentials (sealed like a UI login), as the OpenAPI plan form takes them."""
    form = {"api_name": name, "api_openapi_url": openapi_url, "api_base_url": base_url, "cron": cron,
            "timezone": timezone, "language": language}  # fmt: skip
    source: dict[str, Any] = {"base_url": base_url or None, "allow_unsafe": bool(allow_unsafe)}
    if openapi_file is not None and openapi_file.filename:
        source["document"] = openapi_file.file.read(MAX_SPEC_BYTES + 1).decode("utf-8", errors="replace")
    if openapi_url:
        source["url"] = openapi_url
    if api_key or bearer_token:
        source["auth"] = {"api_key": api_key or None, "api_key_name": api_key_name or "X-API-Key",
                          "bearer_token": bearer_token or None}  # fmt: skip
    fields = {"name": name, "kind": "api", "openapi": source, "cron": cron, "timezone": timezone,
              "language": language}  # fmt: skip
    return _add_target(request, session, audit, team_id, fields, form)


@router.get("/targets/{target_id}", response_class=HTMLResponse)
def target_page(target_id: TargetId, request: Request, session: SessionDep, team_id: WebTeamDep) -> Response:
    target = target_or_404(session, team_id, target_id)
    runs, total = read_runs(session, target=target, offset=0, limit=100)
    return templates.TemplateResponse(
        request,
        "target.html",
        {
            "target": target_public(session, target),
            "runs": [run_summary(session, run) for run in runs],
            "total_runs": total,
        },
    )


@router.post("/targets/{target_id}/run")
def run_now_form(target_id: TargetId, session: SessionDep, team_id: WebTeamDep, audit: AuditDep) -> Response:
    run = create_run(session, target=target_or_404(session, team_id, target_id), trigger="manual")
    plan_id = plan_to_enqueue(run)
    audit.record("run.created", "target", target_id, run=run.number, plan_id=run.plan_id)
    session.commit()
    try:
        enqueue_run(plan_id)
    except Exception:  # the queued plan is re-sent by the reconciler; the page shows it queued
        log.exception("targets.run.enqueue_failed target_id=%s run=%s", target_id, run.number)
    return RedirectResponse(f"/targets/{target_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/targets/{target_id}/pause")
def pause_form(target_id: TargetId, session: SessionDep, team_id: WebTeamDep, audit: AuditDep) -> Response:
    target = target_or_404(session, team_id, target_id)
    update_target(session, target=target, body=TargetUpdate(paused=not target.paused))
    audit.record("target.updated", "target", target_id, fields="paused")
    return RedirectResponse(f"/targets/{target_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/targets/{target_id}/delete")
def delete_form(target_id: TargetId, session: SessionDep, team_id: WebTeamDep, audit: AuditDep) -> Response:
    target = target_or_404(session, team_id, target_id)
    audit.record("target.deleted", "target", target_id, name=target.name)
    delete_target(session, target=target)
    return RedirectResponse("/targets", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/targets/{target_id}/runs/{number}", response_class=HTMLResponse)
def run_page(
    target_id: TargetId, number: RunNumber, request: Request, session: SessionDep, team_id: WebTeamDep
) -> Response:
    target = target_or_404(session, team_id, target_id)
    run = run_or_404(session, target, number)
    try:
        diff, why_no_diff = run_diff(session, run), None
    except RunNotComparable as error:
        diff, why_no_diff = None, str(error)
    return templates.TemplateResponse(
        request,
        "run.html",
        {
            "target": target_public(session, target),
            "run": run_summary(session, run),
            "diff": diff,
            "why_no_diff": why_no_diff,
        },
    )


@router.post("/targets/{target_id}/runs/{number}/pin")
def pin_form(
    target_id: TargetId, number: RunNumber, session: SessionDep, team_id: WebTeamDep, audit: AuditDep
) -> Response:
    """Toggle: a pinned run is kept by retention."""
    run = run_or_404(session, target_or_404(session, team_id, target_id), number)
    run.pinned = not run.pinned
    audit.record("run.pinned" if run.pinned else "run.unpinned", "target", target_id, run=number)
    return RedirectResponse(f"/targets/{target_id}/runs/{number}", status_code=status.HTTP_303_SEE_OTHER)
