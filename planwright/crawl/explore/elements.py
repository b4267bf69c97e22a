"""What the elements of the states an exploration reaches are called: one key per element across the
whole exploration of a page, the page's own key where the crawl saw it, a new one (n1, n2...) where not.
Besides the extractor's controls, a state holds what `explore.actionables` finds a person can act on.

Why a registry: a step recorded in one run must find its element again in the next run and in the
verifier, so an element keeps its key (and the locator recorded where it was first seen) however many
states show it.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from planwright.browser.errors import NotExecutable
from planwright.browser.locators import to_playwright
from planwright.browser.scripts import (
    DBLCLICK_TARGETS_JS,
    ELEMENT_EXTRAS_JS,
    ELEMENT_LOOK_JS,
    KEY_ATTRIBUTE,
)
from planwright.crawl.explore.actionables import Actionables, actionable_knowns
from planwright.crawl.explore.state import ElementSignature, Group, Known, element_signature, meaningful
from planwright.crawl.extract import extract_elements
from planwright.crawl.field_facts import read_field_facts
from planwright.schemas import Element, Locator, PageSnapshot

MAX_DBLCLICK_TARGETS = 8  # elements without a control role collected as double-click targets per state
MAX_DBLCLICK_TEXT = 80  # longer texts are paragraphs, not an item's label
LOOK_WAIT_MS = 2000  # reading how a clicked thing looks (it is on the page: count() found it once)


class ElementRegistry:
    """Every element the exploration of one page has met, by key."""

    def __init__(self, snapshot: PageSnapshot, *, language: str | None = None) -> None:
        self.language = language  # the plan's: the values typed speak it, whatever <html lang> says
        self.by_key: dict[str, Element] = {element.key: element for element in snapshot.elements}
        self.signatures: dict[ElementSignature, str] = {
            element_signature(element): element.key for element in snapshot.elements
        }
        self.new_count = 0

    def key_for(self, element: Element) -> str:
        """The page's key for an element seen before (same signature), a new key (n1, n2...) if not."""
        signature = element_signature(element)
        key = self.signatures.get(signature)
        if key is None:
            self.new_count += 1
            key = f"n{self.new_count}"
            self.signatures[signature] = key
        return key

    def extract(self, page: Page) -> tuple[dict[str, Known], dict[str, Known], list[Group]]:
        """The state's elements, its double-click targets and its interaction groups, keyed like the
        page's elements where they match (new keys where not)."""
        _, elements, extras = extract_elements(page)
        more: dict[str, dict[str, Any]] = page.evaluate(ELEMENT_EXTRAS_JS, KEY_ATTRIBUTE)
        facts = read_field_facts(page, language=self.language)
        dblclicks = self.dblclick_targets(page)
        # Named controls and forms' submit buttons stay the extractor's; an unnamed button or link is
        # replaced by its people-named, better-located twin, an unnamed field gets a better locator.
        submits = {
            element.submit_key for element in elements if element.kind == "form" and element.submit_key
        }
        kept = {
            element.key
            for element in elements
            if (element.name and (element.locator.strategy != "css" or element.kind == "link"))
            or element.key in submits
        }
        skip_names = {target.element.name for target in dblclicks.values()}
        found = actionable_knowns(page, self.register, kept, skip_names)
        elements = [
            element.model_copy(
                update={
                    # a field the extractor named only by a sample placeholder ("0"): the people name
                    "name": (element.name if meaningful(element.name) else "")
                    or found.renamed[element.key][0]
                    or element.name,
                    "locator": found.renamed[element.key][1],
                }
            )
            if element.key in found.renamed
            else element
            for element in elements
            if element.key not in found.replaced
        ]
        local_to_key: dict[str, str] = {element.key: self.key_for(element) for element in elements}
        known: dict[str, Known] = {}
        for element in elements:
            key = local_to_key[element.key]
            mapped = element.model_copy(
                update={
                    "key": key,
                    "form_key": local_to_key.get(element.form_key) if element.form_key else None,
                    "field_keys": [local_to_key[k] for k in element.field_keys if k in local_to_key],
                    "submit_key": local_to_key.get(element.submit_key) if element.submit_key else None,
                }
            )
            self.by_key.setdefault(key, mapped)
            local = extras[element.key]
            known[key] = Known(
                mapped, local.disabled, local.is_submit, more.get(element.key, {}), facts.get(element.key)
            )
        known.update(found.knowns)
        return known, dblclicks, self.groups(found, {**local_to_key, **found.replaced})

    def look(self, page: Page, key: str | None) -> str | None:
        """How the element `key` looks now (classes, aria state, text, images), None when it cannot
        be read: whether a click changed the thing clicked, where nothing else changed."""
        element = self.by_key.get(key) if key is not None else None
        if element is None:
            return None
        try:
            target = to_playwright(page, element.locator)
            if target.count() != 1:
                return None
            return str(target.evaluate(ELEMENT_LOOK_JS, timeout=LOOK_WAIT_MS))
        except (PlaywrightError, NotExecutable):
            return None

    def register(self, element: Element) -> str:
        """The key of an element found outside the extractor, remembered so steps can target it."""
        key = self.key_for(element)
        self.by_key.setdefault(key, element.model_copy(update={"key": key}))
        return key

    @staticmethod
    def groups(found: Actionables, local_to_key: dict[str, str]) -> list[Group]:
        """Interaction groups whose fields and buttons were recorded (a step needs their locators): by
        the extractor, or as actionable things (a clickable "Calculate" div, an unnamed button's
        people-named twin); members nobody recorded are left out, a group without a field or a button
        is dropped."""
        groups: list[Group] = []
        for group in found.groups:
            fields = [local_to_key[m.extract_key] for m in group.fields if m.extract_key in local_to_key]
            buttons = [
                key
                for m in group.buttons
                if (
                    key := local_to_key.get(m.extract_key or "")
                    or found.by_candidate.get(m.actionable_key or "")
                )
            ]
            if fields and buttons:
                groups.append(Group(group.group_id, fields, buttons))
        return groups

    def dblclick_targets(self, page: Page) -> dict[str, Known]:
        """What may react to a double-click without being a control (a list item's label), as elements
        a step can target: found by tag and exact text (`label:text-is("Buy milk")`), kept only where
        that finds exactly one element, as the verifier will require."""
        found: list[dict[str, Any]] = page.evaluate(
            DBLCLICK_TARGETS_JS, [KEY_ATTRIBUTE, MAX_DBLCLICK_TARGETS, MAX_DBLCLICK_TEXT]
        )
        targets: dict[str, Known] = {}
        for item in found:
            selector = f"{item['tag']}:text-is({json.dumps(item['text'], ensure_ascii=False)})"
            if page.locator(selector).count() != 1:
                continue
            element = Element(
                key="",
                kind="button",  # acted on like a button; the schema has no kind for a plain label
                role="generic",
                name=item["text"],
                locator=Locator(strategy="css", value=selector),
            )
            key = self.key_for(element)
            element = element.model_copy(update={"key": key})
            self.by_key.setdefault(key, element)
            extra = {"dblclick": True, "handler": item["handler"], "listLabel": item["listLabel"]}
            targets[key] = Known(element, disabled=False, is_submit=False, extra=extra)
        return targets
