"""What the explorer knows about a state, as plain data: the policies (candidates, diffing) read it,
the runner fills it from the browser.

Why plain dataclasses: a policy that takes a `State` and returns candidates or a change can be tested
with a hand-built state, no browser needed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planwright.crawl.values import FieldFacts
from planwright.schemas import Element, ExploreAction

ElementSignature = tuple[str, str, str, str, str]


@dataclass
class Known:
    """An element of one state: the schema element (keys mapped to the page's) and planning extras
    (`extra`: layout, reveals, haspopup, dblclick, checked, readonly, value, min, max, radioGroup,
    options, as the page script reports them)."""

    element: Element
    disabled: bool
    is_submit: bool
    extra: dict[str, Any]
    facts: FieldFacts | None = None  # what a typed field says it accepts (values.values_for reads it)


@dataclass
class Group:
    """Fields and the buttons that read them without a `<form>` (actionable.InteractionGroup, keyed
    like the state's elements): what a person fills before pressing one of the buttons."""

    group_id: str
    field_keys: list[str]
    button_keys: list[str]


@dataclass
class State:
    """A captured state: comparable facts plus, when extracted, its interactive elements."""

    url: str
    texts: list[str]
    h1: str | None
    counts: dict[str, int]
    alerts: list[str]
    expanded: int
    invalid: list[str]
    dialogs: list[dict[str, str]]
    controls: list[str] = field(default_factory=list)  # cheap fingerprint of the visible controls
    elements: dict[str, Known] = field(default_factory=dict)
    dblclicks: dict[str, Known] = field(default_factory=dict)  # double-click targets that are no control
    groups: list[Group] = field(default_factory=list)  # interaction groups outside forms
    joined: list[str] = field(default_factory=list)  # texts a text check cannot find (see capture_state)
    # Keys of the elements the steps changed only in themselves (a memory card's class): two states with
    # the same texts but different cards turned are different states.
    marks: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)  # every visible heading's text (h1-h6, role)
    route: str = ""  # a client-side route in the fragment ("#/active"), which `url` leaves out
    stored: str = ""  # the page's localStorage, serialised: a step that changed it saved something

    def same_controls(self, other: State) -> bool:
        return self.url == other.url and Counter(self.controls) == Counter(other.controls)

    def signature(self) -> str:
        """Normalised snapshot used to deduplicate states (order of equal texts does not matter)."""
        return json.dumps(
            [
                self.url + self.route,
                sorted(Counter(self.texts).items()),
                sorted(self.counts.items()),
                self.expanded,
                [d.get("heading", "") for d in self.dialogs],
                sorted(self.marks),
            ],
            ensure_ascii=False,
        )


@dataclass
class Candidate:
    """One exploration step to try from a state."""

    kind: str
    actions: list[ExploreAction]
    main_key: str | None = None  # the element whose activation this step is about
    typed: list[str] = field(default_factory=list)  # values typed, to rank the texts they produce
    retries: list[Candidate] = field(default_factory=list)  # the value search's next tries, if refused
    again: bool = False  # the step that reached this state, done once more


@dataclass
class Node:
    """A reached state worth exploring from, with the steps that reach it from a fresh load."""

    prefix: list[ExploreAction]
    state: State
    parent: State | None
    depth: int
    fresh: set[str] | None = None  # keys of the elements that appeared here (None: all, at the root)
    repeat: Candidate | None = None  # the click that reached this state moved a counter: try it again


@dataclass
class StepEvents:
    """What the browser reported while the last step ran: native dialogs' messages and the HTTP status
    of each main-frame navigation (None where a navigation had no response)."""

    dialogs: list[str] = field(default_factory=list)
    navigation_statuses: list[int | None] = field(default_factory=list)


def client_route(url: str) -> str:
    """The fragment of a hash-routed app ("#/active", "#!/inbox"), "" for an in-page anchor or none: a
    single-page app's filters and views live there, and the address a tester checks includes it."""
    fragment = url.partition("#")[2]
    return "#" + fragment if fragment.startswith(("/", "!")) else ""


def element_signature(element: Element) -> ElementSignature:
    """Same kind, role, name, locator and link target: the same element for a test step."""
    return (element.kind, element.role, element.name, element.locator.describe(), element.href or "")


# One character of these scripts is a word ("犬", a flash card's answer), not noise.
_WORD_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def meaningful(text: str) -> bool:
    """Texts that can serve as an expectation: not a lone number or punctuation (a lone ideograph or
    kana is a word, and counts)."""
    if len(text) == 1:
        return bool(_WORD_CHARACTER.fullmatch(text))
    return bool(re.search(r"[^\W\d_]", text))


def shown_in(text: str, others: Sequence[str]) -> bool:
    """Whether `text` is already visible as part of another text (the verifier matches substrings)."""
    needle = text.casefold()
    return any(needle in other.casefold() for other in others)


def unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))
