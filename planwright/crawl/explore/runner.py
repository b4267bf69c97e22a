"""The exploration runner: a breadth-first walk over the states a page reaches, each run from a fresh
browser context and load, within its budget; the browser work is here, the decisions are not.

What to try comes from `candidates.plan` (filtered here by the deny-list and "layout controls once per
crawl", the two rules that need memory); what a run changed from `diffing.diff`; which follow-up a
change deserves (a reload, going back) from `diffing.worth_reload / worth_back`; what the reached
states' elements are called from `elements.ElementRegistry`. The package docstring says what is
explored and within which bounds.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.errors import NotExecutable, StepFailed, first_line
from planwright.browser.operations import Operation, operation
from planwright.browser.perform import Timeouts, perform
from planwright.browser.recorder import Tab
from planwright.browser.scripts import (
    CAPTURE_STATE_JS,
    ERROR_SELECTOR,
    OPEN_DIALOGS_JS,
)
from planwright.crawl.actionable import install as install_listener_tracking
from planwright.crawl.explore.candidates import CandidateRules, plan
from planwright.crawl.explore.diffing import (
    FORM_SENDS,
    MAX_TEXT_CHARS,
    back_change,
    counts_up,
    diff,
    informative,
    persisted,
    reload_change,
    worth_back,
    worth_reload,
)
from planwright.crawl.explore.elements import ElementRegistry
from planwright.crawl.explore.groups import GROUP_KINDS, press_again, refused
from planwright.crawl.explore.oracles import with_oracles
from planwright.crawl.explore.own_items import removes_own_item
from planwright.crawl.explore.sequences import (
    ClickMemory,
    another_item,
    moved_on,
    single_click,
    unchanged_change,
)
from planwright.crawl.explore.state import (
    Candidate,
    ElementSignature,
    Node,
    State,
    StepEvents,
    client_route,
    element_signature,
    unique,
)
from planwright.crawl.urls import is_denied, normalize_url, origin_of, page_path
from planwright.schemas import (
    CrawlOptions,
    Element,
    ExploreAction,
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
RESULT_POLL_MS = 250  # after an interaction group's press: look again this often...
RESULT_STABLE_MS = 500  # ...until the texts held still this long...
RESULT_WAIT_MS = 2000  # ...or this long in all


@dataclass
class CrawlMemory:
    """What the explorations of one crawl's pages share: how to open a context, the options and rules,
    what each crawled page shows at load, the layout controls explored already, and the warnings."""

    new_context: ContextFactory
    options: CrawlOptions
    deny_names: list[str]
    rules: CandidateRules
    known_pages: dict[str, set[ElementSignature]] = field(default_factory=dict)  # URL path -> signatures
    layout_done: set[tuple[str, ElementSignature]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


class PageExploration:
    """The exploration of one page: its element registry, budget, reached states and behaviours."""

    def __init__(
        self, owner: CrawlMemory, snapshot: PageSnapshot, deadline: float, budget: int | None = None
    ) -> None:
        self.owner = owner
        self.budget = owner.options.max_actions_per_page if budget is None else budget
        self.options = owner.options
        self.snapshot = snapshot
        self.url = snapshot.url
        self.deadline = deadline
        self.elements = ElementRegistry(snapshot)
        self.actions = 0
        self.behaviours: list[ObservedBehaviour] = []
        self.seen_states: set[str] = set()
        self.seen_behaviours: set[str] = set()
        self.revealed_by_hover: set[str] = set()
        self.last_failure = ""  # why the last try_candidate recorded nothing
        self.last_refused = False  # whether the app refused the values the last try_candidate typed
        self.clicks = ClickMemory()  # what each click did at load: the follow-ups of reached states
        self.root: State | None = None  # the page at a fresh load, once baseline() has run
        self.own_keys: set[str] = set()  # deny-listed removals allowed on the run's own items

    # ------------------------------------------------------------ budget and time

    def remaining_s(self) -> float:
        return self.deadline - time.monotonic()

    def can_act(self) -> bool:
        return self.actions < self.budget and self.remaining_s() > MIN_RUN_S

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
        """Breadth-first over reached states, in two rounds. First the states where something appeared
        (a revealed form, a dialog, a new row): the page's main steps, its variants (Enter instead of
        the button, invalid and no-match values), reached states' steps, then their variants — what a
        page offers at load matters most. Then the sequences (`sequences`): states a click reached
        without revealing anything (a board after a move, the next card), and every reached state's
        follow-up clicks."""
        if self.budget <= 0 or self.remaining_s() <= MIN_RUN_S:
            return
        root = self.baseline()
        if root is None:
            return
        self.seen_states.add(root.state.signature())
        revealing: list[Node] = [root]
        moved: deque[Node] = deque()  # states a click reached without revealing anything
        self.walk(deque([root]), revealing, moved, sequences=False)
        for node in revealing[1:]:
            self.try_all(node, self.plan(node, primary=False))
        planned = {id(node) for node in moved}  # their own steps are still to try
        queue = deque([*moved, *revealing[1:]])
        sequenced: list[Node] = []
        self.walk(queue, sequenced, queue, sequences=True, unplanned=planned)
        for node in [*moved, *sequenced]:
            self.try_all(node, self.plan(node, primary=False))

    def walk(
        self,
        queue: deque[Node],
        found: list[Node],
        moved: deque[Node],
        *,
        sequences: bool,
        unplanned: set[int] | None = None,
    ) -> None:
        """One breadth-first round: each state's own steps (without `sequences`, or where `unplanned`
        says they were not tried yet) and, with `sequences`, its follow-up clicks. Reached states that
        revealed something join `queue` and `found`; the others `moved` (the same queue with
        `sequences`)."""
        while queue and self.can_act():
            node = queue.popleft()
            candidates: list[Candidate] = []
            if not sequences or (unplanned is not None and id(node) in unplanned):
                candidates += self.plan(node, primary=True)
            if sequences and node.parent is not None:
                candidates += self.followups(node)
            for candidate in candidates:
                if not self.can_act():
                    break
                if candidate.kind in ("click", "open_menu") and candidate.main_key in self.revealed_by_hover:
                    continue
                reached = self.try_with_value_search(node, candidate)
                if reached is None:
                    continue
                if sequences or reached.fresh or reached.state.dialogs or reached.state.expanded:
                    found.append(reached)
                    queue.append(reached)
                    if sequences and unplanned is not None:
                        unplanned.add(id(reached))
                else:
                    moved.append(reached)
            if node.parent is None:
                self.try_all(node, self.plan(node, primary=False))

    def try_with_value_search(self, node: Node, candidate: Candidate) -> Node | None:
        """Run a candidate; while the app refuses the values it typed, its next class of valid values
        (bounded by the candidate's `retries`). Each refused try stays recorded as the refusal it is."""
        for attempt in [candidate, *candidate.retries]:
            if not self.can_act():
                return None
            reached = self.try_candidate(node, attempt)
            if not self.last_refused:
                return reached
        return None

    def try_all(self, node: Node, candidates: list[Candidate]) -> None:
        for candidate in candidates:
            if not self.can_act():
                return
            self.try_candidate(node, candidate)

    def baseline(self) -> Node | None:
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
        self.root = state
        return Node(prefix=[], state=state, parent=None, depth=0)

    def try_candidate(self, node: Node, candidate: Candidate) -> Node | None:
        """Run prefix + candidate from a fresh load, record what changed; the reached node if new."""
        self.actions += 1
        self.last_refused = False
        tab = self.open_tab()
        if tab is None:
            return None
        try:
            self.goto(tab, self.url)
            fresh = self.capture(tab)
            for action in node.prefix:
                self.perform(tab, action)
            before = self.capture(tab)
            before.marks = list(node.state.marks)
            tab.reset()
            clicked = single_click(candidate)
            look = self.elements.look(tab.page, clicked)
            for action in candidate.actions:
                self.perform(tab, action)
            after = self.capture(tab)
            if candidate.kind in GROUP_KINDS:
                after = self.settled(tab, after)
            looks_now = self.elements.look(tab.page, clicked) if look is not None else None
            turned = looks_now is not None and looks_now != look  # the clicked thing changed its look
            after.marks = sorted({*node.state.marks, clicked}) if turned and clicked else list(before.marks)
            self.elements_of(tab, after, node.state)
            change = diff(before, after, self.events(tab), candidate.typed)
            computes = candidate.kind in GROUP_KINDS or candidate.kind == "fill_submit"
            change = with_oracles(
                change, before, after, candidate.typed if computes else [], computed=candidate.kind == "slide"
            )
            if change.url and client_route(change.url) and not change.appeared:
                shown = unchanged_change(fresh, after)  # a filter's view: which of the steps' items it lists
                if shown is not None:
                    change = change.model_copy(update={"appeared": shown.appeared})
            new_keys = self.new_keys(node.state, after)
            if not informative(change, before, new_keys, sent_form=candidate.kind in FORM_SENDS):
                self.clicks.learn(node, candidate, idle=not turned)
                kept = unchanged_change(fresh, after) if candidate.kind == "repeat" else None
                if kept is not None:  # the same click again changed nothing: what it brought stays
                    self.record("repeat", node.prefix + candidate.actions, kept, [])
                self.last_failure = "nothing observable changed"
                if not turned:
                    return None
                return self.reached(node, candidate, after, new_keys)  # only the clicked thing turned
            if candidate.kind == "dblclick" and not (new_keys or change.appeared or change.dialog):
                self.last_failure = "nothing appeared"  # a double-click that only selected text
                return None
            if candidate.kind == "hover" and candidate.main_key:
                self.revealed_by_hover.add(candidate.main_key)
            self.last_refused = refused(change)
            self.clicks.learn(node, candidate, idle=self.last_refused)
            behaviour = self.record(
                self.honest_kind(candidate.kind, change), node.prefix + candidate.actions, change, new_keys
            )
            new_state = after.signature() not in self.seen_states
            # an add done again asks what the first add's reload answered already
            reload = new_state and not candidate.again and worth_reload(change, candidate, before, after)
            if behaviour is not None and reload and self.can_act():
                self.check_reload(tab, behaviour, fresh, after)
            elif (
                behaviour is not None
                and worth_back(node, candidate, before, after, self.url)
                and self.can_act()
            ):
                self.check_back(tab, node, behaviour, fresh, after)
        except (PlaywrightError, NotExecutable, StepFailed) as exc:
            self.last_failure = f"not executable: {first_line(exc)[:200]}"
            return None  # a flaky or unreplayable sequence teaches nothing a later run could check
        finally:
            tab.close()
        if candidate.again and any(action.action == "fill" for action in candidate.actions):
            return None  # an add done again: its list offers what the first add's did, explored there
        reached = self.reached(node, candidate, after, new_keys)
        if reached is not None and (
            counts_up(candidate, change, before, after)
            or (len(candidate.actions) == 1 and moved_on(candidate, before, after))
        ):
            reached.repeat = candidate
        elif reached is not None and candidate.kind == "group_fill" and not self.last_refused:
            reached.repeat = press_again(candidate, after)
        elif reached is not None and not self.last_refused:
            reached.repeat = another_item(candidate, change, before, after)
        return reached

    @staticmethod
    def honest_kind(kind: str, change: StateChange) -> str:
        """A fill the app refused is recorded as a refusal, never as "valid data"."""
        if kind == "group_fill" and refused(change):
            return "group_refused"
        if kind == "fill_submit" and refused(change):
            return "submit_refused"
        if kind == "group_invalid" and not refused(change):
            return "group_invalid_accepted"  # the app took what the field's markup calls invalid
        return kind

    def new_keys(self, before: State, after: State) -> list[str]:
        """Elements of `after` that the steps made appear: relative to the state before on the same
        page, relative to the crawled page at load when the steps led to another page."""
        path = page_path(after.url)
        if path != page_path(before.url) and path in self.owner.known_pages:
            base = self.owner.known_pages[path]
            return [k for k, known in after.elements.items() if element_signature(known.element) not in base]
        return [
            key
            for key, known in after.elements.items()
            if key not in before.elements or (before.elements[key].disabled and not known.disabled)
        ]  # a control the steps enabled is new to act on too (a Reset after typing, a Next after choosing)

    def reached(self, node: Node, candidate: Candidate, after: State, new_keys: list[str]) -> Node | None:
        """The state after the candidate, when it is new, on this site, and has something to act on."""
        if node.depth + 1 > self.options.max_explore_depth:
            return None
        if origin_of(after.url) != origin_of(self.url):
            return None
        signature = after.signature()
        if signature in self.seen_states:
            return None
        self.seen_states.add(signature)
        if not (new_keys or after.dialogs or after.expanded or moved_on(candidate, node.state, after)):
            return None
        path = page_path(after.url)
        if path != page_path(self.url) and path not in self.owner.known_pages:
            return None  # another page we never saw at load: we cannot tell what the steps added there
        return Node(
            prefix=node.prefix + candidate.actions,
            state=after,
            parent=node.state,
            depth=node.depth + 1,
            fresh=set(new_keys),
        )

    # ------------------------------------------------------------ browser mechanics

    @staticmethod
    def events(tab: Tab) -> StepEvents:
        """What the browser reported during the last step, as the diff reads it."""
        return StepEvents(
            dialogs=list(tab.dialogs), navigation_statuses=[response.status for response in tab.navigations]
        )

    def open_tab(self) -> Tab | None:
        try:
            context = self.owner.new_context()
            install_listener_tracking(context)  # before the page's scripts: which elements listen
            return Tab.open(context, track_fetches=True)
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
            element = self.elements.by_key.get(action.element_key)
            if element is None:
                raise NotExecutable(f"unknown element {action.element_key}")
            locator = element.locator
        step = operation(action.action, locator, action.data, page_url=self.url)
        perform(step, tab, self.timeouts())

    def capture(self, tab: Tab, *, extract: bool = False) -> State:
        page = tab.page
        raw = page.evaluate(CAPTURE_STATE_JS, ERROR_SELECTOR)
        dialogs = page.evaluate(OPEN_DIALOGS_JS)
        state = State(
            url=normalize_url(raw["url"]),
            texts=[text for text in raw["texts"] if len(text) <= MAX_TEXT_CHARS],
            h1=raw["h1"] or None,
            counts=dict(raw["counts"]),
            alerts=list(raw["alerts"]),
            expanded=int(raw["expanded"]),
            invalid=list(raw["invalid"]),
            dialogs=list(dialogs),
            controls=list(raw["controls"]),
            joined=list(raw.get("joined", [])),
            headings=list(raw.get("headings", [])),
            route=client_route(raw["url"]),
            stored=str(raw.get("stored") or ""),
        )
        if extract:
            state.elements, state.dblclicks, state.groups = self.elements.extract(page)
        return state

    def settled(self, tab: Tab, state: State) -> State:
        """The state once its texts held still for RESULT_STABLE_MS: a calculator shows
        "Calculating…" first and its result a moment later (a timer, not a fetch), and the result is
        what the case must claim. At most RESULT_WAIT_MS."""
        waited = stable = 0
        while waited < RESULT_WAIT_MS and stable < RESULT_STABLE_MS and self.remaining_s() > MIN_RUN_S:
            tab.page.wait_for_timeout(RESULT_POLL_MS)
            waited += RESULT_POLL_MS
            again = self.capture(tab)
            stable = stable + RESULT_POLL_MS if again.signature() == state.signature() else 0
            state = again
        return state

    def elements_of(self, tab: Tab, state: State, like: State) -> None:
        """Fill in the state's elements: reuse `like`'s when the same controls are visible (a
        full extraction costs a locator check per element), extract them otherwise."""
        if state.same_controls(like) and like.elements:
            state.elements, state.dblclicks, state.groups = like.elements, like.dblclicks, like.groups
        else:
            state.elements, state.dblclicks, state.groups = self.elements.extract(tab.page)

    # ------------------------------------------------------------ recording

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
        keys = unique([*referenced, *new_keys])
        new_elements = [
            self.elements.by_key[key]
            for key in keys
            if key not in self.snapshot_keys and key in self.elements.by_key
        ]
        destructive = any(  # acted on a deny-listed name (not an own item's removal): allow_destructive
            is_denied(self.elements.by_key[key].name, self.elements.by_key[key].href, self.owner.deny_names)
            for key in referenced
            if key in self.elements.by_key and key not in self.own_keys
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

    def check_reload(self, tab: Tab, behaviour: ObservedBehaviour, fresh: State, after: State) -> None:
        """Reload (open the same address again) and record which of the new texts survived."""
        self.actions += 1
        tab.reset()
        self.goto(tab, after.url)
        reloaded = self.capture(tab)
        self.elements_of(tab, reloaded, after)
        kept = persisted(behaviour.change.appeared, reloaded)
        behaviour.change.persists_after_reload = bool(kept)
        change = reload_change(kept, fresh, reloaded)
        if change is None:
            return
        actions = [*behaviour.actions, ExploreAction(action="open", data=after.url)]
        new_keys = [key for key in reloaded.elements if key not in self.snapshot_keys]
        self.record("reload", actions, change, new_keys)

    def check_back(
        self, tab: Tab, node: Node, behaviour: ObservedBehaviour, fresh: State, after: State
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
        change = back_change(fresh, node.state, back)
        if change is None:
            return
        actions = [*behaviour.actions, ExploreAction(action="back")]
        new_keys = [key for key in back.elements if key not in self.snapshot_keys]
        self.record("back", actions, change, new_keys)

    # ------------------------------------------------------------ planning

    def denied(self, element: Element) -> bool:
        if self.options.allow_destructive:
            return False
        return is_denied(element.name, element.href, self.owner.deny_names)

    def own_item(self, key: str, node: Node) -> bool:
        allowed = self.root is not None and not self.options.allow_destructive
        return allowed and self.root is not None and removes_own_item(key, node, self.root)

    def plan(self, node: Node, *, primary: bool) -> list[Candidate]:
        """The rules' candidates for a state, less those the deny-list or layout-once rule forbids."""
        candidates = plan(node, self.url, primary=primary, rules=self.owner.rules)
        return [c for c in candidates if self.allowed(c, node)]

    def followups(self, node: Node) -> list[Candidate]:
        """The state's follow-up clicks, less those its own steps tried already."""
        tried = {
            repr([a.model_dump() for a in c.actions])
            for c in plan(node, self.url, primary=True, rules=self.owner.rules)
        }
        return [
            c
            for c in self.clicks.followups(node)
            if repr([a.model_dump() for a in c.actions]) not in tried and self.allowed(c, node)
        ]

    def allowed(self, candidate: Candidate, node: Node) -> bool:
        """Deny-listed elements are never acted on; layout controls are explored on one page only."""
        for action in candidate.actions:
            element = self.elements.by_key.get(action.element_key) if action.element_key else None
            if element is not None and action.element_key and self.own_item(action.element_key, node):
                self.own_keys.add(action.element_key)  # the removal of an item the run created
                continue
            if element is not None and self.denied(element):
                self.owner.warn(
                    f"Did not explore {element.name!r} on {self.url}: its name is on the deny-list"
                )
                return False
        if node.parent is None and candidate.main_key:
            known = node.state.elements.get(candidate.main_key)
            if known is not None and known.extra.get("layout"):
                mark = (candidate.kind, element_signature(known.element))
                if mark in self.owner.layout_done:
                    return False
                self.owner.layout_done.add(mark)
        return True
