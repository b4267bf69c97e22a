"""Target service functions: routes and the CLI parse and authorise, then call one of these. They
flush; the caller commits (the request's session, or the task's session_scope)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from planwright.api_plans.models import ApiPlanOptions, OpenApiSource
from planwright.api_plans.spec import SpecError, http_fetcher, load_spec
from planwright.db.models import Plan, Target, TargetRun, TestCase, utcnow
from planwright.netpolicy import current_policy
from planwright.plan_api import CaseCounts, PlanCreate
from planwright.plans import plan_fields
from planwright.sealing import seal, unseal
from planwright.settings import get_settings, secret_of
from planwright.targets.schedule import next_run_after
from planwright.targets.schemas import ApiSourcePublic, TargetCreate, TargetUpdate, plan_request

# Fields a PATCH copies as they are; auth, the webhook's secret and the schedule need more than a copy.
PLAIN_FIELDS = ("name", "url", "language", "max_pages", "max_depth", "verify", "deny_names", "webhook_url")
SCHEDULE_FIELDS = ("cron", "timezone", "paused")


class TargetRefused(ValueError):
    """A change this target cannot take (an OpenAPI source on a ui target, a UI login on an api one):
    the API answers 422 naming `field`, as for any bad field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _sealed_auth(auth: Any) -> dict[str, Any] | None:
    if auth is None or auth.is_empty():
        return None
    return seal(auth.model_dump(), secret_of(get_settings()))


def _sealed_secret(secret: str | None) -> str | None:
    """Kept as the JSON of a sealed dict: the signing key is as secret as a login."""
    if not secret:
        return None
    return json.dumps(seal({"secret": secret}, secret_of(get_settings())))


def webhook_secret_of(target: Target) -> str | None:
    if not target.webhook_secret:
        return None
    opened = unseal(json.loads(target.webhook_secret), secret_of(get_settings()))
    return str(opened["secret"]) if opened else None


def reschedule(target: Target) -> None:
    """Paused targets have no next run; otherwise the next time the cron fires after now."""
    target.next_run_at = None if target.paused else next_run_after(target.cron, target.timezone, utcnow())


def _source_columns(request: PlanCreate) -> dict[str, Any]:
    """url, sealed auth and options exactly as a plan of `request` stores them (`plan_fields`): each run
    copies them into its plan, so a run of an api target is an api plan like POST /api/v1/plans makes."""
    fields = plan_fields(request)
    auth = fields["auth"]
    return {
        "url": fields["url"],
        "auth": seal(auth, secret_of(get_settings())) if auth else None,
        "options": fields.get("options"),
    }


def document_problem(source: OpenApiSource | None) -> str | None:
    """An uploaded document is read once when it is registered: a broken one is refused now (the
    validator's message and JSON pointer), not failed every night. A document by URL is read by each
    run, which fails with the same words if it broke."""
    if source is None or source.document is None:
        return None
    settings = get_settings()
    try:
        load_spec(
            text=source.document if isinstance(source.document, str) else None,
            document=source.document if isinstance(source.document, dict) else None,
            fetch=http_fetcher(current_policy().refusal, timeout_s=settings.api_request_timeout_s * 2),
            remote_refs_allowed=settings.api_remote_refs,
        )
    except SpecError as error:
        return str(error)
    return None


def api_source_public(target: Target) -> ApiSourcePublic | None:
    if target.kind != "api":
        return None
    options = ApiPlanOptions.model_validate(target.options or {})
    return ApiSourcePublic(
        spec_url=options.spec_url,
        uploaded=options.document is not None,
        base_url=options.base_url,
        allow_unsafe=options.allow_unsafe,
    )


def create_target(session: Session, *, team_id: int, body: TargetCreate) -> Target:
    target = Target(
        team_id=team_id,
        name=body.name.strip(),
        kind=body.kind,
        language=body.language,
        max_pages=body.max_pages,
        max_depth=body.max_depth,
        verify=body.verify,
        **_source_columns(body.plan_request()),
        cron=body.cron,
        timezone=body.timezone,
        paused=body.paused,
        deny_names=body.deny_names,
        webhook_url=body.webhook_url,
        webhook_secret=_sealed_secret(body.webhook_secret),
    )
    reschedule(target)
    session.add(target)
    session.flush()
    return target


def read_targets(session: Session, *, team_id: int, offset: int, limit: int) -> tuple[list[Target], int]:
    total = session.scalar(select(func.count()).select_from(Target).where(Target.team_id == team_id)) or 0
    targets = session.scalars(
        select(Target).where(Target.team_id == team_id).order_by(Target.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(targets), total


def read_target(session: Session, *, team_id: int, target_id: int) -> Target | None:
    """None for another team's target as for a missing one: existence is not leaked."""
    return session.scalar(select(Target).where(Target.id == target_id, Target.team_id == team_id))


def _updated_api_source(target: Target, body: TargetUpdate) -> dict[str, Any]:
    """An api target's url/auth/options after a PATCH of `openapi` and/or `url` (its base URL): the
    document source is replaced whole; the base URL and the credentials stay unless sent anew."""
    stored = ApiPlanOptions.model_validate(target.options or {})
    sent = body.model_fields_set
    source = body.openapi if "openapi" in sent and body.openapi is not None else None
    fields: dict[str, Any] = {
        "url": stored.spec_url,
        "document": stored.document,
        "base_url": stored.base_url,
        "allow_unsafe": stored.allow_unsafe,
    }
    if source is not None:
        fields.update(
            url=source.url, document=source.document, allow_unsafe=source.allow_unsafe,
            base_url=source.base_url if "base_url" in source.model_fields_set else stored.base_url,
        )  # fmt: skip
    if "url" in sent and body.url is not None:
        fields["base_url"] = body.url
    opened = unseal(target.auth, secret_of(get_settings())) or {}
    auth = source.auth if source is not None and "auth" in source.model_fields_set else opened.get("api")
    columns = _source_columns(
        plan_request(kind="api", language=target.language, openapi={**fields, "auth": auth})
    )
    return columns


def update_target(session: Session, *, target: Target, body: TargetUpdate) -> Target:
    """TargetRefused for a field of the other kind (an OpenAPI source on a ui target, a UI login on an
    api target); ValueError (in the plans API's words) for an api source a plan would refuse."""
    sent = body.model_fields_set
    if target.kind == "api":
        if "auth" in sent and body.auth is not None:
            raise TargetRefused("auth", "an api target's credentials go in openapi.auth")
        if "openapi" in sent or "url" in sent:
            for column, value in _updated_api_source(target, body).items():
                setattr(target, column, value)
        sent = sent - {"url", "auth"}
    elif "openapi" in sent and body.openapi is not None:
        raise TargetRefused("openapi", "only an api target reads an OpenAPI document")
    for field in PLAIN_FIELDS:
        if field in sent and (getattr(body, field) is not None or field == "webhook_url"):
            setattr(target, field, getattr(body, field))
    if "auth" in sent:
        target.auth = _sealed_auth(body.auth)
    if "webhook_secret" in sent:
        target.webhook_secret = _sealed_secret(body.webhook_secret)
    if any(field in sent and getattr(body, field) is not None for field in SCHEDULE_FIELDS):
        for field in SCHEDULE_FIELDS:
            if field in sent and getattr(body, field) is not None:
                setattr(target, field, getattr(body, field))
        reschedule(target)
    target.updated_at = utcnow()
    session.flush()
    return target


def delete_target(session: Session, *, target: Target) -> None:
    """The target, its runs and their plans go; an unfinished run's plan is gone, so its workers stop."""
    plan_ids = [run.plan_id for run in target.runs if run.plan_id is not None]
    session.delete(target)
    session.flush()
    if plan_ids:
        session.execute(delete(Plan).where(Plan.id.in_(plan_ids)))
        session.flush()


def read_runs(session: Session, *, target: Target, offset: int, limit: int) -> tuple[list[TargetRun], int]:
    where = TargetRun.target_id == target.id
    total = session.scalar(select(func.count()).select_from(TargetRun).where(where)) or 0
    runs = session.scalars(
        select(TargetRun).where(where).order_by(TargetRun.number.desc()).offset(offset).limit(limit)
    ).all()
    return list(runs), total


def read_run(session: Session, *, target: Target, number: int) -> TargetRun | None:
    return session.scalar(
        select(TargetRun).where(TargetRun.target_id == target.id, TargetRun.number == number)
    )


def last_run(session: Session, *, target: Target) -> TargetRun | None:
    return session.scalar(
        select(TargetRun).where(TargetRun.target_id == target.id).order_by(TargetRun.number.desc()).limit(1)
    )


def case_counts(session: Session, plan_id: int) -> CaseCounts:
    rows = session.execute(
        select(TestCase.source, TestCase.verification_status, func.count())
        .where(TestCase.plan_id == plan_id)
        .group_by(TestCase.source, TestCase.verification_status)
    ).all()
    counts = CaseCounts()
    for source, status, number in rows:
        counts.total += number
        if source in ("model", "skeleton"):
            setattr(counts, source, getattr(counts, source) + number)
        if status in ("verified", "failed", "not_executable", "pending"):
            setattr(counts, status, getattr(counts, status) + number)
    return counts
