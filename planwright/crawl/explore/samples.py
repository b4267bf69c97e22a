"""The values the explorer types and chooses, as data: a valid sample per field, an invalid one where
the field's type can be violated, a search term nothing matches, and a select's option.

Why data: what a field wants is a policy (the next step infers it from the field's markup and the
page's words, `crawl/values.py`); the candidates take a `SampleValues` and never hard-code a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planwright.crawl.explore.state import Known
from planwright.schemas import Element

# Sample values by input type, then by what the field's name suggests; "Test item" otherwise.
SAMPLE_BY_TYPE: dict[str, str] = {
    "email": "qa@example.com",
    "password": "Secret-123",
    "tel": "+1 555 0100",
    "number": "2",
    "url": "https://example.com",
    "date": "2026-01-15",
    "time": "12:30",
    "datetime-local": "2026-01-15T12:30",
    "month": "2026-01",
    "week": "2026-W03",
    "search": "mug",
}
SAMPLE_BY_NAME: list[tuple[str, str]] = [
    (r"e-?mail", "qa@example.com"),
    (r"phone|tel", "+1 555 0100"),
    (r"search|query|filter|find", "mug"),
    (r"quantity|qty|amount|count|number", "2"),
    (r"zip|postal|postcode", "10001"),
    (r"city|town", "Springfield"),
    (r"address|street", "1 Test Street"),
    (r"name", "Alex Tester"),
]
INVALID_BY_TYPE: dict[str, str] = {"email": "not-an-email", "url": "not a url"}


@dataclass(frozen=True)
class SampleValues:
    """Which value goes into which field; replace it to change what the explorer types."""

    by_type: Mapping[str, str] = field(default_factory=lambda: dict(SAMPLE_BY_TYPE))
    by_name: Sequence[tuple[str, str]] = field(default_factory=lambda: list(SAMPLE_BY_NAME))
    invalid_by_type: Mapping[str, str] = field(default_factory=lambda: dict(INVALID_BY_TYPE))
    default_text: str = "Test item"
    default_textarea: str = "Test message"
    number: int = 2  # moved into a number field's min/max
    no_match: str = "zzqx-no-match"  # a search term no real catalogue contains: the "nothing found" state
    edited_suffix: str = " (edited)"  # typed after a field's value when the sample would not change it

    def valid(self, element: Element) -> str:
        """A plausible valid value for a field, from its type first and its name second."""
        input_type = (element.input_type or "").lower()
        if input_type in self.by_type:
            return self.by_type[input_type]
        name = element.name.casefold()
        for pattern, value in self.by_name:
            if re.search(pattern, name):
                return value
        return self.default_textarea if element.kind == "textarea" else self.default_text

    def invalid(self, element: Element) -> str | None:
        """A value the field's type refuses (a malformed email), None where the type has none."""
        return self.invalid_by_type.get(element.input_type or "")

    def number_in_range(self, extra: Mapping[str, Any], wanted: int | None = None) -> str:
        """The sample number, moved into the field's min/max when it has them."""
        low, high = extra.get("min"), extra.get("max")
        value = self.number if wanted is None else wanted
        try:
            if low not in (None, "") and value < float(low):
                value = int(float(low))
            if high not in (None, "") and value > float(high):
                value = int(float(high))
        except ValueError:
            pass
        return str(value)

    def for_field(self, known: Known) -> str:
        """What a form fill types: a number in range (another one if the field holds it), else `valid`."""
        if known.element.input_type == "number":
            value = self.number_in_range(known.extra)
            if value == known.extra.get("value"):
                value = self.number_in_range(known.extra, int(value) + 1)
            return value
        return self.valid(known.element)


DEFAULT_SAMPLES = SampleValues()


def sample_value(element: Element) -> str:
    """The default samples' valid value for a field."""
    return DEFAULT_SAMPLES.valid(element)


def pick_option(known: Known) -> str | None:
    """A real option (not a "Choose..." placeholder), different from the current one where possible."""
    current = known.extra.get("value", "")
    options = [o for o in known.extra.get("options", []) if not o.get("disabled") and o.get("label")]
    real = [o for o in options if o.get("value") != ""]
    if not real:
        return None
    different = [o for o in real if o.get("value") != current]
    return str((different or real)[0]["label"])
