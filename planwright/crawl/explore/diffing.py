"""What a step changed, and which follow-up checks it deserves: pure functions of the states before
and after it and of what the browser reported meanwhile.

Why pure: "did anything a case could check happen?" is the explorer's state comparator (Crawljax's
oracle comparators); here it is tested on hand-built states. A new outcome oracle (a number that
changed inside a text, a total) is a function of the same two states.
"""

from __future__ import annotations

import re
from collections import Counter

from planwright.crawl.explore.state import (
    Candidate,
    Node,
    State,
    StepEvents,
    client_route,
    meaningful,
    shown_in,
    unique,
)
from planwright.crawl.urls import origin_of, page_path
from planwright.schemas import StateChange

MAX_TEXTS = 10  # appeared / vanished texts kept per change
MAX_TEXT_CHARS = 200
SUBMIT_KINDS = frozenset({"fill_submit", "fill_enter", "submit"})  # a valid submit: its result may persist
# Steps that send a form: a new address after them is the form's answer (a search submitted empty
# only changes the query string), not a reload without effect.
FORM_SENDS = SUBMIT_KINDS | {"submit_empty", "submit_as_is"}


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def diff(before: State, after: State, events: StepEvents, typed: list[str]) -> StateChange:
    """The change the last step made: URL, heading, status, texts that appeared and vanished, counts,
    validation messages and alerts, a dialog. Appeared texts are ranked: what was typed first, then
    counts and totals, then prose, bare button and link labels last."""
    navigated = bool(events.navigation_statuses)
    url_changed = after.url != before.url
    routed = not url_changed and after.route != before.route  # a hash-routed app's view changed
    if navigated or url_changed:
        messages = list(after.invalid) if navigated else after.invalid[len(before.invalid) :]
        new_alerts = after.alerts
    else:
        messages = after.invalid[len(before.invalid) :]
        new_alerts = [alert for alert in after.alerts if alert not in before.alerts]
    messages = unique([m for m in messages if m] + new_alerts)
    appeared_counter = Counter(after.texts) - Counter(before.texts)
    appeared = [
        text
        for text in unique([t for t in after.texts if appeared_counter[t] > 0])
        if meaningful(text) and not shown_in(text, before.texts) and text not in messages
    ]
    folded_typed = [value.casefold() for value in typed if value]
    labels = {
        known.element.name for known in after.elements.values() if known.element.kind in ("button", "link")
    }

    def rank(text: str) -> int:
        folded = text.casefold()
        if any(value in folded for value in folded_typed):
            return 0
        if text in labels:
            return 3
        return 1 if re.search(r"\d", text) else 2

    appeared.sort(key=rank)  # stable: DOM order within a rank
    vanished_counter = Counter(before.texts) - Counter(after.texts)
    vanished = [
        text
        for text in unique([t for t in before.texts if vanished_counter[t] > 0])
        if meaningful(text) and not shown_in(text, after.texts)
    ]
    dialog: str | None = None
    if events.dialogs:
        dialog = events.dialogs[0][:MAX_TEXT_CHARS]
    elif len(after.dialogs) > len(before.dialogs) and not url_changed:
        opened = after.dialogs[-1]
        dialog = (opened.get("heading") or opened.get("text") or "")[:MAX_TEXT_CHARS] or None
    path_changed = page_path(after.url) != page_path(before.url)
    heading = after.h1 if (after.h1 and (path_changed or after.h1 != before.h1)) else None
    if heading is None and not path_changed:
        # a song, a step, a card: a lower heading whose text the step replaced ("Hey" → "Summer"), even
        # where that text was on the page already inside another ("2. Summer" in the playlist)
        heading = next((h for h in after.headings if h not in before.headings), None)
    status = events.navigation_statuses[-1] if navigated else None
    return StateChange(
        url=after.url if url_changed else (after.url + after.route if routed and after.route else None),
        status=status if (url_changed or (status is not None and status >= 400)) else None,
        heading=heading,
        appeared=appeared[:MAX_TEXTS],
        vanished=vanished[:MAX_TEXTS],
        counts=count_changes(before, after),
        messages=messages[:MAX_TEXTS],
        dialog=dialog,
    )


def count_changes(before: State, after: State) -> dict[str, tuple[int, int]]:
    """List items, rows and ticked boxes whose number changed: (before, after)."""
    return {
        name: (before.counts.get(name, 0), value)
        for name, value in after.counts.items()
        if value != before.counts.get(name, 0)
    }


def informative(change: StateChange, before: State, new_keys: list[str], *, sent_form: bool = False) -> bool:
    """Something a case could check or a later step could use. A bare change of query string counts
    only after a form was sent (the address an empty search leads to is what a tester checks); after
    any other step it, like a same-page reload without visible effect, is not."""
    if change.appeared or change.messages or change.dialog or change.counts or new_keys:
        return True
    if change.heading or change.vanished:
        return True
    if change.url:
        if sent_form or client_route(change.url):
            return True  # a hash route is a view of the app a tester opens on purpose ("#/active")
        return page_path(change.url) != page_path(before.url) or bool(change.status and change.status >= 400)
    return False


def counts_up(candidate: Candidate, change: StateChange, before: State, after: State) -> bool:
    """A click that stayed on the page and changed a number in a text ("Cart (0)" → "Cart (1)"): what
    a second click does (counts on, or refuses) is a case of its own, as a tester would check it."""
    if candidate.kind != "click" or len(candidate.actions) != 1 or after.url != before.url:
        return False
    shapes = {_shape(text) for text in change.vanished}
    return any(_shape(text) in shapes for text in change.appeared if re.search(r"\d", text))


def worth_reload(change: StateChange, candidate: Candidate, before: State, after: State) -> bool:
    """Reload only where persistence is a question: the page kept its address and gained data (rows,
    the typed values, or something it saved in localStorage)."""
    if candidate.kind in ("hover", "open_menu", "escape") or change.url or not change.appeared:
        return False
    if before.url != after.url:
        return False
    typed = [value.casefold() for value in candidate.typed if value]
    data_appeared = any(value in text.casefold() for text in change.appeared for value in typed)
    saved = after.stored != before.stored  # the page wrote to localStorage: a vote, a like, a setting
    return bool(change.counts) or data_appeared or saved


def worth_back(node: Node, candidate: Candidate, before: State, after: State, page_url: str) -> bool:
    """Go back only where persistence is a question: the steps changed this page's state (a reached
    state, or a submit) and then led to another page of the site."""
    if node.depth < 1 and candidate.kind not in SUBMIT_KINDS:
        return False
    if candidate.kind.startswith("edge_"):
        return False  # an edge proposal is one case: run_proposals keeps one behaviour each
    if node.prefix and all(action.action == "hover" for action in node.prefix):
        return False  # a hover-revealed menu is gone once the pointer leaves: nothing can persist
    if origin_of(after.url) != origin_of(page_url):
        return False
    here = page_path(page_url)
    if page_path(before.url) != here:
        return False
    return page_path(after.url) != here


def persisted(appeared: list[str], reloaded: State) -> list[str]:
    """The step's new texts that a reload still shows."""
    return [text for text in appeared if shown_in(text, reloaded.texts)]


def reload_change(kept: list[str], fresh: State, reloaded: State) -> StateChange | None:
    """After a reload: the kept texts that a fresh load does not show; None when there are none."""
    survived = [text for text in kept if not shown_in(text, fresh.texts)]
    if not survived:
        return None
    return StateChange(appeared=survived, counts=count_changes(fresh, reloaded), persists_after_reload=True)


def back_change(fresh: State, left_from: State, back: State) -> StateChange | None:
    """After going back: what the page shows that a fresh load does not ("Cart (1)"), what was there
    before leaving first; None when nothing persisted."""
    kept = [text for text in unique(back.texts) if meaningful(text) and not shown_in(text, fresh.texts)]
    if not kept:
        return None
    kept.sort(key=lambda text: not shown_in(text, left_from.texts))
    return StateChange(
        url=back.url, heading=back.h1, appeared=kept[:MAX_TEXTS], counts=count_changes(fresh, back)
    )
