"""Outcome oracles: which of the texts a step changed are worth claiming as its expected results.

Why: what a calculator, a tracker or a score board does is a changed number ("188.71", "Total: 350 ₽",
"3 votes") — the behaviour a tester checks, with the inputs that produced it. The diff keeps only
texts with a letter in them (a lone number is usually a counter's noise); after a step that typed
values, a number that appeared IS the result, so it is kept and ranked first, right after texts that
echo what was typed. Volatile parts are never claimed, after any step: clock times, dates of today,
long ids and hex tokens differ between the exploration and the verifier's run (Crawljax's oracle
comparators strip them the same way), and a text only a `<br>` splits ("Arcade $9/mo") is one no
text check finds. Pure functions of two states.
"""

from __future__ import annotations

import re
from collections import Counter

from planwright.crawl.explore.state import State, shown_in, unique
from planwright.schemas import StateChange

MAX_RESULTS = 4  # computed numbers claimed per step
VOLATILE = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?\b"  # a clock time
    r"|\b\d{4}-\d{2}-\d{2}T\d"  # an ISO timestamp
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-"  # a UUID
    r"|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b"  # a hex token
    r"|\d{10,}",  # an epoch or a random id
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d")


def volatile(text: str) -> bool:
    """A text whose value differs from run to run (a time, an id): never an expected result."""
    return bool(VOLATILE.search(text))


def computed_results(before: State, after: State, typed: list[str]) -> list[str]:
    """Numbers and number-bearing texts that appeared after a step that typed `typed`, not the typed
    values themselves echoed back and not volatile: what the app computed from them."""
    appeared = Counter(after.texts) - Counter(before.texts)
    echoes = {value.strip().casefold() for value in typed if value}
    found = [
        text
        for text in unique([t for t in after.texts if appeared[t] > 0])
        if NUMBER.search(text)
        and text.strip().casefold() not in echoes
        and not volatile(text)
        and text not in after.joined
        and not shown_in(text, before.texts)
        and len(text) <= 80
    ]
    return found[:MAX_RESULTS]


def echoes(text: str, typed: list[str]) -> bool:
    """Whether a text shows one of the typed values (a number only as a whole number: "5" typed is not
    echoed by "1500")."""
    folded = text.casefold()
    for value in typed:
        value = value.strip().casefold()
        if not value:
            continue
        if NUMBER.fullmatch(value[:1]) and re.fullmatch(r"[\d.,\s]+", value):
            if re.search(rf"(?<![\d.,]){re.escape(value)}(?![\d]|[.,]\d)", folded):
                return True
        elif value in folded:
            return True
    return False


def with_oracles(
    change: StateChange, before: State, after: State, typed: list[str], *, computed: bool = False
) -> StateChange:
    """The change with volatile texts dropped and, after typing (or a step that sets a value without
    typing, `computed`: a slider moved), computed results ranked first (after the texts that contain
    what was typed, which say the app took the input)."""
    appeared = [text for text in change.appeared if not volatile(text) and text not in after.joined]
    if typed or computed:
        echoing = [text for text in appeared if echoes(text, typed)]
        results = [text for text in computed_results(before, after, typed) if text not in echoing]
        rest = [text for text in appeared if text not in echoing and text not in results]
        appeared = [*echoing, *results, *rest]
    return change.model_copy(update={"appeared": appeared})
