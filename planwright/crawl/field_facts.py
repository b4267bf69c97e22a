"""Read a live page's fields as `FieldFacts`, so `values_for` can choose what to type into them.

The extractor records a field's kind, type and name, not the attributes that decide what the field
accepts (pattern, min/max/step, lengths, inputmode) nor the words around it; this reads them for the
elements it (or the actionable scan) marked, together with the page's language and the words the site
shows, which make a search term that finds something. Read-only: it never types or clicks.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from planwright.browser.scripts import KEY_ATTRIBUTE, page_script
from planwright.crawl.values import FieldFacts

# Input types that take typed text; checkboxes, radios, files, buttons and hidden inputs do not.
TYPED_INPUT_TYPES = (
    "text", "search", "email", "tel", "url", "password", "number", "range", "date", "time",
    "datetime-local", "month", "week", "color",
)  # fmt: skip

_READ_JS = page_script(
    """
({ attribute, typedTypes }) => {
  /* helpers */
  const textOf = (el) => norm(el ? el.innerText || el.textContent : '');
  const labelOf = (el) => {
    const ids = norm(el.getAttribute('aria-labelledby')).split(' ').filter(Boolean);
    const byIds = norm(ids.map((id) => textOf(document.getElementById(id))).join(' '));
    if (byIds) return byIds;
    if (el.labels && el.labels.length) return norm([...el.labels].map(textOf).join(' '));
    return norm(el.getAttribute('aria-label')) || null;
  };
  const number = (value) => {
    const parsed = parseInt(value, 10);
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
  };
  const fields = {};
  for (const el of document.querySelectorAll('[' + attribute + ']')) {
    const tag = el.tagName;
    if (tag !== 'TEXTAREA' && !(tag === 'INPUT' && typedTypes.includes(el.type))) continue;
    fields[el.getAttribute(attribute)] = {
      tag: tag.toLowerCase(),
      input_type: tag === 'INPUT' ? el.type : 'text',
      inputmode: el.getAttribute('inputmode'),
      pattern: el.getAttribute('pattern'),
      min: el.getAttribute('min'),
      max: el.getAttribute('max'),
      step: el.getAttribute('step'),
      maxlength: number(el.getAttribute('maxlength')),
      minlength: number(el.getAttribute('minlength')),
      required: el.required === true || el.getAttribute('aria-required') === 'true',
      placeholder: el.getAttribute('placeholder'),
      label: labelOf(el),
      element_id: el.id || null,
      name: el.getAttribute('name'),
    };
  }
  // Words the site shows, item names first: what a search on this site would find.
  const words = [];
  const outside = (el) => !el.closest('nav, header, footer, form, button, [role=navigation]');
  const selectors = ['h3', 'h4', '.card h2, .card h5, article h2', 'li', 'td:first-child', 'h2', 'h1'];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const text = textOf(el);
      if (text && text.length <= 40 && visible(el) && outside(el)) words.push(text);
    }
  }
  if (document.title) words.push(norm(document.title));
  return { fields, language: norm(document.documentElement.lang) || null, words: [...new Set(words)].slice(0, 20) };
}
"""
)


def read_field_facts(
    page: Page, *, attribute: str = KEY_ATTRIBUTE, language: str | None = None
) -> dict[str, FieldFacts]:
    """FieldFacts of every typed field marked with `attribute`, keyed by the attribute's value.

    `language` (the plan's) wins over the page's `<html lang>`; the default attribute is the
    extractor's key, and the actionable scan's REF_ATTRIBUTE reads interaction-group fields."""
    raw: dict[str, Any] = page.evaluate(
        _READ_JS, {"attribute": attribute, "typedTypes": list(TYPED_INPUT_TYPES)}
    )
    page_language = language or raw["language"]
    return {
        key: FieldFacts.model_validate({**facts, "page_language": page_language, "site_words": raw["words"]})
        for key, facts in raw["fields"].items()
    }
