"""A list the exploration fills itself, as vanilla to-do pages build it: a row's unlabelled checkbox is
named by the row, the in-place edit box by its class, Escape in that box is tried beside Enter, an add
that listed a row is done again with a second name, the filter links that appeared are claimed, a hash
route is a view, and a click that saved something in localStorage is reloaded. Pure policies first, then one small list page
in real Chromium, verified again from fresh contexts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from planwright.crawl.explore.candidates import plan, slide_candidates
from planwright.crawl.explore.diffing import diff, informative, worth_reload
from planwright.crawl.explore.oracles import with_oracles
from planwright.crawl.explore.sequences import another_item
from planwright.crawl.explore.state import Candidate, Node, StepEvents, client_route
from planwright.crawl.naming import NamingFacts, name_for
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.schemas import CrawlOptions, ExploreAction, ObservedBehaviour, PageSnapshot, StateChange
from planwright.verify.runner import verify_cases
from tests.crawl.served_html import explored_one_page
from tests.crawl.test_explore_policies import PAGE, element, known, state

pytestmark = pytest.mark.timeout(300)


def _add(value: str, *extra: ExploreAction) -> Candidate:
    steps = [
        *extra,
        ExploreAction(action="fill", element_key="e1", data=value),
        ExploreAction(action="press", element_key="e1", data="Enter"),
    ]
    return Candidate("fill_enter", steps, main_key="e1", typed=[value])


def test_an_add_that_listed_a_row_is_done_again_with_a_second_name() -> None:
    before, after = state(texts=[]), state(texts=["Buy milk", "1 item left"])
    listed = StateChange(appeared=["Buy milk", "1 item left"], counts={"listitem": (0, 1)})
    again = another_item(_add("Buy milk"), listed, before, after)
    assert again is not None and [a.data for a in again.actions] == ["Buy milk 2", "Enter"]
    assert again.typed == ["Buy milk 2"]
    # no row more (a search that only showed a text), a number typed, another address: nothing to repeat
    assert another_item(_add("Buy milk"), StateChange(appeared=["Buy milk"]), before, after) is None
    assert another_item(_add("250"), listed.model_copy(update={"appeared": ["250"]}), before, after) is None
    elsewhere = state(texts=["Buy milk"], url=PAGE + "/results")
    assert another_item(_add("Buy milk"), listed, before, elsewhere) is None


def test_escape_is_tried_in_a_lone_field_a_step_revealed() -> None:
    edit = known(element("n3", "input", "Edit", input_type="text"))
    reached = state(edit, known(element("n4", "button", "Close")))
    node = Node(prefix=[], state=reached, parent=state(), depth=2, fresh={"n3", "n4"})
    steps = [(c.kind, [(a.action, a.element_key, a.data) for a in c.actions]) for c in plan(node, PAGE, primary=True)]
    assert steps[0][0] == "fill_enter" and steps[0][1][0][:2] == ("fill", "n3")  # Enter saves...
    assert steps[-1] == ("escape", [("press", "n3", "Escape")])  # ...and Escape cancels
    root = Node(prefix=[], state=reached, parent=None, depth=0)
    assert "escape" not in [c.kind for c in plan(root, PAGE, primary=True)]  # at load: typed into only


def test_a_field_with_no_other_name_is_named_by_a_class_that_says_what_it_is() -> None:
    facts = NamingFacts(tag="input", classes=["edit"])
    named = name_for(facts)
    assert named is not None and (named.name, named.source) == ("Edit", "class")
    assert named.hint is not None and named.hint.argument == "input.edit"
    assert name_for(NamingFacts(tag="input", classes=["form-control", "mt-2"])) is None  # styling only
    assert name_for(NamingFacts(tag="div", classes=["overlay"])) is None  # only fields


def test_a_hash_route_is_a_view_a_tester_opens() -> None:
    """A filter link of a hash-routed list changes only the fragment: the address is the change."""
    before = state(texts=["Buy milk"])
    after = state(texts=["Buy milk"], route="#/active")
    change = diff(before, after, StepEvents(), [])
    assert change.url == PAGE + "#/active" and informative(change, before, [])
    assert not informative(diff(before, state(texts=["Buy milk"]), StepEvents(), []), before, [])
    assert (client_route(PAGE + "#/active"), client_route(PAGE + "#!/inbox")) == ("#/active", "#!/inbox")
    assert client_route(PAGE + "#top") == "" and client_route(PAGE) == ""  # an anchor is no view


def test_a_click_that_saved_something_in_local_storage_is_reloaded() -> None:
    """A vote or a like kept in localStorage: whether a reload still shows it is the persistence case."""
    vote = Candidate("click", [ExploreAction(action="click", element_key="e2")], main_key="e2")
    voted = StateChange(appeared=["Python (your vote)"])
    before = state(texts=["Python"], stored="[]")
    saved = state(texts=["Python (your vote)"], stored='[["poll","{\\"voted\\":1}"]]')
    assert worth_reload(voted, vote, before, saved)
    assert not worth_reload(voted, vote, before, state(texts=["Python (your vote)"], stored="[]"))


def test_a_slider_is_moved_with_the_arrow_keys_and_its_new_value_is_the_result() -> None:
    volume = known(element("e5", "input", "Volume", input_type="range"), value="80", min="0", max="100")
    assert [c.actions[0].data for c in slide_candidates("e5", volume)] == ["ArrowRight", "ArrowLeft"]
    top = known(element("e5", "input", "Volume", input_type="range"), value="30", min="1", max="30")
    assert [c.actions[0].data for c in slide_candidates("e5", top)] == ["ArrowLeft"]  # no room up
    node = Node(prefix=[], state=state(volume), parent=None, depth=0)
    assert [c.kind for c in plan(node, PAGE, primary=True)] == ["slide", "slide"]
    before, after = state(texts=["Volume", "80"]), state(texts=["Volume", "79"])
    assert with_oracles(StateChange(), before, after, [], computed=True).appeared == ["79"]
    assert with_oracles(StateChange(), before, after, []).appeared == []  # a lone number otherwise


_LIST = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Chores</title>
<style>li.editing label, li.editing .toggle { display: none; } .hidden { display: none; }</style>
<h1>Chores</h1>
<input id="new" placeholder="Add a chore">
<ul id="list"></ul>
<p id="left" class="hidden"></p>
<p id="filters" class="hidden"><a href="#/">All</a> <a href="#/done">Done</a></p>
<script>
let items = [];
const list = document.getElementById('list');
function render() {
  list.innerHTML = '';
  const onlyDone = location.hash === '#/done';
  items.filter((item) => !onlyDone || item.done).forEach((item) => {
    const li = document.createElement('li');
    li.innerHTML = '<input class="toggle" type="checkbox"' + (item.done ? ' checked' : '') + '><label></label>';
    li.querySelector('label').textContent = item.title;
    li.querySelector('.toggle').addEventListener('change', (e) => { item.done = e.target.checked; render(); });
    li.querySelector('label').addEventListener('dblclick', () => {
      li.classList.add('editing');
      const box = document.createElement('input');
      box.className = 'edit';
      box.value = item.title;
      li.appendChild(box);
      box.focus();
      box.addEventListener('keyup', (ev) => {
        if (ev.key === 'Enter') { item.title = box.value.trim() || item.title; render(); }
        else if (ev.key === 'Escape') { render(); }
      });
    });
    list.appendChild(li);
  });
  const left = items.filter((item) => !item.done).length;
  const counter = document.getElementById('left');
  counter.textContent = left + (left === 1 ? ' chore to do' : ' chores to do');
  counter.classList.toggle('hidden', items.length === 0);
  document.getElementById('filters').classList.toggle('hidden', items.length === 0);
}
window.addEventListener('hashchange', render);
document.getElementById('new').addEventListener('keyup', (e) => {
  if (e.key !== 'Enter' || !e.target.value.trim()) return;
  items.push({ title: e.target.value.trim(), done: false });
  e.target.value = '';
  render();
});
</script>"""


@pytest.fixture(scope="module")
def chores(browser: Browser) -> Iterator[tuple[PageSnapshot, list[ObservedBehaviour]]]:
    options = CrawlOptions(max_actions_per_page=30, max_explore_depth=2, page_timeout_s=10)
    with explored_one_page(browser, _LIST, "chores", options) as explored:
        yield explored


def _steps(snapshot: PageSnapshot, behaviour: ObservedBehaviour) -> list[tuple[str, str, str | None]]:
    elements = {e.key: e for e in [*snapshot.elements, *behaviour.new_elements]}
    return [
        (a.action, elements[a.element_key].name if a.element_key else "", a.data) for a in behaviour.actions
    ]


def test_the_own_list_is_ticked_edited_cancelled_and_grown(
    chores: tuple[PageSnapshot, list[ObservedBehaviour]], browser: Browser
) -> None:
    snapshot, behaviours = chores
    by_steps = {tuple(_steps(snapshot, b)): b for b in behaviours}
    add = [("fill", "Add a chore", "Test item"), ("press", "Add a chore", "Enter")]
    added = by_steps[tuple(add)]
    case = explored_behaviour(snapshot, added, "en")
    assert case is not None and {"All", "Done"} <= {e.value for e in case.case.expected}  # the filters
    done = by_steps[(*add, ("click", "Done", None))]
    assert done.change.url is not None and done.change.url.endswith("#/done")  # a hash route is a view
    ticked = by_steps[(*add, ("check", "Test item", None))]  # the row's box, named by its row
    assert "0 chores to do" in ticked.change.appeared
    second = by_steps[(*add, ("fill", "Add a chore", "Test item 2"), ("press", "Add a chore", "Enter"))]
    assert second.kind == "fill_enter" and "2 chores to do" in second.change.appeared
    opened = (*add, ("dblclick", "Test item", None))
    saved = by_steps[(*opened, ("fill", "Edit", "Test item (edited)"), ("press", "Edit", "Enter"))]
    assert "Test item (edited)" in saved.change.appeared
    cancelled = by_steps[(*opened, ("press", "Edit", "Escape"))]
    assert cancelled.kind == "escape" and "Test item" in cancelled.change.appeared
    cases = [explored_behaviour(snapshot, b, "en") for b in (added, done, ticked, second, saved, cancelled)]
    assert all(case is not None for case in cases)
    results = verify_cases([case.case for case in cases if case], browser, timeout_s=15)
    assert [r.status for r in results] == ["verified"] * 6, results
