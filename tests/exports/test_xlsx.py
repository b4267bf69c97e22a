from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook, load_workbook

from planwright.exports.xlsx import CASE_COLUMNS, to_xlsx
from planwright.schemas import PlanExport
from tests.exports.conftest import (
    CONTACTS_TITLE,
    HYPERLINK_TITLE,
    PLUS_TITLE,
    SCRIPT_TITLE,
    SUM_TITLE,
    TOTAL_STEPS,
)


def _load(plan: PlanExport) -> Workbook:
    return load_workbook(BytesIO(to_xlsx(plan)))


def _column(name: str) -> int:
    return [header for header, _ in CASE_COLUMNS].index(name) + 1


def test_one_row_per_step_with_header(plan: PlanExport) -> None:
    workbook = _load(plan)
    assert workbook.sheetnames == ["Cases", "Plan"]
    sheet = workbook["Cases"]
    assert [cell.value for cell in sheet[1]] == [header for header, _ in CASE_COLUMNS]
    assert sheet.max_row == 1 + TOTAL_STEPS
    case_ids = [sheet.cell(row=row, column=1).value for row in range(2, sheet.max_row + 1)]
    assert case_ids == ["TC-101"] * 2 + ["TC-102"] * 3 + ["TC-103"] * 2 + ["TC-104"] * 2 + ["TC-105"]


def test_header_frozen_bold_filtered_and_sized(plan: PlanExport) -> None:
    sheet = _load(plan)["Cases"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.auto_filter.ref == f"A1:M{1 + TOTAL_STEPS}"
    for letter, (_, width) in zip("ABCDEFGHIJKLM", CASE_COLUMNS, strict=True):
        assert sheet.column_dimensions[letter].width == width
    assert sheet.cell(row=2, column=_column("Title")).alignment.wrap_text


def test_case_columns_on_first_row_expected_on_last(plan: PlanExport) -> None:
    sheet = _load(plan)["Cases"]
    title, expected, step_no = _column("Title"), _column("Expected result"), _column("Step #")
    assert sheet.cell(row=2, column=title).value == CONTACTS_TITLE
    assert sheet.cell(row=3, column=title).value is None
    assert sheet.cell(row=2, column=expected).value is None
    assert sheet.cell(row=3, column=expected).value.startswith("1. Открыта страница /contacts")
    # steps stored out of order come out sorted by n
    assert [sheet.cell(row=row, column=step_no).value for row in (4, 5, 6)] == [1, 2, 3]
    assert sheet.cell(row=3, column=_column("Target (role + name)")).value == 'link "Контакты"'
    assert sheet.cell(row=3, column=_column("Locator")).value == 'get_by_role("link", name="Контакты")'


def test_formula_injection_is_stored_as_quoted_text(plan: PlanExport) -> None:
    sheet = _load(plan)["Cases"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value}
    for raw in (HYPERLINK_TITLE, PLUS_TITLE, SUM_TITLE, "=1+1", "+7 (999) 000-00-00", "-1 в корзине"):
        cell = cells["'" + raw]
        assert cell.data_type == "s", raw
    texts = [cell.value for cell in cells.values() if isinstance(cell.value, str)]
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
    assert cells[SCRIPT_TITLE].data_type == "s"
    assert cells["failed: =cmd|' /C calc'!A0 timed out"].data_type == "s"


def test_plan_sheet_has_header_and_summary(plan: PlanExport) -> None:
    sheet = _load(plan)["Plan"]
    values = {row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value}
    assert values["URL"] == plan.url
    assert values["Created"] == "2024-05-01 12:30 UTC"
    assert values["Model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert values["Device"] == "cpu"
    assert (values["Cases"], values["From model"], values["From skeleton"]) == (5, 3, 2)
    assert (values["Verified"], values["Failed"], values["Steps"]) == (2, 1, TOTAL_STEPS)


def test_control_characters_do_not_break_the_workbook(plan: PlanExport) -> None:
    plan.cases[0].title = "Контакты\x00\x07"
    sheet = _load(plan)["Cases"]
    assert sheet.cell(row=2, column=2).value == "Контакты"
