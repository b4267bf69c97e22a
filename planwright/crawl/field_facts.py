"""Read a live page's fields as `FieldFacts`, so `values_for` can choose what to type into them.

The extractor records a field's kind, type and name, not the attributes that decide what the field
accepts (pattern, min/max/step, lengths, inputmode) nor the words around it; this reads them for the
elements it (or the actionable scan) marked, together with the page's language and the words the site
shows, which make a search term that finds something. Read-only: it never types or clicks.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from planwright.browser.scripts import KEY_ATTRIBUTE, READ_FIELDS_JS
from planwright.crawl.values import FieldFacts

# Input types that take typed text; checkboxes, radios, files, buttons and hidden inputs do not.
TYPED_INPUT_TYPES = (
    "text", "search", "email", "tel", "url", "password", "number", "range", "date", "time",
    "datetime-local", "month", "week", "color",
)  # fmt: skip


def read_field_facts(
    page: Page, *, attribute: str = KEY_ATTRIBUTE, language: str | None = None
) -> dict[str, FieldFacts]:
    """FieldFacts of every typed field marked with `attribute`, keyed by the attribute's value.

    `language` (the plan's) wins over the page's `<html lang>`; the default attribute is the
    extractor's key, and the actionable scan's REF_ATTRIBUTE reads interaction-group fields."""
    raw: dict[str, Any] = page.evaluate(
        READ_FIELDS_JS, {"attribute": attribute, "typedTypes": list(TYPED_INPUT_TYPES)}
    )
    page_language = language or raw["language"]
    return {
        key: FieldFacts.model_validate({**facts, "page_language": page_language, "site_words": raw["words"]})
        for key, facts in raw["fields"].items()
    }
