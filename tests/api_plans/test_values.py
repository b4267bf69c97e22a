"""Values: a valid one is valid by jsonschema, each violation breaks its rule."""

from __future__ import annotations

import pytest

from planwright.api_plans.values import is_valid, missing_id, valid_value, violations

SCHEMAS = [
    {"type": "string", "pattern": r"^[A-Z]{3}-[0-9]{3}$"},
    {"type": "string", "minLength": 5, "maxLength": 8},
    {"type": "string", "format": "email"},
    {"type": "integer", "minimum": 10, "maximum": 20, "multipleOf": 3},
    {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    {"type": "string", "enum": ["a", "b"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 2},
    {"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
               {"type": "object", "required": ["b"], "properties": {"b": {"type": "string", "format": "date"}}}]},
    {"type": ["string", "null"], "maxLength": 3},
]  # fmt: skip


@pytest.mark.parametrize("schema", SCHEMAS)
def test_a_valid_value_satisfies_the_schema(schema: dict) -> None:
    assert is_valid(valid_value(schema), schema)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_every_violation_breaks_the_schema(schema: dict) -> None:
    found = violations(schema)
    assert found, "each of these schemas has a rule to break"
    for _rule, _words, value in found:
        assert not is_valid(value, schema)


def test_violations_name_their_rules() -> None:
    rules = [
        rule for rule, _, _ in violations({"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^a"})
    ]
    assert rules == ["type", "minLength", "maxLength", "pattern"]


def test_examples_come_first_and_a_missing_id_is_valid_but_unlikely() -> None:
    assert valid_value({"type": "integer", "example": 42, "minimum": 1}) == 42
    assert valid_value({"type": "integer", "example": -1, "minimum": 1}) == 1  # an example the schema refuses
    assert missing_id({"type": "integer", "minimum": 1}) == 2_000_000_000
    assert missing_id({"type": "string", "format": "uuid"}).startswith("00000000")
