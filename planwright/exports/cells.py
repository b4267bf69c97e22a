"""Formula-injection guard shared by every spreadsheet-like export (XLSX, TestRail CSV, Xray CSV).

Titles, names and step text come from crawled pages and from the model, so they are untrusted. A
spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, through some
import paths, one that starts with a tab or a carriage return) as a formula: ``=HYPERLINK(...)``
in a test title would become a live link or worse. OWASP's "CSV Injection" advice is followed:
such a value is prefixed with a single quote so it is shown, and stored, as plain text.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP list)."""

_T = TypeVar("_T")


def safe_cell(value: _T) -> _T | str:
    """Neutralise a cell value that a spreadsheet would run as a formula; other values pass unchanged.

    Only text is rewritten: numbers, dates and ``None`` are typed values, never formulas.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_text(value: str | None) -> str:
    """``safe_cell`` for CSV cells, which are always text (``None`` becomes an empty cell)."""
    if value is None:
        return ""
    return str(safe_cell(value))
