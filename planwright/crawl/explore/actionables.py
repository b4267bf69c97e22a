"""Everything a person can act on becomes an element the explorer can click or double-click: icon-only
buttons, `div`s and cells with click handlers, cards, images, rows, tabs and accordion headers.

Why here and not in the extractor: the extractor reads named native controls (links, buttons, fields)
and the crawl's cases stand on them; what real pages add on top (listeners on a `div`, a button whose
only name is `fa-play`) is found by `crawl.actionable.scan_actionable` in a page whose context tracks
listeners, named for people by `crawl.naming` and located as a tester would write it by
`crawl.candidate_locators` (never a bare CSS path when something better exists). Each becomes a
`Known` of kind "button" with extras that say which gesture it answers: `click` and/or `dblclick`.
A thing with no people name or no unique locator is left out: a step nobody can read or replay is
worth nothing to a tester.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from planwright.crawl.actionable import ActionableCandidate, InteractionGroup, scan_actionable
from planwright.crawl.candidate_locators import locate_candidate, stored_locator
from planwright.crawl.explore.state import Known
from planwright.schemas import Element, Locator

MAX_ACTIONABLE_PER_STATE = 24  # locating costs a few page round trips each; a board has 9-16 cells
MAX_SIMILAR = 2  # of a board's cells, a gallery's images, a list's rows: what two of them do is the case
_CLICK_EVENTS = {"click", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "touchend"}
_KEY_EVENTS = {"keydown", "keyup", "keypress"}
# Roles Element.role can carry for a people-named generic thing; others read as "generic".
_ROLES = {"button", "link", "tab", "checkbox", "radio", "switch", "option", "menuitem", "gridcell", "cell",
          "row", "listitem", "img", "article", "treeitem", "columnheader", "slider"}  # fmt: skip


def gestures(candidate: ActionableCandidate) -> tuple[bool, bool]:
    """(click, dblclick): what a person would do to it. A thing with only a double-click listener is
    not clicked (that would only select it); one found by its look (pointer cursor, tabindex, a widget
    role) is clicked."""
    events = set(candidate.events)
    dblclick = "dblclick" in events
    click = bool(events & (_CLICK_EVENTS | _KEY_EVENTS)) or not events
    return click, dblclick


def _likeness(candidate: ActionableCandidate) -> tuple[str, ...]:
    """Things of one kind (same tag, classes and container shape): a board's cells, a list's rows."""
    container = candidate.container
    shape = (container.tag, *container.classes) if container is not None and container.count > 1 else ()
    return (candidate.tag, candidate.role or "", *sorted(candidate.naming.classes), "|", *shape)


_FIELD_TAGS = ("input", "textarea", "select")


def _worth_adding(candidate: ActionableCandidate, named_extracted: set[str]) -> bool:
    """Named native controls are the extractor's already; fields are filled, not clicked."""
    if candidate.extract_key is not None and candidate.extract_key in named_extracted:
        return False
    return candidate.tag not in (*_FIELD_TAGS, "option", "iframe", "video", "audio")


@dataclass
class Actionables:
    """What a scan adds to a state: new clickable elements by key, the extractor's unnamed buttons and
    links they stand for, and better names and locators for the extractor's unnamed fields (a row's
    checkbox: `get_by_role("listitem").filter(has_text="Buy milk").get_by_role("checkbox")`)."""

    knowns: dict[str, Known] = field(default_factory=dict)
    replaced: dict[str, str] = field(default_factory=dict)  # extractor's local key -> the twin's key
    renamed: dict[str, tuple[str, Locator]] = field(default_factory=dict)  # local key -> (name, locator)
    by_candidate: dict[str, str] = field(default_factory=dict)  # the scan's key (a1...) -> the element's
    groups: list[InteractionGroup] = field(default_factory=list)  # the same scan's interaction groups


def actionable_knowns(
    page: Page,
    key_for: Callable[[Element], str],
    named_extracted: set[str],
    skip_names: set[str],
) -> Actionables:
    """The page's actionable things as explorer elements, keyed by `key_for`.

    `named_extracted`: local keys of extracted elements to leave alone (named, or a form's submit);
    `skip_names`: names already offered as double-click targets (the to-do's labels).
    """
    found = Actionables()
    try:
        scan = scan_actionable(page)
    except PlaywrightError:
        return found  # a page that navigated away mid-scan: nothing to add this time
    found.groups = scan.groups
    similar: Counter[tuple[str, ...]] = Counter()
    for candidate in scan.candidates:
        if len(found.knowns) >= MAX_ACTIONABLE_PER_STATE:
            break
        if candidate.extract_key is not None and candidate.tag in _FIELD_TAGS:
            if candidate.extract_key not in named_extracted:
                _rename_field(page, candidate, found)
            continue
        if not _worth_adding(candidate, named_extracted):
            continue
        likeness = _likeness(candidate)
        if candidate.extract_key is None and similar[likeness] >= MAX_SIMILAR:
            continue
        similar[likeness] += 1
        named = candidate.people_name()
        if named is None or named.name in skip_names:
            continue
        chain = locate_candidate(page, candidate)
        if chain is None:
            continue
        click, dblclick = gestures(candidate)
        element = Element(
            key="",
            kind="button",  # acted on like a button whatever its tag
            role=candidate.role if candidate.role in _ROLES else "generic",
            name=named.name,
            locator=stored_locator(chain),
        )
        key = key_for(element)
        extra = {"actionable": True, "click": click, "dblclick": dblclick, "handler": dblclick}
        found.knowns[key] = Known(
            element.model_copy(update={"key": key}), disabled=False, is_submit=False, extra=extra
        )
        found.by_candidate[candidate.key] = key
        if candidate.extract_key is not None:
            found.replaced[candidate.extract_key] = key
    return found


def _rename_field(page: Page, candidate: ActionableCandidate, found: Actionables) -> None:
    """An unnamed field the extractor could only reach by a CSS path: its people name (if any) and the
    locator a tester would write."""
    chain = locate_candidate(page, candidate)
    if chain is None or candidate.extract_key is None:
        return
    named = candidate.people_name()
    found.renamed[candidate.extract_key] = (
        _row_name(candidate) or (named.name if named else ""),
        stored_locator(chain),
    )


def _row_name(candidate: ActionableCandidate) -> str:
    """An unlabelled checkbox or radio in a list item or row is named by what the row shows ("tick
    'Buy milk'"): the row's text is the box's label for every person reading the list."""
    container = candidate.container
    if candidate.role not in ("checkbox", "radio") or container is None or container.is_self:
        return ""
    return container.key_text
