"""Excel workbook export: one row per step, ready for filtering in Excel and for spreadsheet importers.

Layout, and why:

* Sheet "Cases" comes first, because importers (and people) read the first sheet. Sheet "Plan"
  holds the header block: URL, date, model, device and the summary counts.
* One row per step. "Case ID" is repeated on every row, so sorting or filtering never orphans a
  step. The other case-level columns (Title, Page, Preconditions, Priority, Source, Verification)
  are filled on the case's first row only: multi-row importers (TestRail, Zephyr, Qase) start a new
  case at each non-empty Title, so repeating it would turn every step into a case of its own.
* Expected results go on the case's last step row: they describe what that final action leads
  to (see ``common``), and step-level "expected result" fields take them from there.
* Every text cell passes through ``safe_cell``: crawled or generated text never becomes a formula.
"""

from __future__ import annotations

from datetime import UTC
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planwright.exports.cells import safe_cell
from planwright.exports.common import (
    LABELS,
    expected_block,
    format_created,
    locator_text,
    step_rows,
    summarize,
    target_label,
)
from planwright.schemas import PlanExport, TestCaseData

CASE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Case ID", 10),
    ("Title", 40),
    ("Page", 32),
    ("Preconditions", 30),
    ("Step #", 7),
    ("Action", 42),
    ("Target (role + name)", 28),
    ("Locator", 40),
    ("Data", 22),
    ("Expected result", 45),
    ("Priority", 10),
    ("Source", 10),
    ("Verification", 24),
)
"""Header text and column width (in Excel character units) of the cases sheet."""

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_BAND_FILL = PatternFill("solid", fgColor="F2F2F2")
_CASE_BORDER = Border(top=Side(style="thin", color="A6A6A6"))
_WRAP = Alignment(wrap_text=True, vertical="top")


def _cell_value(value: Any) -> Any:
    """Make a value safe to store: no formula triggers, no control characters Excel rejects."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


def _verification_text(case: TestCaseData) -> str:
    verification = case.verification
    return f"{verification.status}: {verification.detail}" if verification.detail else verification.status


def _write_cases(sheet: Worksheet, plan: PlanExport) -> None:
    sheet.append([name for name, _ in CASE_COLUMNS])
    for column, (_, width) in enumerate(CASE_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        header = sheet.cell(row=1, column=column)
        header.font = _HEADER_FONT
        header.fill = _HEADER_FILL
        header.alignment = _WRAP

    case_index = 0
    for row in step_rows(plan):
        case, step = row.case, row.step
        if row.first:
            case_index += 1
        values: list[Any] = [
            row.key,
            case.title if row.first else None,
            case.page_url if row.first else None,
            "\n".join(case.preconditions) if row.first else None,
            step.n if step else None,
            step.text if step else None,
            target_label(step.target) if step else None,
            locator_text(step.target) if step else None,
            step.data if step else None,
            expected_block(case) if row.last and case.expected else None,
            case.priority if row.first else None,
            case.source if row.first else None,
            _verification_text(case) if row.first else None,
        ]
        sheet.append([_cell_value(value) if value != "" else None for value in values])
        excel_row = sheet.max_row
        for column in range(1, len(CASE_COLUMNS) + 1):
            cell = sheet.cell(row=excel_row, column=column)
            cell.alignment = _WRAP
            if case_index % 2 == 0:
                cell.fill = _BAND_FILL  # alternate cases shaded so a case's rows read as one block
            if row.first and excel_row > 2:
                cell.border = _CASE_BORDER

    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(CASE_COLUMNS))}{max(sheet.max_row, 1)}"


def _write_plan(sheet: Worksheet, plan: PlanExport) -> None:
    labels = LABELS["en"]  # header labels stay English: the column names of the cases sheet are too
    counts = summarize(plan)
    rows: list[tuple[str, Any]] = [
        ("Plan ID", plan.id),
        (labels["url"], plan.url),
        (labels["date"], format_created(plan.created_at)),
        (labels["language"], plan.language),
        (labels["status"], plan.status),
        (labels["model"], plan.model_id or ""),
        (labels["device"], plan.device or ""),
        ("", ""),
        (labels["summary"], ""),
        (labels["cases"], counts.cases),
        (labels["steps"], counts.steps),
        (labels["from_model"], counts.from_model),
        (labels["from_skeleton"], counts.from_skeleton),
        (labels["verified"], counts.verified),
        (labels["failed"], counts.failed),
        (labels["not_executable"], counts.not_executable),
        (labels["pending"], counts.pending),
    ]
    for name, value in rows:
        sheet.append([name or None, _cell_value(value) if value != "" else None])
        sheet.cell(row=sheet.max_row, column=1).font = (
            Font(bold=True, size=12) if name == labels["summary"] else _HEADER_FONT
        )
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 70
    for row in sheet.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _write_changes(sheet: Worksheet, plan: PlanExport) -> None:
    """A target's run: what changed since the previous run, one row per change."""
    headers = (("Section", 14), ("Change", 16), ("Subject", 50), ("Detail", 80))
    sheet.append([name for name, _ in headers])
    for column, (_, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.cell(row=1, column=column).font = _HEADER_FONT
        sheet.cell(row=1, column=column).fill = _HEADER_FILL
    for change in plan.changes or []:
        sheet.append([_cell_value(v) for v in (change.section, change.what, change.subject, change.detail)])
        for column in range(1, len(headers) + 1):
            sheet.cell(row=sheet.max_row, column=column).alignment = _WRAP
    sheet.freeze_panes = "A2"


def to_xlsx(plan: PlanExport) -> bytes:
    """Render the plan as an .xlsx workbook (sheets "Cases" and "Plan", and "Changes" for a target's run)."""
    workbook = Workbook()
    cases = workbook.active
    assert cases is not None
    cases.title = "Cases"
    _write_cases(cases, plan)
    _write_plan(workbook.create_sheet("Plan"), plan)
    if plan.changes is not None:
        _write_changes(workbook.create_sheet("Changes"), plan)

    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("", f"Test plan {plan.id}: {plan.url}")[:250]
    workbook.properties.creator = "Planwright"
    created = plan.created_at
    if created.tzinfo is not None:  # Excel metadata has no time zones: store UTC
        created = created.astimezone(UTC).replace(tzinfo=None)
    workbook.properties.created = created
    workbook.properties.modified = created

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
