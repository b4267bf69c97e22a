"""The browser steps of one page's exploration: opening a fresh context, loading, doing a step with
the verifier's `perform`, capturing the state, waiting for a result to settle; and the time they may take.

Why apart from the walk (`runner`): these are the mechanics every run repeats the same way, whatever it
tries; the walk decides what to try and what a change means. What the explorations of one crawl share
(`CrawlMemory`) lives here too, since opening a context is the first thing a step needs from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.errors import NotExecutable
from planwright.browser.operations import Operation, operation
from planwright.browser.perform import Timeouts, perform
from planwright.browser.recorder import Tab
from planwright.browser.scripts import (
    CAPTURE_STATE_JS,
    ERROR_SELECTOR,
    OPEN_DIALOGS_JS,
)
from planwright.crawl.actionable import install as install_listener_tracking
from planwright.crawl.explore.candidates import CandidateRules
from planwright.crawl.explore.diffing import MAX_TEXT_CHARS
from planwright.crawl.explore.elements import ElementRegistry
from planwright.crawl.explore.state import ElementSignature, State, StepEvents, client_route
from planwright.crawl.urls import normalize_url
from planwright.schemas import CrawlOptions, ExploreAction

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


class PageBrowsing:
    """The browser side of one page's exploration (`runner.PageExploration` sets the attributes)."""

    owner: CrawlMemory
    options: CrawlOptions
    url: str
    deadline: float
    budget: int
    actions: int
    elements: ElementRegistry

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
