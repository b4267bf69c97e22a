"""ORM rows to the API's public shapes; the JSON API and the web pages show the same thing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.db import plans_store
from planwright.db.models import Page, Plan
from planwright.exports import EXPORTS
from planwright.exports.common import PlanSummary, summarize
from planwright.plan_api import CaseCounts, EdgeProposalPublic, PlanPublic, PlanSummaryPublic, ProgressPublic


def plan_links(plan: Plan) -> dict[str, str]:
    links = {"self": f"/api/v1/plans/{plan.id}", "page": f"/plans/{plan.id}"}
    for name in EXPORTS:
        links[f"export.{name}"] = f"/api/v1/plans/{plan.id}/export.{name}"
    return links


def plan_summary(plan: Plan) -> PlanSummaryPublic:
    return PlanSummaryPublic(
        id=plan.id,
        url=plan.url,
        language=plan.language,  # type: ignore[arg-type]
        kind=plan.kind,  # type: ignore[arg-type]
        status=plan.status,  # type: ignore[arg-type]
        status_reason=plan.status_reason,
        progress=ProgressPublic(done=plan.progress_done, total=plan.progress_total, stage=plan.stage),
        created_at=plan.created_at,
        finished_at=plan.finished_at,
        links=plan_links(plan),
        notes=[str(note) for note in plan.notes or []],
    )


def _counts(summary: PlanSummary) -> CaseCounts:
    """From the cases the page shows anyway: the exports' own summary, no second query."""
    return CaseCounts(
        total=summary.cases,
        model=summary.from_model,
        skeleton=summary.from_skeleton,
        verified=summary.verified,
        failed=summary.failed,
        not_executable=summary.not_executable,
        pending=summary.pending,
    )


def plan_public(session: Session, plan: Plan) -> PlanPublic:
    export = plans_store.plan_export(session, plan)
    pages = session.execute(
        select(Page.url, Page.proposals).where(Page.plan_id == plan.id).order_by(Page.id)
    ).all()
    return PlanPublic(
        **plan_summary(plan).model_dump(),
        max_pages=plan.max_pages,
        max_depth=plan.max_depth,
        model_id=plan.model_id,
        device=plan.device,
        timings={
            "crawl_s": plan.crawl_seconds,
            "generate_s": plan.generate_seconds,
            "verify_s": plan.verify_seconds,
        },
        counts=_counts(summarize(export)),
        pages=[url for url, _ in pages],
        cases=export.cases,
        edge_proposals=[
            EdgeProposalPublic(page_url=url, **item) for url, proposals in pages for item in proposals or []
        ],
    )
