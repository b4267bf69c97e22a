"""What a person can act on that is not a named native control, and which fields a button reads.

Real pages put click handlers on `div`s, table cells and images, delegate list clicks to the list,
and leave icon buttons without a name; the extractor, which reads links, buttons and fields, never
saw them. `install(context)` adds an init script that records, before page scripts run, which
elements get click-like or key listeners through `EventTarget.prototype.addEventListener`.
`scan_actionable(page)` then returns every visible, enabled element a person could act on: tracked
listeners, `onclick`-style handlers (attribute or property), `cursor: pointer`, `tabindex >= 0`,
ARIA widget roles, children of a container that delegates its clicks, and native controls without
an accessible name. Each comes with what naming needs and its nearest repeated container (row,
list item, card), so "the checkbox in the row with text 'X'" can be located. Buttons outside forms
get an interaction group: the fields in the nearest ancestor that has any, which is what a person
fills before pressing the button.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page
from pydantic import BaseModel, Field

from planwright.browser.scripts import (
    GLOBAL_DEFINED_JS,
    KEY_ATTRIBUTE,
    LISTENER_TRACKING_JS,
    LISTENERS_GLOBAL,
    SCAN_ACTIONABLE_JS,
    TRACKED_EVENTS,
)
from planwright.crawl.naming import NamingFacts, PeopleName, name_for

ACTIONABLE_ATTRIBUTE = "data-planwright-actionable"  # "a1", "a2" ... on each candidate
REF_ATTRIBUTE = "data-planwright-ref"  # "r1", "r2" ... on each member of an interaction group
GROUP_ATTRIBUTE = "data-planwright-group"  # "g1" ... the group a button or field belongs to


class RepeatedContainer(BaseModel):
    """The nearest row, list item or card around an element (or the element itself, when it is one)."""

    tag: str
    role: str | None = None  # "listitem", "row", ... None for a card known only by its class
    classes: list[str] = Field(default_factory=list)
    text: str = ""
    key_text: str = ""  # its first visible text outside the element: what a has_text filter uses
    index: int = 0  # among its similar siblings
    count: int = 1
    is_self: bool = False


class ActionableCandidate(BaseModel):
    """One thing a person can act on, with why it counts and what naming and locating need."""

    key: str  # "a1" ... also set on the element as ACTIONABLE_ATTRIBUTE
    tag: str
    role: str | None = None
    events: list[str] = Field(default_factory=list)  # tracked listeners and on* handlers
    reasons: list[str] = Field(
        default_factory=list
    )  # listener, inline-handler, delegated, cursor, tabindex, role, unnamed-native
    native: bool = False
    delegated_from: str | None = None  # "ul.todo-list": the container whose listener handles this item
    text: str = ""
    naming: NamingFacts
    container: RepeatedContainer | None = None
    group_id: str | None = None
    extract_key: str | None = None  # the extractor's key, when it ran on this page first

    def people_name(self) -> PeopleName | None:
        """The name a person would use for this element, and where it came from."""
        return name_for(self.naming)


class GroupMember(BaseModel):
    """A field or a button of an interaction group; `ref` is set on the element as REF_ATTRIBUTE."""

    ref: str
    tag: str
    input_type: str | None = None
    element_id: str | None = None
    name: str | None = None
    label: str | None = None
    placeholder: str | None = None
    text: str = ""
    extract_key: str | None = None
    actionable_key: str | None = None


class InteractionGroup(BaseModel):
    """Fields and the buttons that read them: fill the fields, press a button, see what changed."""

    group_id: str
    container_tag: str
    fields: list[GroupMember]
    buttons: list[GroupMember]


class ActionableScan(BaseModel):
    candidates: list[ActionableCandidate]
    groups: list[InteractionGroup]


def install(context: BrowserContext) -> None:
    """Track listeners in every page of the context from now on (before the pages' own scripts)."""
    context.add_init_script(script=LISTENER_TRACKING_JS)


def _member(raw: dict[str, Any]) -> GroupMember:
    return GroupMember(
        ref=raw["ref"],
        tag=raw["tag"],
        input_type=raw["inputType"],
        element_id=raw["elementId"],
        name=raw["name"],
        label=raw["label"],
        placeholder=raw["placeholder"],
        text=raw["text"],
        extract_key=raw["extractKey"],
        actionable_key=raw["actionableKey"],
    )


def _container(raw: dict[str, Any] | None) -> RepeatedContainer | None:
    if raw is None:
        return None
    return RepeatedContainer(
        tag=raw["tag"],
        role=raw["role"],
        classes=raw["classes"],
        text=raw["text"],
        key_text=raw["keyText"],
        index=raw["index"],
        count=raw["count"],
        is_self=raw["isSelf"],
    )


def scan_actionable(page: Page) -> ActionableScan:
    """Candidates and interaction groups of the loaded page; marks them in the DOM for locating."""
    raw = page.evaluate(
        SCAN_ACTIONABLE_JS,
        {
            "candidateAttr": ACTIONABLE_ATTRIBUTE,
            "refAttr": REF_ATTRIBUTE,
            "groupAttr": GROUP_ATTRIBUTE,
            "extractAttr": KEY_ATTRIBUTE,
            "events": list(TRACKED_EVENTS),
            "listenersGlobal": LISTENERS_GLOBAL,
        },
    )
    candidates = [
        ActionableCandidate(
            key=item["key"],
            tag=item["tag"],
            role=item["role"],
            events=item["events"],
            reasons=item["reasons"],
            native=item["native"],
            delegated_from=item["delegatedFrom"],
            text=item["text"],
            naming=NamingFacts.model_validate(item["naming"]),
            container=_container(item["container"]),
            group_id=item["groupId"],
            extract_key=item["extractKey"],
        )
        for item in raw["candidates"]
    ]
    groups = [
        InteractionGroup(
            group_id=group["groupId"],
            container_tag=group["containerTag"],
            fields=[_member(field) for field in group["fields"]],
            buttons=[_member(button) for button in group["buttons"]],
        )
        for group in raw["groups"]
    ]
    return ActionableScan(candidates=candidates, groups=groups)


def find_actionable(page: Page) -> list[ActionableCandidate]:
    """What a person can act on in the loaded page beyond named native controls."""
    return scan_actionable(page).candidates


def listeners_tracked(page: Page) -> bool:
    """Whether `install` ran before this page's scripts (without it only on* handlers are seen)."""
    return bool(page.evaluate(GLOBAL_DEFINED_JS, LISTENERS_GLOBAL))
