"""What one loaded page offers a tester: title, headings and every visible interactive element.

Extraction reads the live page and returns pydantic models; it never clicks, navigates or touches a
database. Accessible names are computed in the page (a compact version of the accname rules), and every
role locator we emit is checked with Playwright's own `get_by_role` so a wrong guess falls back to
the next strategy instead of producing a locator that does not work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from planwright.crawl.locators import ElementInfo, choose_locator
from planwright.schemas import Element, ElementKind, PageSnapshot

KEY_ATTRIBUTE = "data-planwright-key"

# Shared by the scripts that run in the page: text with whitespace collapsed, and "a person could see
# it" (connected, not visibility-hidden, with an area).
PAGE_HELPERS_JS = """  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const visible = (el) => {
    if (!el.isConnected) return false;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.visibility === 'collapse') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
"""


def page_script(source: str) -> str:
    """A page script with the shared helpers in place of its `/* helpers */` line."""
    if "  /* helpers */\n" not in source:
        raise ValueError("page script without a /* helpers */ line")
    return source.replace("  /* helpers */\n", PAGE_HELPERS_JS)


# Runs in the page: tags each visible interactive element with its key and describes it.
_COLLECT_JS = page_script("""
(keyAttribute) => {
  /* helpers */
  const BUTTON_INPUTS = ['button', 'submit', 'reset', 'image'];
  const textOf = (node) => {
    let out = '';
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { out += child.textContent; continue; }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = child.tagName;
      if (child.getAttribute('aria-hidden') === 'true') continue;
      if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(tag)) continue;
      const style = getComputedStyle(child);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const ariaLabel = norm(child.getAttribute('aria-label'));
      if (ariaLabel) { out += ' ' + ariaLabel + ' '; continue; }
      if (tag === 'IMG') { out += ' ' + (child.getAttribute('alt') || '') + ' '; continue; }
      if (tag === 'INPUT') {
        if (BUTTON_INPUTS.includes(child.type)) out += ' ' + child.value + ' ';
        continue;
      }
      if (tag === 'TEXTAREA' || tag === 'SELECT') continue;
      const pad = ['inline', 'contents'].includes(style.display) ? '' : ' ';
      out += pad + textOf(child) + pad;
    }
    return out;
  };
  const byIds = (el, attr) => (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean);
  const labelText = (el) => {
    const labels = el.labels ? [...el.labels] : [];
    return norm(labels.map((label) => textOf(label)).join(' '));
  };
  const roleOf = (el) => {
    const explicit = norm(el.getAttribute('role')).split(' ')[0];
    if (explicit) return explicit;
    const tag = el.tagName;
    if (tag === 'A') return 'link';
    if (tag === 'BUTTON') return 'button';
    if (tag === 'TEXTAREA') return 'textbox';
    if (tag === 'SELECT') return (el.multiple || el.size > 1) ? 'listbox' : 'combobox';
    if (tag === 'FORM') return 'form';
    if (tag === 'INPUT') {
      const type = el.type;
      if ([...BUTTON_INPUTS, 'file'].includes(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'search') return el.hasAttribute('list') ? 'combobox' : 'searchbox';
      if (['email', 'tel', 'text', 'url'].includes(type)) {
        return el.hasAttribute('list') ? 'combobox' : 'textbox';
      }
      if (type === 'number') return 'spinbutton';
      if (type === 'range') return 'slider';
      return 'textbox';
    }
    return 'generic';
  };
  const kindOf = (el, role) => {
    const tag = el.tagName;
    if (tag === 'FORM') return 'form';
    if (tag === 'A' || role === 'link') return 'link';
    if (tag === 'TEXTAREA') return 'textarea';
    if (tag === 'SELECT') return 'select';
    if (tag === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) return el.type;
    if (role === 'checkbox' || role === 'radio') return role;
    if (tag === 'BUTTON' || role === 'button' || (tag === 'INPUT' && BUTTON_INPUTS.includes(el.type))) {
      return 'button';
    }
    return 'input';
  };
  const accessibleName = (el, kind) => {
    const labelledBy = byIds(el, 'aria-labelledby');
    if (labelledBy.length) {
      const name = norm(labelledBy.map((e) => norm(e.getAttribute('aria-label')) || textOf(e)).join(' '));
      if (name) return name;
    }
    const ariaLabel = norm(el.getAttribute('aria-label'));
    if (ariaLabel) return ariaLabel;
    const tag = el.tagName;
    const title = norm(el.getAttribute('title'));
    if (tag === 'FORM') return title;
    const labels = labelText(el);
    if (tag === 'INPUT' && BUTTON_INPUTS.includes(el.type)) {
      if (labels) return labels;
      if (el.type === 'image') return norm(el.getAttribute('alt')) || norm(el.value) || title || 'Submit';
      return norm(el.value) || title || { submit: 'Submit', reset: 'Reset' }[el.type] || '';
    }
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      if (labels) return labels;
      if (title) return title;
      const usesPlaceholder = tag === 'TEXTAREA'
        || ['text', 'password', 'search', 'tel', 'email', 'url'].includes(el.type);
      return usesPlaceholder ? norm(el.getAttribute('placeholder')) : '';
    }
    if (labels) return labels;
    return norm(textOf(el)) || title;
  };
  const cssPath = (el) => {
    const uniqueId = (node) => node.id && document.querySelectorAll('#' + CSS.escape(node.id)).length === 1;
    if (uniqueId(el)) return '#' + CSS.escape(el.id);
    const parts = [];
    let node = el;
    while (node && node.nodeType === Node.ELEMENT_NODE && node !== document.documentElement) {
      if (node !== el && uniqueId(node)) { parts.unshift('#' + CSS.escape(node.id)); break; }
      let part = node.tagName.toLowerCase();
      const parent = node.parentElement;
      if (parent) {
        const same = [...parent.children].filter((child) => child.tagName === node.tagName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      node = parent;
    }
    return parts.join(' > ');
  };
  const isSubmit = (el) => (el.tagName === 'BUTTON' && el.type === 'submit')
    || (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'image'));

  document.querySelectorAll('[' + keyAttribute + ']').forEach((el) => el.removeAttribute(keyAttribute));
  const selector = 'a[href], [role=link], button, [role=button], input:not([type=hidden]), '
    + 'textarea, select, form';
  const items = [];
  const keyOf = new Map();
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    const role = roleOf(el);
    const kind = kindOf(el, role);
    let href = null;
    if (kind === 'link') {
      if (el.tagName === 'A') {
        let url;
        try { url = new URL(el.href); } catch (e) { continue; }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;  // mailto:, tel:, javascript:
        href = url.href;
      }
    }
    const key = 'e' + (items.length + 1);
    el.setAttribute(keyAttribute, key);
    keyOf.set(el, key);
    const isField = ['input', 'textarea', 'select', 'checkbox', 'radio'].includes(kind);
    items.push({
      key, kind, role, href,
      name: accessibleName(el, kind),
      inputType: el.tagName === 'INPUT' ? el.type : null,
      required: isField && (el.required === true || el.getAttribute('aria-required') === 'true'),
      options: el.tagName === 'SELECT' ? [...el.options].map((o) => norm(o.label || o.text)) : [],
      testId: el.getAttribute('data-testid'),
      label: isField ? (labelText(el) || norm(el.getAttribute('aria-label')) || null) : null,
      placeholder: el.getAttribute('placeholder'),
      css: cssPath(el),
      disabled: el.disabled === true || el.getAttribute('aria-disabled') === 'true',
      formEl: el.form || (el.tagName === 'FORM' ? null : el.closest('form')),
      isSubmit: isSubmit(el),
      isField,
      el,
    });
  }
  for (const item of items) {
    item.formKey = item.formEl ? (keyOf.get(item.formEl) || null) : null;
    if (item.kind === 'form') {
      const mine = items.filter((other) => other.formEl === item.el);
      item.fieldKeys = mine.filter((other) => other.isField).map((other) => other.key);
      const submit = mine.find((other) => other.isSubmit);
      item.submitKey = submit ? submit.key : null;
    }
  }
  const headings = [...document.querySelectorAll('h1, h2, h3')].filter(visible)
    .map((h) => norm(h.innerText)).filter(Boolean);
  return {
    headings,
    items: items.map(({ el, formEl, isField, ...rest }) => rest),
  };
}
""")

_KEYS_OF_MATCHES_JS = f"(els) => els.map((el) => el.getAttribute('{KEY_ATTRIBUTE}'))"

MAIN_HEADING_JS = """
() => {
  for (const h of document.querySelectorAll('h1')) {
    const rect = h.getBoundingClientRect();
    if (rect.width > 0 && rect.height > 0) return h.innerText.replace(/\\s+/g, ' ').trim();
  }
  return null;
}
"""


@dataclass(frozen=True)
class ElementExtras:
    """What the crawler needs about an element that the shared schema does not carry."""

    disabled: bool
    is_submit: bool


def main_heading(page: Page) -> str | None:
    """The first visible h1: what a person reads as "the page I landed on"."""
    heading = page.evaluate(MAIN_HEADING_JS)
    return heading or None


def _count_for(page: Page, key: str, locator: Any) -> int:
    """How many elements a locator matches, or 0 when it does not match this element at all."""
    keys = locator.evaluate_all(_KEYS_OF_MATCHES_JS)
    return len(keys) if key in keys else 0


def _element_info(page: Page, item: dict[str, Any]) -> ElementInfo:
    """Gather uniqueness counts lazily: fallbacks are only measured when the role locator fails."""
    key, role, name = item["key"], item["role"], item["name"]
    role_count = 0
    if name and role not in ("generic", ""):
        role_count = _count_for(page, key, page.get_by_role(role, name=name, exact=True))
    if role_count == 1:
        return ElementInfo(role=role, name=name, role_name_count=1, css=item["css"])
    test_id, label, placeholder = item["testId"], item["label"], item["placeholder"]
    return ElementInfo(
        role=role,
        name=name,
        role_name_count=role_count,
        test_id=test_id,
        test_id_count=_count_for(page, key, page.get_by_test_id(test_id)) if test_id else 0,
        label=label,
        label_count=_count_for(page, key, page.get_by_label(label, exact=True)) if label else 0,
        placeholder=placeholder,
        placeholder_count=(
            _count_for(page, key, page.get_by_placeholder(placeholder, exact=True)) if placeholder else 0
        ),
        css=item["css"],
    )


def extract_elements(page: Page) -> tuple[list[str], list[Element], dict[str, ElementExtras]]:
    """Headings (h1-h3) and every visible interactive element, keyed e1, e2, ... in DOM order."""
    collected = page.evaluate(_COLLECT_JS, KEY_ATTRIBUTE)
    elements: list[Element] = []
    extras: dict[str, ElementExtras] = {}
    for item in collected["items"]:
        kind: ElementKind = item["kind"]
        elements.append(
            Element(
                key=item["key"],
                kind=kind,
                role=item["role"],
                name=item["name"],
                locator=choose_locator(_element_info(page, item)),
                href=item["href"],
                input_type=item["inputType"],
                required=item["required"],
                options=item["options"],
                form_key=item["formKey"],
                field_keys=item.get("fieldKeys") or [],
                submit_key=item.get("submitKey"),
            )
        )
        extras[item["key"]] = ElementExtras(disabled=item["disabled"], is_submit=item["isSubmit"])
    return collected["headings"], elements, extras


def extract_page(
    page: Page,
    *,
    status: int | None = None,
    depth: int = 0,
    screenshot_path: str | Path | None = None,
) -> PageSnapshot:
    """Snapshot a loaded page: title, headings, ARIA tree, screenshot and interactive elements."""
    headings, elements, _ = extract_elements(page)
    return snapshot_from(
        page, headings, elements, status=status, depth=depth, screenshot_path=screenshot_path
    )


def snapshot_from(
    page: Page,
    headings: list[str],
    elements: list[Element],
    *,
    status: int | None,
    depth: int,
    screenshot_path: str | Path | None,
) -> PageSnapshot:
    """Add the page-wide parts (title, ARIA snapshot, screenshot) to already extracted elements."""
    saved: str | None = None
    if screenshot_path is not None:
        path = Path(screenshot_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        saved = str(path)
    return PageSnapshot(
        url=page.url,
        status=status,
        depth=depth,
        title=page.title(),
        headings=headings,
        screenshot_path=saved,
        aria_snapshot=page.locator("body").aria_snapshot(),
        elements=elements,
    )
