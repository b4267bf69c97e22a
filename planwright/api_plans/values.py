"""Values for requests: one that satisfies a schema (its examples first), and values that break one
rule each (type, enum, range, length, pattern, format).

Why checked by jsonschema: a value this module builds is only used when jsonschema agrees that it is
valid (or, for a violation, that it breaks the schema), so a case never claims "valid data" for data
the document refuses. Patterns are matched by Hypothesis' regex strategy (generation phase only: fast
and deterministic), not by a hand-written regex walker.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

FORMAT_CHECKER = FormatChecker()
SAMPLE_FORMATS: dict[str, Any] = {
    "email": "qa@example.com",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
    "date": "2024-01-15",
    "date-time": "2024-01-15T10:00:00Z",
    "time": "10:00:00Z",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "cGxhbndyaWdodA==",
    "password": "Secret-123",
}
BROKEN_FORMATS = {
    "email": "not-an-email",
    "uuid": "not-a-uuid",
    "date": "2024-13-45",
    "date-time": "yesterday",
}
MISSING_ID = {"integer": 2_000_000_000, "uuid": "00000000-0000-4000-8000-000000000000"}


def is_valid(value: Any, schema: Any) -> bool:
    try:
        return Draft202012Validator(schema, format_checker=FORMAT_CHECKER).is_valid(value)
    except (SchemaError, TypeError, re.error):
        return False


def schema_type(schema: Any) -> str | None:
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), None)
    if kind is None:
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        if "enum" in schema and schema["enum"]:
            return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
                type(schema["enum"][0])
            )
    return kind if isinstance(kind, str) else None


def merged(schema: Any) -> dict[str, Any]:
    """allOf folded into one object schema (properties and required united), anyOf/oneOf by their first
    branch: what a request built from it must satisfy."""
    if not isinstance(schema, dict):
        return {}
    out = {k: v for k, v in schema.items() if k not in ("allOf", "anyOf", "oneOf")}
    parts = list(schema.get("allOf") or [])
    for key in ("anyOf", "oneOf"):
        branches = [b for b in schema.get(key) or [] if schema_type(b) != "null"]
        if branches:
            parts.append(branches[0])
    for part in parts:
        part = merged(part)
        for key, value in part.items():
            if key == "properties":
                out["properties"] = {**out.get("properties", {}), **value}
            elif key == "required":
                out["required"] = sorted({*out.get("required", []), *value})
            else:
                out.setdefault(key, value)
    return out


def valid_value(schema: Any, *, depth: int = 0) -> Any:
    """A value the schema accepts: its example, default, const or first enum value, else one built from
    its type and bounds."""
    schema = merged(schema)
    for key in ("example", "default"):
        if key in schema and is_valid(schema[key], schema):
            return schema[key]
    if (
        isinstance(schema.get("examples"), list)
        and schema["examples"]
        and is_valid(schema["examples"][0], schema)
    ):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema_type(schema)
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        count = min(count, int(schema.get("maxItems", count)))
        item = valid_value(schema.get("items") or {}, depth=depth + 1) if depth < 6 else None
        return [item] * count if not schema.get("uniqueItems") or count <= 1 else [item]
    if kind == "object" or depth == 0:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        value = {}
        for name, sub in properties.items():
            if name in required or (isinstance(sub, dict) and ("example" in sub or "default" in sub)):
                if depth < 6 and not (isinstance(sub, dict) and sub.get("readOnly")):
                    value[name] = valid_value(sub, depth=depth + 1)
        for name in required - set(properties):
            value[name] = "value"
        return value
    return "value"


def _string(schema: dict[str, Any]) -> str:
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    fmt = schema.get("format")
    if fmt in SAMPLE_FORMATS and "pattern" not in schema:
        return str(SAMPLE_FORMATS[fmt])
    if "pattern" in schema:
        found = pattern_value(str(schema["pattern"]), low, high)
        if found is not None:
            return found
    text = "sample"
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None and len(text) > int(high):
        text = text[: int(high)]
    return text


@lru_cache(maxsize=4096)
def pattern_value(pattern: str, low: int = 0, high: int | None = None) -> str | None:
    """A string matching `pattern` within the length bounds (Hypothesis' regex strategy), or None;
    cached, since a large document repeats its patterns across operations."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis import strategies as st

    quick = settings(
        database=None, derandomize=True, max_examples=30, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck), deadline=None,
    )  # fmt: skip
    try:
        strategy = st.from_regex(pattern)
        found: str = find(
            strategy,
            lambda text: low <= len(text) <= (high if high is not None else 10**6) and "\n" not in text,
            settings=quick,
        )
        return found
    except Exception:  # no example within the bounds, or a pattern Python's re cannot read
        return None


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    step = schema.get("multipleOf")
    value: float = 1
    if low is not None:
        value = low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
        if high is not None and value > high:
            value = (low + high) / 2
    elif high is not None:
        value = min(1, high - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0))
    if step:
        value = (int(value // step) + (1 if value % step else 0)) * step
    return int(value) if kind == "integer" else float(value)


def violations(schema: Any) -> list[tuple[str, str, Any]]:
    """(rule, words, value) for each rule of the schema a value can break; each value is confirmed
    invalid by jsonschema (a rule whose breach the schema tolerates is left out)."""
    schema = merged(schema)
    kind = schema_type(schema)
    found: list[tuple[str, str, Any]] = []
    wrong_type = {"string": 12345, "integer": "not-a-number", "number": "not-a-number", "boolean": "not-a-boolean",
                  "array": "not-an-array", "object": "not-an-object"}  # fmt: skip
    if kind in wrong_type:
        found.append(("type", f"not of type {kind}", wrong_type[kind]))
    if schema.get("enum"):
        outside = "planwright-not-listed" if kind in (None, "string") else 987654321
        found.append(("enum", f"not one of {', '.join(map(str, schema['enum'][:5]))}", outside))
    for bound, words, delta in (("minimum", "below the minimum", -1), ("maximum", "above the maximum", 1)):
        if isinstance(schema.get(bound), int | float) and kind in ("integer", "number"):
            found.append((bound, f"{words} {schema[bound]}", schema[bound] + delta))
    for bound, delta in (("exclusiveMinimum", 0), ("exclusiveMaximum", 0)):
        if isinstance(schema.get(bound), int | float) and kind in ("integer", "number"):
            found.append((bound, f"equal to the exclusive bound {schema[bound]}", schema[bound] + delta))
    if kind == "string":
        if int(schema.get("minLength", 0)) > 0:
            found.append(
                (
                    "minLength",
                    f"shorter than {schema['minLength']} characters",
                    "x" * (int(schema["minLength"]) - 1),
                )
            )
        if schema.get("maxLength") is not None:
            found.append(
                (
                    "maxLength",
                    f"longer than {schema['maxLength']} characters",
                    "x" * (int(schema["maxLength"]) + 1),
                )
            )
        if schema.get("pattern"):
            pattern = str(schema["pattern"])
            for candidate in ("!@#", "planwright ~ not matching", "0", "a", ""):
                if _not_matching(pattern, candidate):
                    found.append(("pattern", f"not matching {pattern}", candidate))
                    break
        if schema.get("format") in BROKEN_FORMATS:
            found.append(("format", f"not a valid {schema['format']}", BROKEN_FORMATS[schema["format"]]))
    if kind == "array" and int(schema.get("minItems", 0)) > 0:
        found.append(("minItems", f"fewer than {schema['minItems']} items", []))
    return [(rule, words, value) for rule, words, value in found if not is_valid(value, schema)]


def _not_matching(pattern: str, candidate: str) -> bool:
    try:
        return re.search(pattern, candidate) is None
    except re.error:
        return False


def missing_id(schema: Any) -> Any:
    """A path id that no instance holds: far beyond any counter, a nil-like UUID, a made-up name."""
    schema = merged(schema)
    kind = schema_type(schema)
    if kind == "integer":
        candidate: Any = MISSING_ID["integer"]
        if isinstance(schema.get("maximum"), int):
            candidate = schema["maximum"]
        return candidate
    if schema.get("format") == "uuid":
        return MISSING_ID["uuid"]
    if schema.get("pattern"):
        found = pattern_value(
            str(schema["pattern"]), int(schema.get("minLength", 0)), schema.get("maxLength")
        )
        return found if found is not None else "planwright-missing-0"
    return "planwright-missing-0"
