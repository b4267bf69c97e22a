from __future__ import annotations

import pytest

from planwright.exports import EXPORTS, ExportFormat, UnknownExportFormat, register_export, render_export
from planwright.exports.common import step_rows
from planwright.schemas import PlanExport, TestCaseData


def test_registry_has_the_builtin_formats() -> None:
    assert {"xlsx", "pdf", "json", "testrail.csv", "xray.csv", "feature"} <= set(EXPORTS)
    for key, export in EXPORTS.items():
        assert export.name == key and export.media_type and export.description


@pytest.mark.parametrize("fmt", ["xlsx", "json", "testrail.csv", "xray.csv", "feature"])
def test_render_export_names_the_file(plan: PlanExport, fmt: str) -> None:
    content, media_type, filename = render_export(plan, fmt)
    assert content
    assert media_type == EXPORTS[fmt].media_type
    assert filename == f"plan-7.{fmt}"


def test_unknown_format_lists_known_ones(plan: PlanExport) -> None:
    with pytest.raises(UnknownExportFormat, match="xlsx"):
        render_export(plan, "docx")


def test_register_export_extends_and_refuses_duplicates(plan: PlanExport) -> None:
    extra = ExportFormat(
        name="txt", extension="txt", media_type="text/plain", render=lambda p: p.url.encode(),
        description="test only",
    )
    register_export(extra)
    try:
        assert render_export(plan, "txt") == (b"https://example.test/", "text/plain", "plan-7.txt")
        with pytest.raises(ValueError, match="already registered"):
            register_export(extra)
    finally:
        del EXPORTS["txt"]


def test_case_without_steps_keeps_one_row(plan: PlanExport) -> None:
    plan.cases.append(TestCaseData(page_url=plan.url, title="No steps", steps=[], expected=[]))
    rows = [row for row in step_rows(plan) if row.case.title == "No steps"]
    assert len(rows) == 1 and rows[0].step is None and rows[0].first and rows[0].last
    assert rows[0].key == "TC-6"
    for fmt in EXPORTS:
        assert render_export(plan, fmt)[0]
