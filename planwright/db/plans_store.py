"""Between the pipeline's pydantic values and the ORM rows. Services flush; callers commit."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from planwright.db.models import Element as ElementRow
from planwright.db.models import Generation, Page, Plan, TestCase
from planwright.schemas import (
    CrawlResult,
    EdgeProposal,
    Element,
    Expectation,
    Locator,
    ObservedBehaviour,
    Outcome,
    PageSnapshot,
    PlanExport,
    Step,
    TestCaseData,
    Verification,
)

ELEMENT_DETAIL_FIELDS = ("href", "input_type", "required", "options", "form_key", "field_keys", "submit_key")


def save_crawl(session: Session, plan: Plan, crawl: CrawlResult) -> None:
    """Replace the plan's pages: a re-run of the crawl stage leaves one copy, not two."""
    session.execute(delete(Page).where(Page.plan_id == plan.id))
    session.flush()
    for snapshot in crawl.pages:
        page = Page(
            plan_id=plan.id,
            url=snapshot.url,
            status=snapshot.status,
            depth=snapshot.depth,
            title=snapshot.title,
            headings=snapshot.headings,
            screenshot_path=snapshot.screenshot_path,
            aria_snapshot=snapshot.aria_snapshot,
            behaviours=[behaviour.model_dump(mode="json") for behaviour in snapshot.behaviours],
            proposals=[proposal.model_dump(mode="json") for proposal in snapshot.proposals],
        )
        page.elements = [
            ElementRow(
                key=element.key,
                kind=element.kind,
                role=element.role,
                name=element.name,
                locator=element.locator.model_dump(),
                details=element.model_dump(include=set(ELEMENT_DETAIL_FIELDS)),
                outcome=element.outcome.model_dump() if element.outcome else None,
            )
            for element in snapshot.elements
        ]
        session.add(page)
    session.flush()


def load_crawl(session: Session, plan: Plan) -> CrawlResult:
    pages = session.scalars(
        select(Page).where(Page.plan_id == plan.id).options(selectinload(Page.elements)).order_by(Page.id)
    ).all()
    return CrawlResult(start_url=plan.url, pages=[page_snapshot(page) for page in pages])


def page_snapshot(page: Page) -> PageSnapshot:
    return PageSnapshot(
        url=page.url,
        status=page.status,
        depth=page.depth,
        title=page.title,
        headings=list(page.headings or []),
        screenshot_path=page.screenshot_path,
        aria_snapshot=page.aria_snapshot,
        behaviours=[ObservedBehaviour.model_validate(item) for item in page.behaviours or []],
        proposals=[EdgeProposal.model_validate(item) for item in page.proposals or []],
        elements=[
            Element(
                key=row.key,
                kind=row.kind,  # type: ignore[arg-type]
                role=row.role,
                name=row.name,
                locator=Locator.model_validate(row.locator),
                outcome=Outcome.model_validate(row.outcome) if row.outcome else None,
                **(row.details or {}),
            )
            for row in page.elements
        ],
    )


def save_proposals(session: Session, plan: Plan, proposals: dict[str, list[EdgeProposal]]) -> None:
    """Replace each crawled page's edge proposals (pages not named get none: the stage is idempotent)."""
    for page in session.scalars(select(Page).where(Page.plan_id == plan.id)):
        page.proposals = [proposal.model_dump(mode="json") for proposal in proposals.get(page.url, [])]
    session.flush()


def replace_cases(session: Session, plan: Plan, cases: list[TestCaseData]) -> list[TestCase]:
    session.execute(delete(TestCase).where(TestCase.plan_id == plan.id))
    return add_cases(session, plan, cases, start=0)


def add_cases(session: Session, plan: Plan, cases: list[TestCaseData], *, start: int) -> list[TestCase]:
    """Insert cases at positions start, start+1, ... (after the plan's existing ones)."""
    rows = [
        TestCase(
            plan_id=plan.id,
            position=position,
            page_url=case.page_url,
            title=case.title,
            preconditions=case.preconditions,
            steps=[step.model_dump() for step in case.steps],
            expected=[expectation.model_dump() for expectation in case.expected],
            priority=case.priority,
            tags=case.tags,
            source=case.source,
            verification_status=case.verification.status,
            verification_detail=case.verification.detail,
        )
        for position, case in enumerate(cases, start=start)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def case_data(row: TestCase) -> TestCaseData:
    return TestCaseData(
        id=row.id,
        plan_id=row.plan_id,
        page_url=row.page_url,
        title=row.title,
        preconditions=list(row.preconditions or []),
        steps=[Step.model_validate(step) for step in row.steps],
        expected=[Expectation.model_validate(expectation) for expectation in row.expected],
        priority=row.priority,  # type: ignore[arg-type]
        tags=list(row.tags or []),
        source=row.source,  # type: ignore[arg-type]
        verification=Verification(status=row.verification_status, detail=row.verification_detail),  # type: ignore[arg-type]
    )


def plan_export(session: Session, plan: Plan) -> PlanExport:
    cases = session.scalars(
        select(TestCase).where(TestCase.plan_id == plan.id).order_by(TestCase.position)
    ).all()
    return PlanExport(
        id=plan.id,
        url=plan.url,
        language=plan.language,  # type: ignore[arg-type]
        status=plan.status,
        created_at=plan.created_at,
        kind=plan.kind,  # type: ignore[arg-type]
        model_id=plan.model_id,
        device=plan.device,
        cases=[case_data(row) for row in cases],
    )


def delete_generations(session: Session, plan: Plan) -> None:
    session.execute(delete(Generation).where(Generation.plan_id == plan.id))
