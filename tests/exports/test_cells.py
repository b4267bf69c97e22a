from __future__ import annotations

import pytest

from planwright.exports.cells import safe_cell, safe_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Контакты", "Контакты"),
        ("a=b", "a=b"),
        ("", ""),
        (3, 3),
        (None, None),
    ],
)
def test_safe_cell_prefixes_formula_triggers_only(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_safe_text_turns_none_into_empty_cell() -> None:
    assert safe_text(None) == ""
    assert safe_text("=1") == "'=1"
