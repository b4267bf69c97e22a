"""Target and run rows to the targets API's public shapes; the JSON API and the web pages share them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from planwright.db.models import Target, TargetRun
from planwright.targets.schedule import describe
from planwright.targets.schemas import RegressionResult, RunSummaryPublic, TargetPublic, regression_counts
from planwright.targets.service import api_source_public, case_counts, last_run
from planwright.targets.webhook import MAX_ATTEMPTS


def target_links(target: Target) -> dict[str, str]:
    base = f"/api/v1/targets/{target.id}"
    return {"self": base, "runs": f"{base}/runs", "run_now": f"{base}/runs", "page": f"/targets/{target.id}"}


def run_links(target_id: int, run: TargetRun) -> dict[str, str]:
    base = f"/api/v1/targets/{target_id}/runs/{run.number}"
    links = {"self": base, "diff": f"{base}/diff", "export.junit.xml": f"{base}/export.junit.xml"}
    for name in ("xlsx", "pdf", "json"):
        links[f"export.{name}"] = f"{base}/export.{name}"
    if run.plan_id is not None:
        links["plan"] = f"/api/v1/plans/{run.plan_id}"
        links["plan_page"] = f"/plans/{run.plan_id}"
    return links


def webhook_state(run: TargetRun) -> str | None:
    if run.notified_at is not None:
        return "delivered"
    if not run.webhook_attempts:
        return None
    given_up = run.webhook_attempts >= MAX_ATTEMPTS
    return f"{'gave up' if given_up else 'retrying'} after {run.webhook_attempts} tries: {run.webhook_error}"


def run_summary(session: Session, run: TargetRun, *, with_counts: bool = True) -> RunSummaryPublic:
    plan = run.plan
    return RunSummaryPublic(
        number=run.number,
        trigger=run.trigger,
        plan_id=run.plan_id,
        status=plan.status if plan else None,  # type: ignore[arg-type]
        status_reason=plan.status_reason if plan else "Deleted by retention.",
        scheduled_for=run.scheduled_for,
        created_at=run.created_at,
        finished_at=plan.finished_at if plan else None,
        pinned=run.pinned,
        counts=case_counts(session, plan.id) if plan and with_counts else None,
        regression_counts=regression_counts(
            [RegressionResult.model_validate(item) for item in run.regression or []]
        )
        if run.regression_seconds is not None
        else None,
        webhook=webhook_state(run),
        links=run_links(run.target_id, run),
    )


def target_public(session: Session, target: Target) -> TargetPublic:
    latest = last_run(session, target=target)
    return TargetPublic(
        id=target.id,
        name=target.name,
        url=target.url,
        language=target.language,  # type: ignore[arg-type]
        kind=target.kind,  # type: ignore[arg-type]
        max_pages=target.max_pages,
        max_depth=target.max_depth,
        verify=target.verify,
        has_auth=target.auth is not None,
        openapi=api_source_public(target),
        deny_names=list(target.deny_names or []),
        cron=target.cron,
        cron_description=describe(target.cron),
        timezone=target.timezone,
        paused=target.paused,
        next_run_at=target.next_run_at,
        runs=target.last_run_number,
        last_run=run_summary(session, latest, with_counts=False) if latest else None,
        webhook_url=target.webhook_url,
        has_webhook_secret=target.webhook_secret is not None,
        created_at=target.created_at,
        links=target_links(target),
    )
