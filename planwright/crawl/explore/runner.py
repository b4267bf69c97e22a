"""The exploration runner: a breadth-first walk over the states a page reaches, each run from a fresh
browser context and load, within its budget; the walk is here, the decisions are not.

What to try comes from `candidates.plan` (filtered here by the deny-list and "layout controls once per
crawl", the two rules that need memory); what a run changed from `diffing.diff`; which follow-up a
change deserves (a reload, going back) from `diffing.worth_reload / worth_back`; what the reached
states' elements are called from `elements.ElementRegistry`. The browser steps themselves (a fresh
context, a load, `perform`, capturing and settling) are `browsing`'s, the recording of behaviours and
of the reload and back checks `recording`'s. The package docstring says what is explored and within
which bounds.
"""

from __future__ import annotations

from collections import deque

from playwright.sync_api import Error as PlaywrightError

from planwright.browser.errors import NotExecutable, StepFailed, first_line
from planwright.crawl.explore.browsing import MIN_RUN_S, CrawlMemory
from planwright.crawl.explore.candidates import plan
from planwright.crawl.explore.diffing import (
    FORM_SENDS,
    counts_up,
    diff,
    informative,
    worth_back,
    worth_reload,
)
from planwright.crawl.explore.elements import ElementRegistry
from planwright.crawl.explore.groups import GROUP_KINDS, press_again, refused
from planwright.crawl.explore.oracles import with_oracles
from planwright.crawl.explore.own_items import removes_own_item
from planwright.crawl.explore.recording import BehaviourRecording
from planwright.crawl.explore.sequences import (
    ClickMemory,
    another_item,
    moved_on,
    single_click,
    unchanged_change,
)
from planwright.crawl.explore.state import (
    Candidate,
    Node,
    State,
    client_route,
    element_signature,
)
from planwright.crawl.urls import is_denied, origin_of, page_path
from planwright.schemas import Element, ObservedBehaviour, PageSnapshot, StateChange


class PageExploration(BehaviourRecording):
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
