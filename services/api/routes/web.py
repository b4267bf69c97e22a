"""The web pages: a form, the list of plans, a plan's cases with live progress. Jinja2 autoescapes
everything, and crawled or generated text is only ever shown through it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from planwright.api_plans.models import MAX_SPEC_BYTES
from planwright.db.audit import Actor
from planwright.exports import EXPORTS
from planwright.netpolicy import submission_refusals
from planwright.plan_api import PlanCreate, crawl_limits
from planwright.plans import read_plan, read_plans
from planwright.schemas import readable_errors
from planwright.teams import (
    WEB_SESSION_LIFETIME,
    end_web_session,
    key_for_web_session,
    start_web_session,
    usable_api_key,
)
from services.api.deps import SESSION_COOKIE, AuditDep, SessionDep, SettingsDep, WebTeamDep
from services.api.presenters import plan_public, plan_summary
from services.api.routes.plans import PlanId, submit_and_audit

router = APIRouter(include_in_schema=False)
MAX_STORAGE_STATE_BYTES = 2_000_000
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.globals["crawl_limits"] = crawl_limits  # the forms' bounds are the API's


def _index(request: Request, session: SessionDep, team_id: int, **context: object) -> Response:
    plans, total = read_plans(session, team_id=team_id, offset=0, limit=100)
    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "plans": [plan_summary(plan) for plan in plans],
            "total": total,
            "form": {},
            "errors": [],
            **context,
        },
        status_code=int(context.pop("status_code", 200)),  # type: ignore[call-overload]
    )


@router.get("/", response_class=HTMLResponse)
def index_page(request: Request, session: SessionDep, team_id: WebTeamDep) -> Response:
    return _index(request, session, team_id)


@router.post("/plans", response_class=HTMLResponse)
def submit_plan_form(
    request: Request,
    session: SessionDep,
    team_id: WebTeamDep,
    settings: SettingsDep,
    audit: AuditDep,
    url: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    max_pages: Annotated[str, Form()] = "10",
    max_depth: Annotated[str, Form()] = "2",
    verify: Annotated[str | None, Form()] = None,
    login_url: Annotated[str, Form()] = "",
    login_username: Annotated[str, Form()] = "",
    login_password: Annotated[str, Form()] = "",
    storage_state: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form: dict[str, Any] = {
        "url": url,
        "language": language,
        "max_pages": max_pages,
        "max_depth": max_depth,
        "verify": bool(verify),
    }
    auth: dict[str, Any] = {}
    if login_url or login_username or login_password:
        auth["login"] = {"url": login_url or url, "username": login_username, "password": login_password}
    if storage_state is not None and storage_state.filename:
        try:
            auth["storage_state"] = json.loads(storage_state.file.read(MAX_STORAGE_STATE_BYTES))
        except (json.JSONDecodeError, UnicodeDecodeError):
            errors = [
                "storage_state: the uploaded file is not JSON (save it with context.storage_state(path=...))"
            ]
            return _index(request, session, team_id, form=form, errors=errors, status_code=422)
    try:
        body = PlanCreate.model_validate({**form, "auth": auth or None})
    except ValidationError as error:
        errors = readable_errors(error.errors())
        return _index(request, session, team_id, form=form, errors=errors, status_code=422)
    refusals = submission_refusals(body.target_urls())
    if refusals:
        errors = readable_errors(refusals)
        return _index(request, session, team_id, form=form, errors=errors, status_code=422)
    plan = submit_and_audit(session, audit, team_id=team_id, body=body)
    return RedirectResponse(f"/plans/{plan.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/plans/api", response_class=HTMLResponse)
def submit_api_plan_form(
    request: Request,
    session: SessionDep,
    team_id: WebTeamDep,
    audit: AuditDep,
    openapi_url: Annotated[str, Form()] = "",
    openapi_file: Annotated[UploadFile | None, File()] = None,
    base_url: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    verify: Annotated[str | None, Form()] = None,
    allow_unsafe: Annotated[str | None, Form()] = None,
    api_key: Annotated[str, Form()] = "",
    api_key_name: Annotated[str, Form()] = "X-API-Key",
    bearer_token: Annotated[str, Form()] = "",
) -> Response:
    """The OpenAPI form: the same PlanCreate (kind "api") and submit_plan as POST /api/v1/plans."""
    form: dict[str, Any] = {"api_openapi_url": openapi_url, "api_base_url": base_url, "language": language}
    source: dict[str, Any] = {"base_url": base_url or None, "allow_unsafe": bool(allow_unsafe)}
    if openapi_file is not None and openapi_file.filename:
        source["document"] = openapi_file.file.read(MAX_SPEC_BYTES + 1).decode("utf-8", errors="replace")
    if openapi_url:
        source["url"] = openapi_url
    if api_key or bearer_token:
        source["auth"] = {"api_key": api_key or None, "api_key_name": api_key_name or "X-API-Key",
                          "bearer_token": bearer_token or None}  # fmt: skip
    try:
        body = PlanCreate.model_validate(
            {"kind": "api", "language": language, "verify": bool(verify), "openapi": source}
        )
    except ValidationError as error:
        return _index(
            request, session, team_id, form=form, errors=readable_errors(error.errors()), status_code=422
        )
    refusals = submission_refusals(body.target_urls())
    if refusals:
        return _index(request, session, team_id, form=form, errors=readable_errors(refusals), status_code=422)
    plan = submit_and_audit(session, audit, team_id=team_id, body=body)
    return RedirectResponse(f"/plans/{plan.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: PlanId, request: Request, session: SessionDep, team_id: WebTeamDep) -> Response:
    plan = read_plan(session, team_id=team_id, plan_id=plan_id)
    if plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Plan {plan_id} not found.")
    return templates.TemplateResponse(
        request, "plan.html", {"plan": plan_public(session, plan), "exports": list(EXPORTS.values())}
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, reason: str | None = None) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": reason})


@router.post("/login", response_class=HTMLResponse)
def log_in(
    request: Request, session: SessionDep, audit: AuditDep, api_key: Annotated[str, Form()] = ""
) -> Response:
    stored = usable_api_key(session, key=api_key.strip()) if api_key.strip() else None
    if stored is None:
        return templates.TemplateResponse(
            request,
            "login.html",
            {
                "error": "Unknown, revoked or expired API key."
                if api_key.strip()
                else "Enter your team's API key."
            },
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    request.state.team_id, request.state.actor = stored.team_id, Actor("web_session", stored.id, stored.name)
    audit.record("session.started", "key", stored.id)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        start_web_session(session, api_key=stored),
        max_age=int(WEB_SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def log_out(request: Request, session: SessionDep, audit: AuditDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    key = key_for_web_session(session, token=token) if token else None
    if key is not None:
        request.state.team_id, request.state.actor = key.team_id, Actor("web_session", key.id, key.name)
        audit.record("session.ended", "key", key.id)
    if token:
        end_web_session(session, token=token)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response
