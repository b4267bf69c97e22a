"""TestRail CSV export for the "Test Case (Steps)" template, steps-separated, one row per step.

Layout followed: TestRail's CSV import wizard (Test Cases > Import > "Import from CSV"), step
"Map Columns & Row Layout" with **"Test cases use multiple rows"**, the new-case column set to the
first column, **Title**, and the template **"Test Case (Steps)"** (separated steps, field
``custom_steps_separated``). The column names are the ones TestRail itself writes when it exports
that template to CSV: ``Title, Section, Priority, Preconditions, Steps (Step), Steps (Expected
Result)``, so the wizard's mapping step can match them by name.

* The first row of a case carries Title, Section, Priority and Preconditions; the following rows
  leave them empty (a non-empty Title is what starts a new case in the multiple-rows layout).
* Every row carries one separated step: "Steps (Step)" (the step sentence, the Playwright locator
  and the data) and "Steps (Expected Result)". Our expected results are case-level, so they sit
  on the case's last step and the other steps' expected results are empty.
* Section is the case's page URL, so cases are grouped by page. Priority is written as TestRail's
  default priority names (High, Medium, Low); the wizard's "Map Values" step maps them if a
  project renamed its priorities.
* UTF-8 with a byte-order mark, so Excel opens the Cyrillic text correctly; comma-separated, CRLF
  line ends, multi-line cells quoted. Choose UTF-8 as the file encoding in the wizard.

Not confirmed against TestRail's current documentation (it could not be consulted here): the
exact wording of the wizard options, and whether the wizard strips the BOM. One public script
that drives the wizard shows the first header as "ï»¿Title", i.e. the BOM leaking into the
column name; if that happens, map that column to Title by hand, or call ``to_testrail_csv(plan,
bom=False)``. Every cell is formula-safe (see ``cells.safe_cell``).
"""

from __future__ import annotations

import csv
import io

from planwright.exports.cells import safe_text
from planwright.exports.common import expected_block, step_instruction, step_rows
from planwright.schemas import PlanExport, Priority

COLUMNS: tuple[str, ...] = (
    "Title",
    "Section",
    "Priority",
    "Preconditions",
    "Steps (Step)",
    "Steps (Expected Result)",
)

PRIORITY_NAMES: dict[Priority, str] = {"high": "High", "medium": "Medium", "low": "Low"}
"""Our priorities mapped onto TestRail's default priority names."""


def to_testrail_csv(plan: PlanExport, *, bom: bool = True) -> bytes:
    """Render the plan as a TestRail multi-row CSV (one row per separated step)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in step_rows(plan):
        case, step = row.case, row.step
        first = row.first
        writer.writerow(
            safe_text(value)
            for value in (
                case.title if first else "",
                case.page_url if first else "",
                PRIORITY_NAMES[case.priority] if first else "",
                "\n".join(case.preconditions) if first else "",
                step_instruction(step, plan.language, with_data=True) if step else "",
                expected_block(case) if row.last and case.expected else "",
            )
        )
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8")
