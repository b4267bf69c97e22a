"""Everything a person can act on is explored, named and located as a tester would: icon-only buttons,
`div`s with listeners, table cells with `onclick`, an image that answers a double-click, rows whose only
control is an unlabelled checkbox. Each rule on a small page in real Chromium; the steps the explorer
recorded are verified again from fresh contexts with the same locators."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.codegen import to_pytest
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.schemas import CrawlOptions, Element, ObservedBehaviour, PageSnapshot
from planwright.verify.runner import verify_cases
from tests.crawl.served_html import explored_one_page
from tests.verify.test_codegen import plan_of, run_pytest

pytestmark = pytest.mark.timeout(300)

_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Widgets</title>
<style>.cell{cursor:pointer;display:inline-block;width:30px;height:30px;border:1px solid}</style>
<h1>Widgets</h1>
<button id="play" data-testid="play-btn"><i class="fas fa-play"></i></button>
<p id="status">Stopped</p>
<div class="board"><div class="cell" id="cell-0"></div><div class="cell" id="cell-1"></div></div>
<p id="turn">X to move</p>
<table><tr><td onclick="document.getElementById('picked').textContent = 'Picked Apples'">Apples</td></tr></table>
<p id="picked">Nothing picked</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Sunset" width="40" height="40" id="photo">
<p id="likes">0 likes</p>
<ul id="todo"><li><input type="checkbox"> Buy milk</li><li><input type="checkbox"> Walk the dog</li></ul>
<p id="done">0 done</p>
<script>
document.getElementById('play').addEventListener('click', () => {
  document.getElementById('status').textContent = 'Playing';
});
for (const cell of document.querySelectorAll('.cell')) {
  cell.addEventListener('click', () => {
    cell.textContent = 'X';
    document.getElementById('turn').textContent = 'O to move';
  });
}
document.getElementById('photo').addEventListener('dblclick', () => {
  document.getElementById('likes').textContent = 'Liked: 1 like';
});
document.getElementById('todo').addEventListener('change', () => {
  const n = document.querySelectorAll('#todo input:checked').length;
  document.getElementById('done').textContent = n + ' done of 2';
});
</script>"""


@pytest.fixture(scope="module")
def explored(browser: Browser) -> Iterator[tuple[PageSnapshot, list[ObservedBehaviour]]]:
    options = CrawlOptions(max_actions_per_page=12, max_explore_depth=1, page_timeout_s=10)
    with explored_one_page(browser, _PAGE, "widgets", options) as explored:
        yield explored


def _target(snapshot: PageSnapshot, behaviour: ObservedBehaviour) -> Element:
    key = behaviour.actions[-1].element_key
    element = next((e for e in behaviour.new_elements if e.key == key), None) or snapshot.element(key or "")
    assert element is not None, behaviour
    return element


def _by_appeared(behaviours: list[ObservedBehaviour], text: str) -> list[ObservedBehaviour]:
    """One-step behaviours that showed `text` (what a click alone does; sequences come after)."""
    return [b for b in behaviours if len(b.actions) == 1 and any(text in t for t in b.change.appeared)]


def test_an_icon_only_button_is_named_from_its_test_id_and_clicked(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    [played] = _by_appeared(behaviours, "Playing")
    element = _target(snapshot, played)
    assert played.actions[-1].action == "click"
    assert element.name == "Play"
    assert element.locator.describe() == 'get_by_test_id("play-btn")'


def test_divs_with_listeners_and_cells_with_onclick_are_clicked(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    moved = _by_appeared(behaviours, "O to move")
    assert moved and all(b.actions[-1].action == "click" for b in moved)
    assert {_target(snapshot, b).name for b in moved} <= {"Cell 0", "Cell 1"}
    [picked] = _by_appeared(behaviours, "Picked Apples")
    assert _target(snapshot, picked).locator.describe() in (
        'get_by_role("cell", name="Apples")',
        'get_by_text("Apples")',
    )


def test_an_image_with_a_double_click_handler_is_double_clicked_not_clicked(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    [liked] = _by_appeared(behaviours, "Liked: 1 like")
    assert liked.actions[-1].action == "dblclick"
    assert _target(snapshot, liked).locator.describe() == 'get_by_role("img", name="Sunset")'
    photo_keys = {_target(snapshot, liked).key}
    assert not [
        b for b in behaviours if b.actions[-1].action == "click" and b.actions[-1].element_key in photo_keys
    ]


def test_every_step_targets_a_recorded_element_with_a_readable_locator(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    assert behaviours
    for behaviour in behaviours:
        for action in behaviour.actions:
            if action.element_key is None:
                continue
            element = next((e for e in behaviour.new_elements if e.key == action.element_key), None)
            element = element or snapshot.element(action.element_key)
            assert element is not None, (behaviour.key, action)
            assert not element.locator.describe().startswith('locator("body'), element.locator


def test_a_rows_unlabelled_checkbox_is_located_inside_its_row(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    toggled = [b for b in _by_appeared(behaviours, "done of 2") if b.actions[-1].action == "check"]
    assert toggled, [b.kind for b in behaviours]
    described = {_target(snapshot, b).locator.describe() for b in toggled}
    assert described <= {
        'get_by_role("listitem").filter(has_text="Buy milk").get_by_role("checkbox")',
        'get_by_role("listitem").filter(has_text="Walk the dog").get_by_role("checkbox")',
    }, described


def test_the_explored_clicks_verify_with_the_same_locators_and_export(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]], browser: Browser, tmp_path: Path
) -> None:
    """A fresh run reproduces what the explorer recorded, and so does the exported pytest file."""
    snapshot, behaviours = explored
    chosen = [
        _by_appeared(behaviours, text)[0]
        for text in ("Playing", "Liked: 1 like", "Picked Apples", "done of 2")
    ]
    cases = []
    for observed in chosen:
        behaviour = explored_behaviour(snapshot, observed, "en")
        assert behaviour is not None
        cases.append(behaviour.case)
    results = verify_cases(cases, browser, timeout_s=15)
    assert [r.status for r in results] == ["verified"] * len(cases), results
    verified = [c.model_copy(update={"verification": v}) for c, v in zip(cases, results, strict=True)]
    path = tmp_path / "test_widgets.py"
    path.write_bytes(to_pytest(plan_of(verified, url=snapshot.url)))
    source = path.read_text()
    assert '.filter(has_text="' in source and '.get_by_role("checkbox")' in source
    result = run_pytest(path, snapshot.url.rstrip("/"))
    assert result.returncode == 0, result.stdout + result.stderr
