"""Plan exports: pure functions ``PlanExport -> bytes``, one per format, found through ``EXPORTS``.

Each format is an ``ExportFormat`` in the registry; the API and the CLI only call
``render_export(plan, key)``. To add a format (e.g. Playwright code as "py" or "spec.ts"), write
its ``render`` function and call ``register_export(ExportFormat(...))`` from its module, or add it
to ``_BUILTIN`` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planwright.exports.gherkin import to_gherkin
from planwright.exports.json_export import to_json
from planwright.exports.pdf import to_pdf
from planwright.exports.testrail import to_testrail_csv
from planwright.exports.xlsx import to_xlsx
from planwright.exports.xray import to_xray_csv
from planwright.schemas import PlanExport


@dataclass(frozen=True)
class ExportFormat:
    """One export: its key (``name``), file extension, HTTP media type and renderer."""

    name: str
    extension: str
    media_type: str
    render: Callable[[PlanExport], bytes]
    description: str


class UnknownExportFormat(ValueError):
    """Raised for a format key that is not in ``EXPORTS``; the message lists the known keys."""


EXPORTS: dict[str, ExportFormat] = {}


def register_export(export: ExportFormat) -> ExportFormat:
    """Add a format to the registry; a key can be registered once, so two formats never collide."""
    if export.name in EXPORTS:
        raise ValueError(f"export format {export.name!r} is already registered")
    EXPORTS[export.name] = export
    return export


_BUILTIN: tuple[ExportFormat, ...] = (
    ExportFormat(
        name="xlsx",
        extension="xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        render=to_xlsx,
        description="Excel workbook: one row per step, plan summary on a second sheet.",
    ),
    ExportFormat(
        name="pdf",
        extension="pdf",
        media_type="application/pdf",
        render=to_pdf,
        description="A4 report: plan header, summary and every case with its steps and expected results.",
    ),
    ExportFormat(
        name="json",
        extension="json",
        media_type="application/json",
        render=to_json,
        description="The full plan as JSON (the PlanExport schema).",
    ),
    ExportFormat(
        name="testrail.csv",
        extension="testrail.csv",
        media_type="text/csv; charset=utf-8",
        render=to_testrail_csv,
        description="TestRail CSV import, template 'Test Case (Steps)', one row per step.",
    ),
    ExportFormat(
        name="xray.csv",
        extension="xray.csv",
        media_type="text/csv; charset=utf-8",
        render=to_xray_csv,
        description="Jira Xray Test Case Importer CSV: manual tests, one row per step.",
    ),
    ExportFormat(
        name="feature",
        extension="feature",
        media_type="text/plain; charset=utf-8",
        render=to_gherkin,
        description="Gherkin .feature file: one Scenario per case, in the plan's language.",
    ),
)


def _to_pytest(plan: PlanExport) -> bytes:
    if plan.kind == "api":  # requests and schema checks with httpx, no browser
        from planwright.codegen.api_python import to_api_pytest

        return to_api_pytest(plan)
    from planwright.codegen import to_pytest

    return to_pytest(plan)


def _to_playwright_spec(plan: PlanExport) -> bytes:
    from planwright.codegen import to_playwright_spec

    return to_playwright_spec(plan)


_BUILTIN += (
    ExportFormat(
        name="py",
        extension="py",
        media_type="text/x-python; charset=utf-8",
        render=_to_pytest,
        description="Runnable pytest file: one test per verified case (Playwright for ui plans, httpx for api plans).",
    ),
    ExportFormat(
        name="spec.ts",
        extension="spec.ts",
        media_type="text/plain; charset=utf-8",
        render=_to_playwright_spec,
        description="Playwright Test spec (TypeScript): one test per verified case.",
    ),
)

for _export in _BUILTIN:
    register_export(_export)


def render_export(plan: PlanExport, fmt: str) -> tuple[bytes, str, str]:
    """Render ``plan`` in format ``fmt``; returns (content, media type, filename ``plan-<id>.<ext>``)."""
    export = EXPORTS.get(fmt)
    if export is None:
        raise UnknownExportFormat(f"unknown export format {fmt!r}; known: {', '.join(sorted(EXPORTS))}")
    return export.render(plan), export.media_type, f"plan-{plan.id}.{export.extension}"


__all__ = ["EXPORTS", "ExportFormat", "UnknownExportFormat", "register_export", "render_export"]
