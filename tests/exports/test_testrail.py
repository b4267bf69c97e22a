from __future__ import annotations

import csv
import io

from planwright.exports.testrail import COLUMNS, to_testrail_csv
from planwright.schemas import PlanExport
from tests.exports.conftest import CONTACTS_TITLE, HYPERLINK_TITLE, PLUS_TITLE, SUM_TITLE, TOTAL_STEPS


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_bom_header_and_one_row_per_step(plan: PlanExport) -> None:
    data = to_testrail_csv(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    assert not to_testrail_csv(plan, bom=False).startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(next(reader)) == COLUMNS
    assert COLUMNS == (
        "Title", "Section", "Priority", "Preconditions", "Steps (Step)", "Steps (Expected Result)",
    )
    assert len(_rows(data)) == TOTAL_STEPS


def test_case_fields_on_first_row_steps_on_every_row(plan: PlanExport) -> None:
    rows = _rows(to_testrail_csv(plan))
    first, second = rows[0], rows[1]
    assert first["Title"] == CONTACTS_TITLE
    assert first["Priority"] == "High"
    assert first["Section"] == "https://example.test/"
    assert first["Preconditions"] == "Пользователь не авторизован\nОткрыт браузер"
    assert second["Title"] == second["Section"] == second["Priority"] == second["Preconditions"] == ""
    assert all(row["Steps (Step)"] for row in rows)
    assert first["Steps (Expected Result)"] == ""
    assert second["Steps (Expected Result)"] == (
        "1. Открыта страница /contacts (url: https://example.test/contacts)\n"
        "2. Показан заголовок «Контакты»"
    )
    assert second["Steps (Step)"] == 'Нажать ссылку «Контакты»\nЛокатор: get_by_role("link", name="Контакты")'
    # new cases start exactly where the Title is non-empty
    assert sum(bool(row["Title"]) for row in rows) == len(plan.cases)


def test_formula_injection_neutralised(plan: PlanExport) -> None:
    rows = _rows(to_testrail_csv(plan))
    titles = [row["Title"] for row in rows if row["Title"]]
    assert "'" + HYPERLINK_TITLE in titles
    assert "'" + PLUS_TITLE in titles
    assert "'" + SUM_TITLE in titles
    assert "'-1 в корзине" in [row["Preconditions"] for row in rows]
    assert "'-2+3 на экране" in [row["Steps (Expected Result)"] for row in rows]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
