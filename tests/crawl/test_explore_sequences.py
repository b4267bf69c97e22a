"""Sequences of clicks: a state a click reached is explored on (the clicked thing's twin, the clicks
that did nothing at load, the other clicks), a click that changed only the thing clicked still reaches
a state, and the same click again that changed nothing is recorded with what is still shown. Pure
policies on hand-built states, then one small game in real Chromium, verified again from fresh
contexts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from planwright.crawl.explore.diffing import diff
from planwright.crawl.explore.sequences import ClickMemory, moved_on, unchanged_change
from planwright.crawl.explore.state import Candidate, Node, StepEvents, meaningful
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.schemas import CrawlOptions, ExploreAction, ObservedBehaviour, PageSnapshot
from planwright.verify.runner import verify_cases
from tests.crawl.served_html import explored_one_page
from tests.crawl.test_explore_policies import PAGE, element, known, state

pytestmark = pytest.mark.timeout(300)


def click(key: str) -> Candidate:
    return Candidate("click", [ExploreAction(action="click", element_key=key)], main_key=key)


def test_followups_put_the_twin_first_then_idle_clicks_then_the_others() -> None:
    cards = [known(element(f"c{i}", "button", name)) for i, name in enumerate(["React", "Vue", "React"], 1)]
    reset = known(element("r", "button", "New game"))
    board = state(*cards, reset, texts=["Moves: 0"])
    memory = ClickMemory()
    root = Node(prefix=[], state=board, parent=None, depth=0)
    memory.learn(root, click("r"), idle=True)
    for key in ("c1", "c2", "c3"):
        memory.learn(root, click(key), idle=False)
    reached = Node(prefix=click("c1").actions, state=board, parent=board, depth=1, fresh=set())
    assert [c.main_key for c in memory.followups(reached)] == ["c3", "r", "c2"]
    # what a click does after another step says nothing of what it does alone: not learnt there
    memory.learn(reached, click("c2"), idle=True)
    assert "c2" not in memory.idle


def test_a_click_that_keeps_the_page_and_changes_it_moves_on() -> None:
    before = state(texts=["1 / 5"])
    assert moved_on(click("next"), before, state(texts=["2 / 5"]))
    assert not moved_on(click("next"), before, state(texts=["1 / 5"]))
    assert moved_on(click("card"), before, state(texts=["1 / 5"], marks=["card"]))  # only the card turned
    assert not moved_on(click("link"), before, state(texts=["About"], url=PAGE + "/about"))


def test_an_unchanged_repeat_claims_only_what_is_still_shown() -> None:
    fresh = state(texts=["It's X's turn"])
    after = state(texts=["It's O's turn", "X", "12:30 updated"])
    change = unchanged_change(fresh, after)
    assert change is not None and change.appeared == ["It's O's turn"]
    assert unchanged_change(fresh, fresh) is None


def test_a_lower_heading_the_step_replaced_is_the_heading() -> None:
    """The player's song title is an <h4>: "Hey" → "Summer", though "2. Summer" was listed already."""
    before = state(texts=["Hey", "2. Summer"], headings=["Player", "Hey"])
    after = state(texts=["Summer", "2. Summer"], headings=["Player", "Summer"])
    assert diff(before, after, StepEvents(), []).heading == "Summer"
    assert diff(before, before, StepEvents(), []).heading is None


def test_one_ideograph_is_a_word_one_latin_letter_is_not() -> None:
    assert meaningful("犬") and meaningful("ねこ") and meaningful("OK")
    assert not meaningful("X") and not meaningful("5") and not meaningful("")


_GAME = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Pairs</title>
<style>.card{cursor:pointer;display:inline-block;width:40px;height:40px;border:1px solid}.up{background:#ff0}</style>
<h1>Pairs</h1>
<div class="board"><div class="card" data-testid="card-1"></div><div class="card" data-testid="card-2"></div></div>
<p>Moves: <b id="moves">0</b></p>
<button id="restart">Restart</button>
<script>
let moves = 0, open = null;
for (const card of document.querySelectorAll('.card')) {
  card.addEventListener('click', () => {
    card.classList.add('up');
    if (open === null) { open = card; return; }
    if (open === card) return;
    moves++; open = null;
    document.getElementById('moves').textContent = moves;
  });
}
document.getElementById('restart').addEventListener('click', () => {
  moves = 0; open = null;
  document.getElementById('moves').textContent = moves;
  for (const card of document.querySelectorAll('.card')) card.classList.remove('up');
});
</script>"""


@pytest.fixture(scope="module")
def game(browser: Browser) -> Iterator[tuple[PageSnapshot, list[ObservedBehaviour]]]:
    options = CrawlOptions(max_actions_per_page=16, max_explore_depth=2, page_timeout_s=10)
    with explored_one_page(browser, _GAME, "pairs", options) as explored:
        yield explored


def _names(snapshot: PageSnapshot, behaviour: ObservedBehaviour) -> list[str]:
    elements = {e.key: e for e in [*snapshot.elements, *behaviour.new_elements]}
    return [elements[a.element_key].name for a in behaviour.actions if a.element_key]


def test_a_card_that_only_turns_leads_to_the_next_card_and_to_restart(
    game: tuple[PageSnapshot, list[ObservedBehaviour]], browser: Browser
) -> None:
    """Turning one card changes only its class (nothing to claim, no behaviour), yet the second card
    from there moves the counter, and Restart, which did nothing at load, resets it after two."""
    snapshot, behaviours = game
    by_steps = {tuple(_names(snapshot, b)): b for b in behaviours}
    assert ("Card 1",) not in by_steps
    move = by_steps[("Card 1", "Card 2")]
    assert "Moves: 1" in move.change.appeared
    restart = by_steps[("Card 1", "Card 2", "Restart")]
    assert "Moves: 0" in restart.change.appeared
    cases = [explored_behaviour(snapshot, b, "en") for b in (move, restart)]
    assert all(case is not None for case in cases)
    results = verify_cases([case.case for case in cases if case], browser, timeout_s=15)
    assert [r.status for r in results] == ["verified", "verified"], results
