"""What a finished plan of the fixture site must satisfy, whichever path produced it."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from planwright.db import plans_store
from planwright.db.models import Element, Page, Plan
from planwright.db.session import session_scope
from planwright.schemas import PlanExport

FIXTURE_LINKS = ["Главная", "Контакты", "Login", "Search", "About"]
FIXTURE_FORMS = {"/login": "Sign in", "/search": "Find"}


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_plan_grounded(database_url: str, plan_id: int) -> PlanExport:
    """Every link and form has a case; every target is a crawled element; links expect what was seen."""
    with session_scope(database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.status == "done", (plan.status, plan.status_reason) if plan else None
        export = plans_store.plan_export(session, plan)
        rows = session.execute(
            select(Page.url, Element.key, Element.name, Element.kind, Element.outcome)
            .join(Element, Element.page_id == Page.id)
            .where(Page.plan_id == plan_id)
        ).all()
    elements = {(url, key): (name, kind, outcome) for url, key, name, kind, outcome in rows}
    assert export.cases, "the plan has no cases"

    for case in export.cases:
        for step in case.steps:
            if step.action == "open":
                assert step.data, f"{case.title}: open step without URL"
                continue
            assert step.target is not None, f"{case.title}: step {step.n} has no target"
            key = (step.target.page_url, step.target.element_key)
            assert key in elements, f"{case.title}: step {step.n} targets {key}, which the crawler never saw"
            assert elements[key][0] == step.target.name, f"{case.title}: target name differs from the crawl"

    clicked = {
        (step.target.name, step.target.role)
        for case in export.cases
        for step in case.steps
        if step.target is not None and step.action == "click"
    }
    for link in FIXTURE_LINKS:
        assert (link, "link") in clicked, f"no case clicks the link {link!r}: {sorted(clicked)}"
    for path, button in FIXTURE_FORMS.items():
        assert any(
            case.page_url.endswith(path) and any(s.target and s.target.name == button for s in case.steps)
            for case in export.cases
        ), f"no case submits the form on {path}"

    for case in export.cases:
        if "navigation" not in case.tags:
            continue
        click = next(step for step in case.steps if step.action == "click")
        assert click.target is not None
        outcome = elements[(click.target.page_url, click.target.element_key)][2]
        assert outcome and outcome["kind"] == "navigation", f"{case.title}: link without observed outcome"
        expected_urls = [x.value for x in case.expected if x.kind == "url"]
        assert expected_urls == [outcome["url"]], (
            f"{case.title}: expects {expected_urls}, observed {outcome['url']}"
        )
        if outcome.get("heading"):
            assert outcome["heading"] in [x.value for x in case.expected if x.kind == "heading"]
    contacts = [c for c in export.cases if any(s.target and s.target.name == "Контакты" for s in c.steps)]
    assert any(x.kind == "heading" and x.value == "Контакты" for x in contacts[0].expected)
    return export


def assert_xlsx_matches(xlsx: bytes, export: PlanExport) -> None:
    workbook = load_workbook(io.BytesIO(xlsx))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes is not None
    title_column = header.index("Title") + 1
    titles = [sheet.cell(row=row, column=title_column).value for row in range(2, sheet.max_row + 1)]
    assert [t for t in titles if t] == [case.title for case in export.cases]
    assert sheet.max_row - 1 == sum(max(1, len(case.steps)) for case in export.cases)


def assert_pdf_has_titles(pdf: bytes, export: PlanExport, tmp_path: Path) -> None:
    path = tmp_path / f"plan-{export.id}.pdf"
    path.write_bytes(pdf)
    text = collapse(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    )
    # Long titles wrap anywhere (URLs mid-token): compare with all whitespace removed.
    squeezed = re.sub(r"\s+", "", text)
    missing = [case.title for case in export.cases if re.sub(r"\s+", "", case.title) not in squeezed]
    assert not missing, f"PDF lacks case titles: {missing[:5]}"
    assert any(re.search("[а-яА-Я]", case.title) for case in export.cases), "expected Cyrillic titles"


def assert_model_ran(database_url: str, plan_id: int) -> dict[str, int]:
    """Every case went through the real model (whatever it answered): no engine errors, tokens came out."""
    from planwright.db.models import Generation

    with session_scope(database_url) as session:
        rows = session.execute(
            select(
                Generation.finish_reason, Generation.completion_tokens, Generation.accepted, Generation.error
            ).where(Generation.plan_id == plan_id)
        ).all()
    assert rows, "no generation was recorded"
    broken = [error for reason, _tokens, _accepted, error in rows if reason not in ("stop", "length")]
    assert not broken, f"{len(broken)} of {len(rows)} generations failed: {broken[:2]}"
    assert sum(tokens for _reason, tokens, _accepted, _error in rows) > 0
    return {"generations": len(rows), "accepted": sum(bool(accepted) for *_, accepted, _error in rows)}


def assert_edge_proposals_settled(database_url: str, plan_id: int, plan: dict[str, Any]) -> dict[str, int]:
    """The model was asked for edge cases on the pages with forms; every grounded proposal was executed
    and has a result; each kept one is a verified case tagged model-proposed, the others are not cases."""
    from planwright.db.models import Generation

    with session_scope(database_url) as session:
        asked = session.scalars(
            select(Generation.request_id).where(
                Generation.plan_id == plan_id, Generation.request_id.like("%-edge%")
            )
        ).all()
    assert asked, "the model was never asked for edge cases"
    proposals = plan["edge_proposals"]
    assert all(p["result"] for p in proposals), [p for p in proposals if not p["result"]]
    kept = [p for p in proposals if p["result"] == "kept"]
    proposed_cases = [c for c in plan["cases"] if "model-proposed" in c["tags"]]
    assert len(proposed_cases) == len(kept), (len(proposed_cases), proposals)
    for case in proposed_cases:
        assert case["verification"]["status"] == "verified", (case["title"], case["verification"])
    return {"edge_asks": len(asked), "edge_proposals": len(proposals), "edge_kept": len(kept)}
