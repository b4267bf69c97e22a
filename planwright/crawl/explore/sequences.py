"""Sequences of clicks: what to try in a state that a click reached, besides what appeared there — a
board after one move, a flash card after "next", a poll after choosing an option, a memory card turned.

Why: games, quizzes, polls, pagers and wizards are sequences. A move is followed by the next move, an
option by "Vote", a turned card by its match, a move by "Restart". Such a state shows the same controls
with other texts (or only the clicked thing changed its look), so the lone-control source, which acts
only on what appeared, stops after one click. Here the follow-ups are, in this order: the clicked
thing's twin (a like thing with the same name: the matching card), the clicks that did nothing or were
refused at load (Restart, New game, Vote, Calculate: they may act now), then the other clicks that
changed the page at load (前へ after 覚えた！). Bounded: `MAX_FOLLOWUPS` per state, and the walk's depth
and budget as everywhere. Pure: a function of the node and of what the runner learnt at load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planwright.crawl.explore.diffing import diff
from planwright.crawl.explore.oracles import volatile
from planwright.crawl.explore.state import Candidate, Node, State, StepEvents
from planwright.crawl.urls import page_path
from planwright.schemas import StateChange

MAX_FOLLOWUPS = 4
MAX_KEPT = 3  # texts claimed as still shown after a click that changed nothing


def single_click(candidate: Candidate) -> str | None:
    """The element key when the candidate's last action is a click on an element (what a follow-up
    repeats on its own), else None."""
    last = candidate.actions[-1] if candidate.actions else None
    if last is None or last.action != "click" or last.element_key is None:
        return None
    return last.element_key


def followups(
    node: Node, *, idle: Mapping[str, Candidate], live: Mapping[str, Candidate]
) -> list[Candidate]:
    """Clicks worth trying in a state a click reached (see the module docstring); `idle`: clicks that
    did nothing or were refused at load, `live`: single clicks that changed the page at load, each by
    the key of the element clicked."""
    last = node.prefix[-1] if node.prefix else None
    if last is None or last.action != "click" or last.element_key is None:
        return []
    elements = node.state.elements
    clicked = elements.get(last.element_key)
    name = clicked.element.name if clicked is not None else None

    def usable(key: str) -> bool:
        known = elements.get(key)
        return key != last.element_key and known is not None and not known.disabled

    twins = [key for key in live if usable(key) and name and elements[key].element.name == name]
    ordered = [*twins, *(key for key in idle if usable(key)), *(key for key in live if usable(key))]
    found: list[Candidate] = []
    seen: set[str] = set()
    for key in ordered:
        if key in seen:
            continue
        seen.add(key)
        source = idle.get(key) or live[key]
        found.append(Candidate("click", [source.actions[-1]], main_key=key))
        if len(found) >= MAX_FOLLOWUPS:
            break
    return found


def moved_on(candidate: Candidate, before: State, after: State) -> bool:
    """A click that kept the page and changed what it shows (its texts, or the clicked thing's look):
    a state to go on from, the next step of a game, a quiz, a poll or a pager."""
    return (
        single_click(candidate) is not None
        and page_path(after.url) == page_path(before.url)
        and after.signature() != before.signature()
    )


def unchanged_change(fresh: State, after: State) -> StateChange | None:
    """After the same click again changed nothing (a taken cell stays taken, a vote counts once): the
    texts the earlier steps brought that are still shown, as observed now; None when there are none."""
    kept = [text for text in diff(fresh, after, StepEvents(), []).appeared if not volatile(text)]
    return StateChange(appeared=kept[:MAX_KEPT]) if kept else None


@dataclass
class ClickMemory:
    """What each click did at load, by the key of the element clicked: `idle` did nothing or was
    refused (Restart, Vote: they may act after another step), `live` changed the page."""

    idle: dict[str, Candidate] = field(default_factory=dict)
    live: dict[str, Candidate] = field(default_factory=dict)

    def learn(self, node: Node, candidate: Candidate, *, idle: bool) -> None:
        """Remember a run from the page at load whose last step is a click (runs from reached states
        say what a click does after others, not what it does alone)."""
        key = single_click(candidate)
        if node.parent is not None or key is None:
            return
        click = Candidate("click", [candidate.actions[-1]], main_key=key)
        if idle:
            self.idle.setdefault(key, click)
        elif len(candidate.actions) == 1:
            self.live.setdefault(key, click)

    def followups(self, node: Node) -> list[Candidate]:
        return followups(node, idle=self.idle, live=self.live)


ADDS = frozenset({"fill_enter", "fill_submit"})
ANOTHER_SUFFIX = " 2"


def another_item(candidate: Candidate, change: StateChange, before: State, after: State) -> Candidate | None:
    """After typing a name and sending it added a row to a list on the same page ("Buy milk" listed,
    one list item more), the same steps with a second name: a list that holds two items and counts
    them ("2 items left") is the next thing a tester checks. None for anything else (a search, a
    form that led away, values that are numbers)."""
    if candidate.kind not in ADDS or after.url != before.url:
        return None
    if not any(new > old for old, new in change.counts.values()):
        return None
    shown = [text.casefold() for text in change.appeared]
    actions, typed, renamed = [], [], False
    for action in candidate.actions:
        value = (action.data or "").strip()
        if (
            not renamed
            and action.action == "fill"
            and len(value) >= 3
            and not value.replace(" ", "").replace(".", "").replace(",", "").isdigit()
            and any(value.casefold() in text for text in shown)
        ):
            action = action.model_copy(update={"data": value + ANOTHER_SUFFIX})
            renamed = True
        actions.append(action)
        if action.action == "fill" and action.data:
            typed.append(action.data)
    if not renamed:
        return None
    return Candidate(candidate.kind, actions, main_key=candidate.main_key, typed=typed)
