"""The recording side of one page's exploration: keeping each observed behaviour once, with the
elements that ground its steps, and the reload and back checks that record what persisted.

Why apart from the walk (`runner`): what a behaviour holds (its new elements, whether it was
destructive) and how a follow-up check is recorded are the same for every run, whatever it tried.
"""

from __future__ import annotations

import json

from playwright.sync_api import Error as PlaywrightError

from planwright.browser.errors import StepFailed
from planwright.browser.operations import Operation
from planwright.browser.perform import perform
from planwright.browser.recorder import Tab
from planwright.crawl.explore.browsing import PageBrowsing
from planwright.crawl.explore.diffing import back_change, persisted, reload_change
from planwright.crawl.explore.state import Node, State, unique
from planwright.crawl.urls import is_denied
from planwright.schemas import ExploreAction, ObservedBehaviour, PageSnapshot, StateChange


class BehaviourRecording(PageBrowsing):
    """The behaviours one page's exploration observed (`runner.PageExploration` sets the attributes)."""

    snapshot: PageSnapshot
    behaviours: list[ObservedBehaviour]
    seen_behaviours: set[str]
    own_keys: set[str]

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
