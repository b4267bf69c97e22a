"""Jira Xray CSV export for the Test Case Importer: manual tests, one row per step.

Layout followed: Xray's **Test Case Importer** (Xray Cloud: "Importing Tests using Test Case
Importer"; Xray Server/DC 4.x+: "Importing test cases using Test Case Importer"), as shown in the
vendor's public examples (github.com/Xray-App/tutorial-test-case-importer, ``cloud/`` and
``server/``): rows that share a test identifier form one test, the first row of a test carries its
issue fields, and every row carries one step in three columns.

Columns, and the field to map each to in the importer's field-mapping step:

* ``Test ID`` -> Cloud: Xray "Test ID" (``__xray_testId``); Server/DC: "Test Case Identifier".
  Repeated on every row: it is what groups the steps of a test.
* ``Test Type`` -> "Test Type" (``xray_testtype``): always ``Manual``, on every row (as in the
  vendor's examples).
* ``Summary``, ``Description``, ``Priority``, ``Labels`` -> the native Jira fields; first row of
  a test only. Description holds the page URL, the preconditions (as text: Xray's Precondition
  issues are separate issues, not created here), source and verification status. Priority uses
  Jira's default names (High, Medium, Low). Labels are the case tags with spaces replaced by ``_``
  (Jira labels cannot contain spaces), joined with ``;``: set the importer's list delimiter to
  ``;``.
* ``Action``, ``Data``, ``Result`` -> the Xray step fields (``__xray_step_action``,
  ``__xray_step_data``, ``__xray_step_result``). Expected results are case-level in our model,
  so they sit in Result of the test's last step.

File format: UTF-8 without a byte-order mark (a BOM could become part of the first column's name),
comma delimiter (the vendor's examples use ``;``: pick "," as the delimiter in the importer),
quoted multi-line cells. Not confirmed here: whether Xray Cloud accepts a header named "Test ID"
without manual mapping (the examples name it "Issue Id" or "TCID"; the mapping step is manual
either way). Every cell is formula-safe (see ``cells.safe_cell``). Jira wiki markup in crawled text
(``*bold*``, ``[text|url]``) is not escaped: escaping it would alter ordinary text, and Jira renders
it as formatting, never as script.
"""

from __future__ import annotations

import csv
import io
import re

from planwright.exports.cells import safe_text
from planwright.exports.common import LABELS, expected_block, step_instruction, step_rows
from planwright.schemas import Language, PlanExport, Priority, TestCaseData

COLUMNS: tuple[str, ...] = (
    "Test ID",
    "Test Type",
    "Summary",
    "Description",
    "Priority",
    "Labels",
    "Action",
    "Data",
    "Result",
)

PRIORITY_NAMES: dict[Priority, str] = {"high": "High", "medium": "Medium", "low": "Low"}
"""Our priorities mapped onto Jira's default priority names."""

LABEL_DELIMITER = ";"


def _label(tag: str) -> str:
    return re.sub(r"\s+", "_", tag.strip())


def _description(case: TestCaseData, language: Language) -> str:
    labels = LABELS[language]
    lines = [f"{labels['page']}: {case.page_url}"]
    if case.preconditions:
        lines.append(f"{labels['preconditions']}:")
        lines.extend(f"* {condition}" for condition in case.preconditions)
    lines.append(f"{labels['source']}: {labels[case.source + '_source']}")
    verification = case.verification
    detail = f" ({verification.detail})" if verification.detail else ""
    lines.append(f"{labels['verification']}: {labels[verification.status + '_status']}{detail}")
    return "\n".join(lines)


def to_xray_csv(plan: PlanExport) -> bytes:
    """Render the plan as an Xray Test Case Importer CSV (manual tests, one row per step)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in step_rows(plan):
        case, step, first = row.case, row.step, row.first
        labels = LABEL_DELIMITER.join(label for label in map(_label, case.tags) if label)
        writer.writerow(
            safe_text(value)
            for value in (
                row.key,
                "Manual",
                case.title if first else "",
                _description(case, plan.language) if first else "",
                PRIORITY_NAMES[case.priority] if first else "",
                labels if first else "",
                step_instruction(step, plan.language, with_data=False) if step else "",
                step.data if step else "",
                expected_block(case) if row.last and case.expected else "",
            )
        )
    return buffer.getvalue().encode("utf-8")
