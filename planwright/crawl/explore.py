"""State exploration: act on a page within bounds and record what each sequence of actions changed.

Why: a page at load time shows only part of an application. Most of what a QA engineer tests happens
after acting (add an item, submit a form, tick a box, open a menu), so the explorer acts, in the spirit
of Crawljax: it types sample values and submits, submits empty and invalid values, toggles checkboxes,
picks select options, hovers controls that reveal menus, clicks buttons, double-clicks where that may
reveal controls (elements with a dblclick handler; labels of list items that appeared after an action,
the in-place edit of a to-do item), presses Escape in opened dialogs and menus, reloads to see what
persists, and after steps that changed the page's state and then left it, goes back in the browser's
history to see what the page still shows. It then explores from the states it reached, acting on the
elements that appeared there (an added to-do item's checkbox, a revealed submenu link).

Every sequence runs from a fresh browser context and a fresh load, exactly as the verifier will run the
case later, so what is recorded is what a fresh run reproduces. A state change is measured by comparing
visible texts, list/row/checked counts, alerts, validation messages (the same `invalid`-event tracker
the verifier uses), dialogs and the URL before and after the last step.

Bounds: `max_actions_per_page` exploration runs per page (a run is one new step from a reached state; a
form's fills and its submit count as one step, a reload or back check as another), sequences at most
`1 + max_explore_depth` steps long, states deduplicated by a normalised text snapshot, per-action
timeouts from `page_timeout_s`, and the crawl's overall deadline. Elements whose names are on the
deny-list (delete, remove, log out, pay, ...) are never acted on unless `allow_destructive` is set; a
form whose submit button is denied is neither clicked nor submitted with Enter.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.errors import NotExecutable, StepFailed, first_line
from planwright.browser.operations import UNCHECK, Operation, operation
from planwright.browser.perform import Timeouts, perform
from planwright.browser.recorder import Tab
from planwright.browser.scripts import (
    CAPTURE_STATE_JS,
    DBLCLICK_TARGETS_JS,
    ELEMENT_EXTRAS_JS,
    ERROR_SELECTOR,
    KEY_ATTRIBUTE,
    OPEN_DIALOGS_JS,
)
from planwright.crawl.crawler import DEFAULT_DENY_NAMES, is_denied, normalize_url, origin_of
from planwright.crawl.extract import extract_elements
from planwright.schemas import (
    EDGE_VALUES,
    CrawlOptions,
    EdgeProposal,
    Element,
    ExploreAction,
    Locator,
    ObservedBehaviour,
    PageSnapshot,
    StateChange,
)

ContextFactory = Callable[[], BrowserContext]

ACTION_TIMEOUT_S = 5.0  # one click or fill; an element that exists reacts far sooner
LOCATE_WAIT_MS = 1500  # a replayed step's target may take a moment to appear (fetch, render)
SETTLE_MS = 30  # after each step: let handlers run before we look
QUIET_MS = 60  # the DOM counts as settled after this long without mutations...
QUIET_MAX_MS = 1500  # ...or after this long in any case (animations, tickers)
INFLIGHT_MAX_MS = 3000  # wait at most this long for fetch/XHR started by a step
MIN_RUN_S = 1.0  # do not start a run with less time than this left
MAX_TEXTS = 10  # appeared / vanished texts kept per change
MAX_TEXT_CHARS = 200
MAX_LINKS_PER_STATE = 2  # links revealed in a reached state that we follow
MAX_DBLCLICKS_PER_STATE = 2  # double-click candidates tried per state
MAX_DBLCLICK_TARGETS = 8  # elements without a control role collected as double-click targets per state
MAX_DBLCLICK_TEXT = 80  # longer texts are paragraphs, not an item's label

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
DEFAULT_TEXT = "Test item"
DEFAULT_TEXTAREA = "Test message"
INVALID_BY_TYPE: dict[str, str] = {"email": "not-an-email", "url": "not a url"}
EDITED_SUFFIX = " (edited)"  # typed after a field's current value when the sample would not change it
SUBMIT_KINDS = frozenset({"fill_submit", "fill_enter", "submit"})  # a valid submit: its result may persist
NO_MATCH = "zzqx-no-match"  # a search term no real catalogue contains: the "nothing found" state
SEARCH_NAMES = r"search|query|filter|find|поиск|найти"
TEXT_TYPES = {"text", "email", "password", "search", "tel", "url", "number", "date", "time",
              "datetime-local", "month", "week", None}  # fmt: skip
ENTER_TYPES = {"text", "email", "password", "search", "tel", "url", "number", None}

# ---------------------------------------------------------------- what one run sees


@dataclass
class _Known:
    """An element of one state: the schema element (keys mapped to the page's) and planning extras."""

    element: Element
    disabled: bool
    is_submit: bool
    extra: dict[str, Any]


@dataclass
class _State:
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
    elements: dict[str, _Known] = field(default_factory=dict)
    dblclicks: dict[str, _Known] = field(default_factory=dict)  # double-click targets that are no control

    def same_controls(self, other: _State) -> bool:
        return self.url == other.url and Counter(self.controls) == Counter(other.controls)

    def signature(self) -> str:
        """Normalised snapshot used to deduplicate states (order of equal texts does not matter)."""
        return json.dumps(
            [
                self.url,
                sorted(Counter(self.texts).items()),
                sorted(self.counts.items()),
                self.expanded,
                [d.get("heading", "") for d in self.dialogs],
            ],
            ensure_ascii=False,
        )


@dataclass
class _Candidate:
    """One exploration step to try from a state."""

    kind: str
    actions: list[ExploreAction]
    main_key: str | None = None  # the element whose activation this step is about
    typed: list[str] = field(default_factory=list)  # values typed, to rank the texts they produce


@dataclass
class _Node:
    """A reached state worth exploring from, with the steps that reach it from a fresh load."""

    prefix: list[ExploreAction]
    state: _State
    parent: _State | None
    depth: int
    fresh: set[str] | None = None  # keys of the elements that appeared here (None: all, at the root)
    repeat: _Candidate | None = None  # the click that reached this state moved a counter: try it again


# ---------------------------------------------------------------- helpers


def sample_value(element: Element) -> str:
    """A plausible valid value for a field, from its type first and its name second."""
    input_type = (element.input_type or "").lower()
    if input_type in SAMPLE_BY_TYPE:
        return SAMPLE_BY_TYPE[input_type]
    name = element.name.casefold()
    for pattern, value in SAMPLE_BY_NAME:
        if re.search(pattern, name):
            return value
    return DEFAULT_TEXTAREA if element.kind == "textarea" else DEFAULT_TEXT


def _number_in_range(extra: dict[str, Any], wanted: int = 2) -> str:
    """The sample number, moved into the field's min/max when it has them."""
    low, high = extra.get("min"), extra.get("max")
    value = wanted
    try:
        if low not in (None, "") and value < float(low):
            value = int(float(low))
        if high not in (None, "") and value > float(high):
            value = int(float(high))
    except ValueError:
        pass
    return str(value)


def _element_signature(element: Element) -> tuple[str, str, str, str, str]:
    """Same kind, role, name, locator and link target: the same element for a test step."""
    return (element.kind, element.role, element.name, element.locator.describe(), element.href or "")


def _meaningful(text: str) -> bool:
    """Texts that can serve as an expectation: not a lone number or punctuation."""
    return len(text) >= 2 and bool(re.search(r"[^\W\d_]", text))


def _shown_in(text: str, others: Sequence[str]) -> bool:
    """Whether `text` is already visible as part of another text (the verifier matches substrings)."""
    needle = text.casefold()
    return any(needle in other.casefold() for other in others)


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------- the explorer


class Explorer:
    """Explores the pages of one crawl; remembers layout controls (nav, header) already explored.

    `new_context` must return a fresh, isolated browser context each call (the crawl passes its own
    storage state, so a logged-in crawl explores logged in); the explorer closes what it opens.
    """

    def __init__(
        self,
        new_context: ContextFactory,
        options: CrawlOptions,
        deny_names: Sequence[str] = DEFAULT_DENY_NAMES,
        *,
        deadline: float | None = None,
    ) -> None:
        self.new_context = new_context
        self.options = options
        self.deny_names = list(deny_names)
        self.deadline = deadline if deadline is not None else time.monotonic() + options.total_timeout_s
        self.layout_done: set[tuple[str, tuple[str, ...]]] = set()
        self.known_pages: dict[
            str, set[tuple[str, str, str, str, str]]
        ] = {}  # URL path -> element signatures
        self.warnings: list[str] = []
        self.actions_used: dict[str, int] = {}  # page URL -> exploration runs spent there
        self.templates: dict[frozenset[tuple[str, str, str, str]], str] = {}  # controls -> first page URL

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def learn_pages(self, pages: Sequence[PageSnapshot]) -> None:
        """Remember what each crawled page shows at load, so that after a step leads to another page
        only what the earlier steps added there counts as new (not the whole page)."""
        for page in pages:
            path = urlsplit(page.url).path or "/"
            self.known_pages.setdefault(path, set()).update(_element_signature(e) for e in page.elements)

    def explore(self, snapshot: PageSnapshot, *, deadline: float | None = None) -> list[ObservedBehaviour]:
        """Explore one crawled page; returns its observed behaviours (possibly none)."""
        page_deadline = min(deadline, self.deadline) if deadline is not None else self.deadline
        template = frozenset(
            (e.kind, e.role, e.name, e.locator.describe()) for e in snapshot.elements if e.kind != "link"
        )
        if template and template in self.templates:
            # Same controls as a page explored already (another product of the same template): the
            # same steps would find the same behaviours, at the same cost.
            self.actions_used[snapshot.url] = 0
            return []
        if template:
            self.templates[template] = snapshot.url
        exploration = _PageExploration(self, snapshot, page_deadline)
        try:
            exploration.run()
        finally:
            self.actions_used[snapshot.url] = exploration.actions
        return exploration.behaviours

    def run_proposals(
        self, snapshot: PageSnapshot, proposals: Sequence[EdgeProposal], *, deadline: float | None = None
    ) -> list[tuple[EdgeProposal, ObservedBehaviour | None]]:
        """Execute the model's edge proposals for one page, each from a fresh context and load, exactly
        like an exploration step. Each proposal comes back with its `result` set and, when it ran and
        showed something checkable, the behaviour it produced (kind `edge_<kind>`)."""
        page_deadline = min(deadline, self.deadline) if deadline is not None else self.deadline
        exploration = _PageExploration(self, snapshot, page_deadline)
        root = exploration.baseline()
        results: list[tuple[EdgeProposal, ObservedBehaviour | None]] = []
        for proposal in proposals:
            if root is None:
                results.append(
                    (proposal.model_copy(update={"result": "not executable: the page did not load"}), None)
                )
                continue
            if exploration.remaining_s() <= MIN_RUN_S:
                results.append((proposal.model_copy(update={"result": "not executed: out of time"}), None))
                continue
            planned = exploration.edge_candidate(root, proposal)
            if isinstance(planned, str):
                results.append((proposal.model_copy(update={"result": f"not executable: {planned}"}), None))
                continue
            node, candidate = planned
            recorded = len(exploration.behaviours)
            exploration.last_failure = ""
            exploration.try_candidate(node, candidate)
            if len(exploration.behaviours) > recorded:
                # The proposal's own behaviour; a reload check after it may have recorded one more.
                results.append(
                    (proposal.model_copy(update={"result": "kept"}), exploration.behaviours[recorded])
                )
            else:
                reason = exploration.last_failure or "the same behaviour was already recorded"
                results.append((proposal.model_copy(update={"result": reason}), None))
        return results


class _PageExploration:
    """The exploration of one page: its element registry, budget, reached states and behaviours."""

    def __init__(self, owner: Explorer, snapshot: PageSnapshot, deadline: float) -> None:
        self.owner = owner
        self.options = owner.options
        self.snapshot = snapshot
        self.url = snapshot.url
        self.deadline = deadline
        self.by_key: dict[str, Element] = {element.key: element for element in snapshot.elements}
        self.registry: dict[tuple[str, str, str, str, str], str] = {
            _element_signature(element): element.key for element in snapshot.elements
        }
        self.new_count = 0
        self.actions = 0
        self.behaviours: list[ObservedBehaviour] = []
        self.seen_states: set[str] = set()
        self.seen_behaviours: set[str] = set()
        self.revealed_by_hover: set[str] = set()
        self.last_failure = ""  # why the last try_candidate recorded nothing

    # ------------------------------------------------------------ budget and time

    def remaining_s(self) -> float:
        return self.deadline - time.monotonic()

    def can_act(self) -> bool:
        return self.actions < self.options.max_actions_per_page and self.remaining_s() > MIN_RUN_S

    def action_timeout_ms(self) -> float:
        return max(min(self.options.page_timeout_s, ACTION_TIMEOUT_S, self.remaining_s()), 0.1) * 1000

    def timeouts(self) -> Timeouts:
        """The explorer's budget for `perform`: short waits, and a thorough settle (fetches, a quiet
        DOM), since what a step changed is read right after it."""
        page_ms = self.options.page_timeout_s * 1000
        return Timeouts(
            locate=LOCATE_WAIT_MS,
            action=min(page_ms, ACTION_TIMEOUT_S * 1000),
            navigation=page_ms,
            load=page_ms,
            inflight_max=INFLIGHT_MAX_MS,
            pause=SETTLE_MS,
            quiet=QUIET_MS,
            quiet_max=QUIET_MAX_MS,
            deadline=self.deadline,
            floor=100,
        )

    # ------------------------------------------------------------ the walk

    def run(self) -> None:
        """Breadth-first over reached states. Order of the budget: the page's main steps, then its
        variants (Enter instead of the button, invalid and no-match values), then reached states'
        steps, then their variants: what a page offers at load matters most."""
        if self.options.max_actions_per_page <= 0 or self.remaining_s() <= MIN_RUN_S:
            return
        root = self.baseline()
        if root is None:
            return
        self.seen_states.add(root.state.signature())
        nodes = [root]
        queue = deque([root])
        while queue and self.can_act():
            node = queue.popleft()
            for candidate in self.plan(node, primary=True):
                if not self.can_act():
                    break
                if candidate.kind in ("click", "open_menu") and candidate.main_key in self.revealed_by_hover:
                    continue
                reached = self.try_candidate(node, candidate)
                if reached is not None:
                    nodes.append(reached)
                    queue.append(reached)
            if node is root:
                self.try_all(node, self.plan(root, primary=False))
        for node in nodes[1:]:
            self.try_all(node, self.plan(node, primary=False))

    def try_all(self, node: _Node, candidates: list[_Candidate]) -> None:
        for candidate in candidates:
            if not self.can_act():
                return
            self.try_candidate(node, candidate)

    def baseline(self) -> _Node | None:
        """The page from a fresh context: the state every sequence starts from."""
        tab = self.open_tab()
        if tab is None:
            return None
        try:
            self.goto(tab, self.url)
            state = self.capture(tab, extract=True)
        except (PlaywrightError, StepFailed) as exc:
            self.owner.warn(f"Could not explore {self.url}: {first_line(exc)}")
            return None
        finally:
            tab.close()
        return _Node(prefix=[], state=state, parent=None, depth=0)

    def try_candidate(self, node: _Node, candidate: _Candidate) -> _Node | None:
        """Run prefix + candidate from a fresh load, record what changed; the reached node if new."""
        self.actions += 1
        tab = self.open_tab()
        if tab is None:
            return None
        try:
            self.goto(tab, self.url)
            fresh = self.capture(tab)
            for action in node.prefix:
                self.perform(tab, action)
            before = self.capture(tab)
            tab.reset()
            for action in candidate.actions:
                self.perform(tab, action)
            after = self.capture(tab)
            self.elements_of(tab, after, node.state)
            change = self.diff(before, after, tab, candidate)
            new_keys = self.new_keys(node.state, after)
            if not self.informative(change, before, new_keys):
                self.last_failure = "nothing observable changed"
                return None
            if candidate.kind == "dblclick" and not (new_keys or change.appeared or change.dialog):
                self.last_failure = "nothing appeared"  # a double-click that only selected text
                return None
            if candidate.kind == "hover" and candidate.main_key:
                self.revealed_by_hover.add(candidate.main_key)
            behaviour = self.record(candidate.kind, node.prefix + candidate.actions, change, new_keys)
            new_state = after.signature() not in self.seen_states
            reload = new_state and self.worth_reload(change, candidate, before, after)
            if behaviour is not None and reload and self.can_act():
                self.check_reload(tab, behaviour, fresh, after)
            elif behaviour is not None and self.worth_back(node, candidate, before, after) and self.can_act():
                self.check_back(tab, node, behaviour, fresh, after)
        except (PlaywrightError, NotExecutable, StepFailed) as exc:
            self.last_failure = f"not executable: {first_line(exc)[:200]}"
            return None  # a flaky or unreplayable sequence teaches nothing a later run could check
        finally:
            tab.close()
        reached = self.reached(node, candidate, after, new_keys)
        if reached is not None and self.counts_up(candidate, change, before, after):
            reached.repeat = candidate
        return reached

    @staticmethod
    def counts_up(candidate: _Candidate, change: StateChange, before: _State, after: _State) -> bool:
        """A click that stayed on the page and changed a number in a text ("Cart (0)" → "Cart (1)"): what
        a second click does (counts on, or refuses) is a case of its own, as a tester would check it."""
        if candidate.kind != "click" or len(candidate.actions) != 1 or after.url != before.url:
            return False
        shapes = {re.sub(r"\d+", "#", text) for text in change.vanished}
        return any(re.sub(r"\d+", "#", text) in shapes for text in change.appeared if re.search(r"\d", text))

    def new_keys(self, before: _State, after: _State) -> list[str]:
        """Elements of `after` that the steps made appear: relative to the state before on the same
        page, relative to the crawled page at load when the steps led to another page."""
        path = urlsplit(after.url).path or "/"
        if path != (urlsplit(before.url).path or "/") and path in self.owner.known_pages:
            base = self.owner.known_pages[path]
            return [k for k, known in after.elements.items() if _element_signature(known.element) not in base]
        return [key for key in after.elements if key not in before.elements]

    def reached(self, node: _Node, candidate: _Candidate, after: _State, new_keys: list[str]) -> _Node | None:
        """The state after the candidate, when it is new, on this site, and has something to act on."""
        if node.depth + 1 > self.options.max_explore_depth:
            return None
        if origin_of(after.url) != origin_of(self.url):
            return None
        signature = after.signature()
        if signature in self.seen_states:
            return None
        self.seen_states.add(signature)
        if not new_keys and not after.dialogs and not after.expanded:
            return None
        path = urlsplit(after.url).path or "/"
        if path != (urlsplit(self.url).path or "/") and path not in self.owner.known_pages:
            return None  # another page we never saw at load: we cannot tell what the steps added there
        return _Node(
            prefix=node.prefix + candidate.actions,
            state=after,
            parent=node.state,
            depth=node.depth + 1,
            fresh=set(new_keys),
        )

    # ------------------------------------------------------------ browser mechanics

    def open_tab(self) -> Tab | None:
        try:
            return Tab.open(self.owner.new_context(), track_fetches=True)
        except PlaywrightError as exc:
            self.owner.warn(f"Could not open a browser context to explore {self.url}: {exc.message}")
            return None

    def goto(self, tab: Tab, url: str) -> None:
        tab.page.set_default_timeout(self.action_timeout_ms())
        perform(Operation("goto", value=url), tab, self.timeouts())

    def perform(self, tab: Tab, action: ExploreAction) -> None:
        """Do one step with the verifier's `perform`: same locators, same Playwright calls."""
        locator = None
        if action.element_key is not None:
            element = self.by_key.get(action.element_key)
            if element is None:
                raise NotExecutable(f"unknown element {action.element_key}")
            locator = element.locator
        step = operation(action.action, locator, action.data, page_url=self.url)
        perform(step, tab, self.timeouts())

    def capture(self, tab: Tab, *, extract: bool = False) -> _State:
        page = tab.page
        raw = page.evaluate(CAPTURE_STATE_JS, ERROR_SELECTOR)
        dialogs = page.evaluate(OPEN_DIALOGS_JS)
        state = _State(
            url=normalize_url(raw["url"]),
            texts=[text for text in raw["texts"] if len(text) <= MAX_TEXT_CHARS],
            h1=raw["h1"] or None,
            counts=dict(raw["counts"]),
            alerts=list(raw["alerts"]),
            expanded=int(raw["expanded"]),
            invalid=list(raw["invalid"]),
            dialogs=list(dialogs),
            controls=list(raw["controls"]),
        )
        if extract:
            state.elements, state.dblclicks = self.extract(page)
        return state

    def elements_of(self, tab: Tab, state: _State, like: _State) -> None:
        """Fill in the state's elements: reuse `like`'s when the same controls are visible (a
        full extraction costs a locator check per element), extract them otherwise."""
        if state.same_controls(like) and like.elements:
            state.elements, state.dblclicks = like.elements, like.dblclicks
        else:
            state.elements, state.dblclicks = self.extract(tab.page)

    def key_for(self, element: Element) -> str:
        """The page's key for an element seen before (same signature), a new key (n1, n2...) if not."""
        signature = _element_signature(element)
        key = self.registry.get(signature)
        if key is None:
            self.new_count += 1
            key = f"n{self.new_count}"
            self.registry[signature] = key
        return key

    def extract(self, page: Page) -> tuple[dict[str, _Known], dict[str, _Known]]:
        """The state's elements and its double-click targets, keyed like the page's elements where
        they match (new keys where not)."""
        _, elements, extras = extract_elements(page)
        more: dict[str, dict[str, Any]] = page.evaluate(ELEMENT_EXTRAS_JS, KEY_ATTRIBUTE)
        local_to_key: dict[str, str] = {element.key: self.key_for(element) for element in elements}
        known: dict[str, _Known] = {}
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
            known[key] = _Known(mapped, local.disabled, local.is_submit, more.get(element.key, {}))
        return known, self.dblclick_targets(page)

    def dblclick_targets(self, page: Page) -> dict[str, _Known]:
        """What may react to a double-click without being a control (a list item's label), as elements
        a step can target: found by tag and exact text (`label:text-is("Buy milk")`), kept only where
        that finds exactly one element, as the verifier will require."""
        found: list[dict[str, Any]] = page.evaluate(
            DBLCLICK_TARGETS_JS, [KEY_ATTRIBUTE, MAX_DBLCLICK_TARGETS, MAX_DBLCLICK_TEXT]
        )
        targets: dict[str, _Known] = {}
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
            targets[key] = _Known(element, disabled=False, is_submit=False, extra=extra)
        return targets

    # ------------------------------------------------------------ what changed

    def diff(self, before: _State, after: _State, tab: Tab, candidate: _Candidate) -> StateChange:
        navigated = bool(tab.navigations)
        url_changed = after.url != before.url
        if navigated or url_changed:
            messages = list(after.invalid) if navigated else after.invalid[len(before.invalid) :]
            new_alerts = after.alerts
        else:
            messages = after.invalid[len(before.invalid) :]
            new_alerts = [alert for alert in after.alerts if alert not in before.alerts]
        messages = _unique([m for m in messages if m] + new_alerts)
        appeared_counter = Counter(after.texts) - Counter(before.texts)
        appeared = [
            text
            for text in _unique([t for t in after.texts if appeared_counter[t] > 0])
            if _meaningful(text) and not _shown_in(text, before.texts) and text not in messages
        ]
        typed = [value.casefold() for value in candidate.typed if value]
        labels = {
            known.element.name
            for known in after.elements.values()
            if known.element.kind in ("button", "link")
        }

        def rank(text: str) -> int:
            """Texts with what was typed first, then counts and totals, then prose; bare button and
            link labels last (they say a control exists, not what the action did)."""
            folded = text.casefold()
            if any(value in folded for value in typed):
                return 0
            if text in labels:
                return 3
            return 1 if re.search(r"\d", text) else 2

        appeared.sort(key=rank)  # stable: DOM order within a rank
        vanished_counter = Counter(before.texts) - Counter(after.texts)
        vanished = [
            text
            for text in _unique([t for t in before.texts if vanished_counter[t] > 0])
            if _meaningful(text) and not _shown_in(text, after.texts)
        ]
        counts = {
            name: (before.counts.get(name, 0), value)
            for name, value in after.counts.items()
            if value != before.counts.get(name, 0)
        }
        dialog: str | None = None
        if tab.dialogs:
            dialog = tab.dialogs[0][:MAX_TEXT_CHARS]
        elif len(after.dialogs) > len(before.dialogs) and not url_changed:
            opened = after.dialogs[-1]
            dialog = (opened.get("heading") or opened.get("text") or "")[:MAX_TEXT_CHARS] or None
        path_changed = urlsplit(after.url).path != urlsplit(before.url).path
        heading = after.h1 if (after.h1 and (path_changed or after.h1 != before.h1)) else None
        status = tab.navigations[-1].status if tab.navigations else None
        return StateChange(
            url=after.url if url_changed else None,
            status=status if (url_changed or (status is not None and status >= 400)) else None,
            heading=heading,
            appeared=appeared[:MAX_TEXTS],
            vanished=vanished[:MAX_TEXTS],
            counts=counts,
            messages=messages[:MAX_TEXTS],
            dialog=dialog,
        )

    @staticmethod
    def informative(change: StateChange, before: _State, new_keys: list[str]) -> bool:
        """Something a case could check or a later step could use; a bare change of query string
        (an empty search) or a same-page reload without visible effect is not."""
        if change.appeared or change.messages or change.dialog or change.counts or new_keys:
            return True
        if change.heading or change.vanished:
            return True
        if change.url:
            return urlsplit(change.url).path != urlsplit(before.url).path or bool(
                change.status and change.status >= 400
            )
        return False

    def record(
        self, kind: str, actions: list[ExploreAction], change: StateChange, new_keys: list[str]
    ) -> ObservedBehaviour | None:
        """Keep a behaviour once; its new_elements ground every step and describe what appeared."""
        identity = json.dumps(
            [[a.model_dump() for a in actions], change.model_dump(mode="json")], ensure_ascii=False
        )
        if identity in self.seen_behaviours:
            return None
        self.seen_behaviours.add(identity)
        referenced = [a.element_key for a in actions if a.element_key]
        keys = _unique([*referenced, *new_keys])
        new_elements = [
            self.by_key[key] for key in keys if key not in self.snapshot_keys and key in self.by_key
        ]
        destructive = any(  # acted on a deny-listed name: only possible with allow_destructive
            is_denied(self.by_key[key].name, self.by_key[key].href, self.owner.deny_names)
            for key in referenced
            if key in self.by_key
        )
        behaviour = ObservedBehaviour(
            key=f"b{len(self.behaviours) + 1}",
            kind=kind,
            actions=actions,
            change=change,
            new_elements=new_elements,
            destructive=destructive,
        )
        self.behaviours.append(behaviour)
        return behaviour

    @property
    def snapshot_keys(self) -> set[str]:
        return {element.key for element in self.snapshot.elements}

    def worth_reload(self, change: StateChange, candidate: _Candidate, before: _State, after: _State) -> bool:
        """Reload only where persistence is a question: the page kept its address and gained data."""
        if candidate.kind in ("hover", "open_menu", "escape") or change.url or not change.appeared:
            return False
        if before.url != after.url:
            return False
        typed = [value.casefold() for value in candidate.typed if value]
        data_appeared = any(value in text.casefold() for text in change.appeared for value in typed)
        return bool(change.counts) or data_appeared

    def check_reload(self, tab: Tab, behaviour: ObservedBehaviour, fresh: _State, after: _State) -> None:
        """Reload (open the same address again) and record which of the new texts survived."""
        self.actions += 1
        tab.reset()
        self.goto(tab, after.url)
        reloaded = self.capture(tab)
        self.elements_of(tab, reloaded, after)
        kept = [text for text in behaviour.change.appeared if _shown_in(text, reloaded.texts)]
        behaviour.change.persists_after_reload = bool(kept)
        if not kept:
            return
        appeared = [text for text in kept if not _shown_in(text, fresh.texts)]
        if not appeared:
            return
        counts = {
            name: (fresh.counts.get(name, 0), value)
            for name, value in reloaded.counts.items()
            if value != fresh.counts.get(name, 0)
        }
        change = StateChange(appeared=appeared, counts=counts, persists_after_reload=True)
        actions = [*behaviour.actions, ExploreAction(action="open", data=after.url)]
        new_keys = [key for key in reloaded.elements if key not in self.snapshot_keys]
        self.record("reload", actions, change, new_keys)

    def worth_back(self, node: _Node, candidate: _Candidate, before: _State, after: _State) -> bool:
        """Go back only where persistence is a question: the steps changed this page's state (a reached
        state, or a submit) and then led to another page of the site."""
        if node.depth < 1 and candidate.kind not in SUBMIT_KINDS:
            return False
        if candidate.kind.startswith("edge_"):
            return False  # an edge proposal is one case: run_proposals keeps one behaviour each
        if node.prefix and all(action.action == "hover" for action in node.prefix):
            return False  # a hover-revealed menu is gone once the pointer leaves: nothing can persist
        if origin_of(after.url) != origin_of(self.url):
            return False
        here = urlsplit(self.url).path or "/"
        if (urlsplit(before.url).path or "/") != here:
            return False
        return (urlsplit(after.url).path or "/") != here

    def check_back(
        self, tab: Tab, node: _Node, behaviour: ObservedBehaviour, fresh: _State, after: _State
    ) -> None:
        """Go back in history from the page the steps led to, and record what the page shows then that a
        fresh load does not ("Cart (1)" after adding to the cart): the state that persisted."""
        self.actions += 1
        tab.reset()
        try:
            perform(Operation("back"), tab, self.timeouts())
            back = self.capture(tab)
            self.elements_of(tab, back, node.state)
        except (PlaywrightError, StepFailed):
            return  # the navigation itself was recorded; a failed return teaches nothing more
        if back.url != node.state.url:
            return  # not back where the steps left from (a redirect, a page that replaced its entry)
        kept = [
            text for text in _unique(back.texts) if _meaningful(text) and not _shown_in(text, fresh.texts)
        ]
        if not kept:
            return
        kept.sort(key=lambda text: not _shown_in(text, node.state.texts))  # what was there before first
        counts = {
            name: (fresh.counts.get(name, 0), value)
            for name, value in back.counts.items()
            if value != fresh.counts.get(name, 0)
        }
        change = StateChange(url=back.url, heading=back.h1, appeared=kept[:MAX_TEXTS], counts=counts)
        actions = [*behaviour.actions, ExploreAction(action="back")]
        new_keys = [key for key in back.elements if key not in self.snapshot_keys]
        self.record("back", actions, change, new_keys)

    # ------------------------------------------------------------ planning

    def denied(self, element: Element) -> bool:
        if self.options.allow_destructive:
            return False
        return is_denied(element.name, element.href, self.owner.deny_names)

    def plan(self, node: _Node, *, primary: bool) -> list[_Candidate]:
        """The steps to try from a state, most telling first. At the root every element is a candidate;
        in a reached state only the elements that appeared there (plus Escape when something opened)."""
        state = node.state
        fresh_keys = set(state.elements) if node.fresh is None else node.fresh
        candidates: list[_Candidate] = []
        forms = [k for k in state.elements.values() if k.element.kind == "form"]
        in_form_with_submit: set[str] = set()
        for form in forms:
            submit = state.elements.get(form.element.submit_key or "")
            if submit is not None:
                in_form_with_submit.update(form.element.field_keys)
            touched = form.element.key in fresh_keys or any(k in fresh_keys for k in form.element.field_keys)
            if touched:
                candidates += self.form_candidates(state, form, submit, primary=primary)
        if primary and node.repeat is not None:
            last = node.repeat
            candidates.append(_Candidate("repeat", list(last.actions), main_key=last.main_key))
        if primary:
            candidates += self.control_candidates(node, fresh_keys, in_form_with_submit)
        elif node.parent is not None and (state.dialogs or state.expanded):
            candidates.append(
                _Candidate("escape", [ExploreAction(action="press", data="Escape")], main_key=None)
            )
        return [c for c in candidates if self.allowed(c, node)]

    def allowed(self, candidate: _Candidate, node: _Node) -> bool:
        """Deny-listed elements are never acted on; layout controls are explored on one page only."""
        for action in candidate.actions:
            element = self.by_key.get(action.element_key) if action.element_key else None
            if element is not None and self.denied(element):
                self.owner.warn(
                    f"Did not explore {element.name!r} on {self.url}: its name is on the deny-list"
                )
                return False
        if node.parent is None and candidate.main_key:
            known = node.state.elements.get(candidate.main_key)
            if known is not None and known.extra.get("layout"):
                mark = (candidate.kind, _element_signature(known.element))
                if mark in self.owner.layout_done:
                    return False
                self.owner.layout_done.add(mark)
        return True

    def fill_actions(
        self, state: _State, form: _Known, *, override: dict[str, str] | None = None
    ) -> tuple[list[ExploreAction], list[str]]:
        """Valid values in every field (one invalid where asked), required boxes ticked, options chosen."""
        actions: list[ExploreAction] = []
        typed: list[str] = []
        radio_groups: set[str] = set()
        for key in form.element.field_keys:
            known = state.elements.get(key)
            if known is None or known.disabled or known.extra.get("readonly"):
                continue
            element = known.element
            if element.kind in ("input", "textarea") and element.input_type in TEXT_TYPES | {"textarea"}:
                if override and key in override:
                    value = override[key]
                elif element.input_type == "number":
                    value = _number_in_range(known.extra)
                    if value == known.extra.get("value"):
                        value = _number_in_range(known.extra, int(value) + 1)
                else:
                    value = sample_value(element)
                actions.append(ExploreAction(action="fill", element_key=key, data=value))
                typed.append(value)
            elif element.kind == "select":
                option = self.pick_option(known)
                if option is not None:
                    actions.append(ExploreAction(action="select", element_key=key, data=option))
            elif element.kind == "checkbox" and element.required and not known.extra.get("checked"):
                actions.append(ExploreAction(action="check", element_key=key))
            elif element.kind == "radio":
                group = known.extra.get("radioGroup") or key
                if element.required and group not in radio_groups:
                    radio_groups.add(group)
                    actions.append(ExploreAction(action="check", element_key=key))
        return actions, typed

    def edge_candidate(self, root: _Node, proposal: EdgeProposal) -> tuple[_Node, _Candidate] | str:
        """The steps of an edge proposal from the page at load, or why it cannot be executed.

        A field's edge value is typed with valid values in the form's other fields, then the form is
        submitted as the user would (its button, else Enter). A repeat runs the button's action once
        (with a form's valid values) as the prefix and then again: the case checks the second time.
        """
        state = root.state
        known = state.elements.get(proposal.element_key)
        if known is None or known.disabled:
            return f"“{proposal.element_name}” is not on the page at load or is disabled"
        element = known.element
        if self.denied(element):
            return f"“{element.name}” is on the deny-list"
        form = next(
            (
                item
                for item in state.elements.values()
                if item.element.kind == "form"
                and (element.key in item.element.field_keys or item.element.submit_key == element.key)
            ),
            None,
        )
        if proposal.kind == "repeat":
            if element.kind != "button":
                return f"“{element.name}” is not a button"
            steps: list[ExploreAction] = [ExploreAction(action="click", element_key=element.key)]
            typed: list[str] = []
            if form is not None:
                valid, typed = self.fill_actions(state, form)
                steps = valid + self.submit_actions(state, form, known)
            node = _Node(prefix=steps, state=state, parent=state, depth=root.depth + 1)
            return node, _Candidate("edge_repeat", list(steps), main_key=element.key, typed=typed)
        if form is None:
            return f"“{element.name}” is in no form"
        value = EDGE_VALUES[proposal.kind]
        actions, typed = self.fill_actions(state, form, override={element.key: value})
        if not any(a.element_key == element.key and a.action == "fill" for a in actions):
            return f"“{element.name}” is not a text field that can be typed into"
        submit_key = form.element.submit_key
        submit = state.elements.get(submit_key) if submit_key else None
        candidate = _Candidate(
            f"edge_{proposal.kind}",
            actions + self.submit_actions(state, form, submit),
            main_key=submit_key or form.element.key,
            typed=[t for t in typed if t],
        )
        return root, candidate

    @staticmethod
    def pick_option(known: _Known) -> str | None:
        """A real option (not a "Choose..." placeholder), different from the current one where possible."""
        current = known.extra.get("value", "")
        options = [o for o in known.extra.get("options", []) if not o.get("disabled") and o.get("label")]
        real = [o for o in options if o.get("value") != ""]
        if not real:
            return None
        different = [o for o in real if o.get("value") != current]
        return str((different or real)[0]["label"])

    def submit_actions(self, state: _State, form: _Known, submit: _Known | None) -> list[ExploreAction]:
        if submit is not None:
            return [ExploreAction(action="click", element_key=submit.element.key)]
        for key in reversed(form.element.field_keys):
            known = state.elements.get(key)
            if (
                known is not None
                and known.element.kind == "input"
                and known.element.input_type in ENTER_TYPES
            ):
                return [ExploreAction(action="press", element_key=key, data="Enter")]
        return [ExploreAction(action="submit", element_key=form.element.key)]

    def form_candidates(
        self, state: _State, form: _Known, submit: _Known | None, *, primary: bool
    ) -> list[_Candidate]:
        fields = [state.elements[k] for k in form.element.field_keys if k in state.elements]
        text_fields = [
            f
            for f in fields
            if f.element.kind in ("input", "textarea")
            and f.element.input_type in TEXT_TYPES | {"textarea"}
            and not f.disabled
            and not f.extra.get("readonly")
        ]
        main = submit.element.key if submit is not None else form.element.key
        submit_steps = self.submit_actions(state, form, submit)
        if not fields:
            if primary and submit is not None:
                return [_Candidate("submit", submit_steps, main_key=main)]
            return []
        valid, typed = self.fill_actions(state, form)
        candidates: list[_Candidate] = []
        if primary:
            if valid:
                candidates.append(_Candidate("fill_submit", valid + submit_steps, main_key=main, typed=typed))
            clear = [
                ExploreAction(action="fill", element_key=f.element.key, data="")
                for f in text_fields
                if f.extra.get("value")
            ]
            candidates.append(_Candidate("submit_empty", clear + submit_steps, main_key=main))
            return candidates
        enter_fields = [f for f in text_fields if f.element.input_type in ENTER_TYPES]
        if submit is not None and enter_fields and valid:
            last = enter_fields[-1].element.key
            enter = [ExploreAction(action="press", element_key=last, data="Enter")]
            candidates.append(_Candidate("fill_enter", valid + enter, main_key=last, typed=typed))
        for known in text_fields:
            if known.element.input_type == "search" or re.search(SEARCH_NAMES, known.element.name.casefold()):
                bad = {known.element.key: NO_MATCH}
                no_match, typed_no_match = self.fill_actions(state, form, override=bad)
                candidates.append(
                    _Candidate(
                        "search_no_match", no_match + submit_steps, main_key=main, typed=typed_no_match
                    )
                )
                break  # a search that finds nothing: the "no results" state
        for known in text_fields:
            if known.element.input_type in INVALID_BY_TYPE:
                bad = {known.element.key: INVALID_BY_TYPE[known.element.input_type or ""]}
                invalid, typed_invalid = self.fill_actions(state, form, override=bad)
                candidates.append(
                    _Candidate("submit_invalid", invalid + submit_steps, main_key=main, typed=typed_invalid)
                )
                value = bad[known.element.key]
                blur = [
                    ExploreAction(action="fill", element_key=known.element.key, data=value),
                    ExploreAction(action="press", element_key=known.element.key, data="Tab"),
                ]
                candidates.append(_Candidate("blur_invalid", blur, main_key=known.element.key, typed=[value]))
                break  # one invalid field per form is enough to show the form's validation
        return candidates

    def control_candidates(
        self, node: _Node, fresh_keys: set[str], in_form_with_submit: set[str]
    ) -> list[_Candidate]:
        """Toggles, selects, lone fields, buttons, hovers, double-clicks and (in reached states) revealed
        links."""
        state = node.state
        toggles: list[_Candidate] = []
        selects: list[_Candidate] = []
        fills: list[_Candidate] = []
        clicks: list[_Candidate] = []
        dblclicks: list[_Candidate] = []
        links: list[_Candidate] = []
        clicked_names: set[tuple[str, str]] = set()
        for key, known in state.elements.items():
            if key not in fresh_keys or known.disabled:
                continue
            element = known.element
            if known.extra.get("dblclick"):
                dblclicks.append(
                    _Candidate("dblclick", [ExploreAction(action="dblclick", element_key=key)], key)
                )
            if key in in_form_with_submit:
                continue  # the form's own candidates cover its fields
            if element.kind in ("checkbox", "radio"):
                if element.kind == "radio" and known.extra.get("checked"):
                    continue
                data = UNCHECK if known.extra.get("checked") else None
                toggles.append(
                    _Candidate("toggle", [ExploreAction(action="check", element_key=key, data=data)], key)
                )
            elif element.kind == "select":
                option = self.pick_option(known)
                if option is not None:
                    selects.append(
                        _Candidate(
                            "select", [ExploreAction(action="select", element_key=key, data=option)], key
                        )
                    )
            elif element.kind in ("input", "textarea") and element.input_type in ENTER_TYPES:
                if element.form_key is None:
                    value = sample_value(element)
                    if value == known.extra.get("value"):
                        value += EDITED_SUFFIX  # an edit field already holding it: typing it changes nothing
                    steps = [
                        ExploreAction(action="fill", element_key=key, data=value),
                        ExploreAction(action="press", element_key=key, data="Enter"),
                    ]
                    fills.append(_Candidate("fill_enter", steps, key, typed=[value]))
            elif element.kind == "button" and not known.is_submit:
                if known.extra.get("reveals"):
                    clicks.append(_Candidate("hover", [ExploreAction(action="hover", element_key=key)], key))
                group = (element.role, element.name)
                if element.name and group in clicked_names:
                    continue  # one of several same-named buttons ("Add to cart" per product) is enough
                clicked_names.add(group)
                kind = "open_menu" if known.extra.get("haspopup") else "click"
                clicks.append(_Candidate(kind, [ExploreAction(action="click", element_key=key)], key))
            elif element.kind == "link":
                if known.extra.get("reveals") and node.parent is None:
                    clicks.append(_Candidate("hover", [ExploreAction(action="hover", element_key=key)], key))
                if node.parent is not None and len(links) < MAX_LINKS_PER_STATE:
                    if element.href and origin_of(element.href) == origin_of(self.url):
                        links.append(
                            _Candidate("navigate", [ExploreAction(action="click", element_key=key)], key)
                        )
        before = node.parent.dblclicks if node.parent is not None else {}
        on_page = (urlsplit(state.url).path or "/") == (urlsplit(self.url).path or "/")
        for key, known in state.dblclicks.items():
            if key in before:
                continue
            if not known.extra.get("handler") and (node.parent is None or not on_page):
                continue  # a list's labels count once they appeared after an action here (an added item)
            dblclicks.append(_Candidate("dblclick", [ExploreAction(action="dblclick", element_key=key)], key))
        return toggles + selects + fills + clicks + dblclicks[:MAX_DBLCLICKS_PER_STATE] + links


# ---------------------------------------------------------------- entry point


def explore_page(
    new_context: ContextFactory,
    snapshot: PageSnapshot,
    options: CrawlOptions,
    deny_names: Sequence[str] | None = None,
    *,
    deadline: float | None = None,
) -> list[ObservedBehaviour]:
    """Explore one page (see the module docstring); `deny_names` defaults to options', then the crawler's."""
    names = deny_names if deny_names is not None else (options.deny_names or DEFAULT_DENY_NAMES)
    explorer = Explorer(new_context, options, names, deadline=deadline)
    explorer.learn_pages([snapshot])
    return explorer.explore(snapshot)


__all__ = ["Explorer", "explore_page", "sample_value"]
