from __future__ import annotations

import csv
import io
from itertools import groupby

from planwright.exports.xray import COLUMNS, to_xray_csv
from planwright.schemas import PlanExport
from tests.exports.conftest import CONTACTS_TITLE, HYPERLINK_TITLE, TOTAL_STEPS


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_columns_and_one_row_per_step(plan: PlanExport) -> None:
    data = to_xray_csv(plan)
    assert not data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert tuple(header) == COLUMNS
    for required in ("Test ID", "Summary", "Priority", "Action", "Data", "Result", "Description",
                     "Labels", "Test Type"):
        assert required in header
    rows = _rows(data)
    assert len(rows) == TOTAL_STEPS
    assert all(row["Test Type"] == "Manual" for row in rows)


def test_rows_grouped_by_test_id(plan: PlanExport) -> None:
    rows = _rows(to_xray_csv(plan))
    groups = [(key, list(group)) for key, group in groupby(rows, key=lambda row: row["Test ID"])]
    assert [key for key, _ in groups] == ["TC-101", "TC-102", "TC-103", "TC-104", "TC-105"]
    first_key, contacts = groups[0]
    assert contacts[0]["Summary"] == CONTACTS_TITLE
    assert contacts[0]["Priority"] == "High"
    assert contacts[0]["Labels"] == "навигация;smoke_test"
    assert "Пользователь не авторизован" in contacts[0]["Description"]
    assert "Проверка: проверен" in contacts[0]["Description"]
    assert contacts[1]["Summary"] == contacts[1]["Description"] == ""
    assert contacts[0]["Data"] == "https://example.test/"
    assert contacts[0]["Result"] == ""
    assert contacts[1]["Result"].startswith("1. Открыта страница /contacts")


def test_formula_injection_neutralised(plan: PlanExport) -> None:
    rows = _rows(to_xray_csv(plan))
    assert "'" + HYPERLINK_TITLE in [row["Summary"] for row in rows]
    assert "'+7 (999) 000-00-00" in [row["Data"] for row in rows]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
