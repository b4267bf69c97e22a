"""Target service functions: routes and the CLI parse and authorise, then call one of these. They
flush; the caller commits (the request's session, or the task's session_scope)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from planwright.db.models import Plan, Target, TargetRun, TestCase, utcnow
from planwright.schemas import CaseCounts
from planwright.sealing import seal, unseal
from planwright.settings import get_settings, secret_of
from planwright.targets.schedule import next_run_after
from planwright.targets.schemas import TargetCreate, TargetUpdate

# Fields a PATCH copies as they are; auth, the webhook's secret and the schedule need more than a copy.
PLAIN_FIELDS = ("name", "url", "language", "max_pages", "max_depth", "verify", "deny_names", "webhook_url")
SCHEDULE_FIELDS = ("cron", "timezone", "paused")


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


def create_target(session: Session, *, team_id: int, body: TargetCreate) -> Target:
    target = Target(
        team_id=team_id,
        name=body.name.strip(),
        url=body.url,
        kind=body.kind,
        language=body.language,
        max_pages=body.max_pages,
        max_depth=body.max_depth,
        verify=body.verify,
        auth=_sealed_auth(body.auth),
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


def update_target(session: Session, *, target: Target, body: TargetUpdate) -> Target:
    sent = body.model_fields_set
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
