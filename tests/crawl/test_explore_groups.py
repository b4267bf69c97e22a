"""Interaction groups in real Chromium: fields beside a button in a `div` (no `<form>`), filled with
values the fields ask for, pressed, and what the app computed or refused recorded as what it is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Route

from planwright.crawl.explore import explore_page
from planwright.crawl.extract import extract_page
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.schemas import CrawlOptions, ObservedBehaviour, PageSnapshot
from tests.crawl.served_html import APP_URL

pytestmark = pytest.mark.timeout(180)

CALCULATOR = """<!doctype html><html lang="en"><head><title>Order total</title></head><body>
<div class="calc">
  <span>Price ($)</span><input type="text" id="price" placeholder="Price">
  <span>Quantity</span><input type="text" id="quantity" placeholder="Quantity">
  <button id="calc">Calculate</button>
  <p id="result"></p>
</div>
<script>
  document.getElementById('calc').addEventListener('click', () => {
    const price = parseFloat(document.getElementById('price').value);
    const quantity = parseInt(document.getElementById('quantity').value, 10);
    if (!(price > 0) || !(quantity > 0)) { alert('Please enter valid values'); return; }
    if (price >= 200) { alert('Please enter a price below 200'); return; }
    setTimeout(() => {
      document.getElementById('result').textContent = 'Total: ' + (price * quantity).toFixed(2);
    }, 300);
  });
</script></body></html>"""


def serving(browser: Browser, html: str) -> Callable[[], BrowserContext]:
    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    def new_context() -> BrowserContext:
        context = browser.new_context()
        context.route(APP_URL, fulfil)
        return context

    return new_context


def snapshot_of(new_context: Callable[[], BrowserContext]) -> PageSnapshot:
    context = new_context()
    try:
        page = context.new_page()
        page.goto(APP_URL)
        return extract_page(page)
    finally:
        context.close()


@pytest.fixture(scope="module")
def explored(browser: Browser) -> tuple[PageSnapshot, list[ObservedBehaviour]]:
    new_context = serving(browser, CALCULATOR)
    snapshot = snapshot_of(new_context)
    options = CrawlOptions(max_actions_per_page=10, max_explore_depth=1)
    return snapshot, explore_page(new_context, snapshot, options)


def by_kind(behaviours: list[ObservedBehaviour], kind: str) -> list[ObservedBehaviour]:
    return [b for b in behaviours if b.kind == kind]


def typed(behaviour: ObservedBehaviour) -> dict[str, str]:
    return {a.element_key or "": a.data or "" for a in behaviour.actions if a.action == "fill"}


def test_a_refused_value_is_recorded_as_a_refusal_and_the_next_class_is_tried(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    price = next(e.key for e in snapshot.elements if e.name == "Price")
    refused = by_kind(behaviours, "group_refused")
    accepted = by_kind(behaviours, "group_fill")
    assert refused and accepted
    assert refused[0].change.dialog == "Please enter a price below 200"
    assert float(typed(refused[0])[price]) >= 200  # the refused value is the one recorded
    assert float(typed(accepted[0])[price]) < 200  # the value search moved on to the next class
    assert all(b.change.dialog is None for b in accepted)


def test_the_computed_total_is_the_expected_result_with_its_inputs(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    accepted = by_kind(behaviours, "group_fill")[0]
    values = typed(accepted)
    price = float(values[next(e.key for e in snapshot.elements if e.name == "Price")])
    quantity = int(values[next(e.key for e in snapshot.elements if e.name == "Quantity")])
    total = f"Total: {price * quantity:.2f}"
    assert accepted.change.appeared[0] == total  # shown 300 ms after the press: the runner waited for it
    case = explored_behaviour(snapshot, accepted, "en")
    assert case is not None
    assert any(x.value == total for x in case.case.expected)
    assert "valid data" not in case.case.title
    assert f"“{values[next(e.key for e in snapshot.elements if e.name == 'Price')]}” in “Price”" in case.case.title


def test_refusals_and_empty_presses_are_titled_as_what_they_are(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    empty = by_kind(behaviours, "group_empty")
    assert empty and empty[0].change.dialog == "Please enter valid values"
    refused = explored_behaviour(snapshot, by_kind(behaviours, "group_refused")[0], "en")
    assert refused is not None
    assert "which the app refuses" in refused.case.title
    assert "negative" in refused.case.tags
    assert [x.value for x in refused.case.expected if x.kind == "dialog"] == ["Please enter a price below 200"]


def test_an_invalid_value_per_field_is_tried_with_valid_values_in_the_others(
    explored: tuple[PageSnapshot, list[ObservedBehaviour]],
) -> None:
    snapshot, behaviours = explored
    invalid = by_kind(behaviours, "group_invalid")
    assert invalid
    for behaviour in invalid:
        fills = [a for a in behaviour.actions if a.action == "fill"]
        assert [a.element_key for a in fills] == [e.key for e in snapshot.elements if e.kind == "input"]
        # one negative price, or a negative or zero quantity
        assert sum((a.data or "").startswith("-") or a.data == "0" for a in fills) == 1
        assert behaviour.change.dialog == "Please enter valid values"
        case = explored_behaviour(snapshot, behaviour, "en")
        assert case is not None and "an invalid value among" in case.case.title


WIZARD = """<!doctype html><html lang="en"><head><title>Sign up</title></head><body>
<div class="wizard">
  <p id="label">Step 1 of 2</p>
  <div id="one"><label for="name">Name</label><input type="text" id="name" placeholder="e.g. Stephen King"></div>
  <div id="two" style="display:none"><div class="plan"><b>Pro</b><br>$15/mo</div>
    <input type="checkbox" id="storage"><label for="storage">Larger storage</label></div>
  <div class="nav"><button id="next">Next Step</button></div>
</div>
<script>
  let step = 1;
  document.getElementById('next').addEventListener('click', () => {
    if (step === 1) {
      if (!document.getElementById('name').value) { alert('This field is required: Name'); return; }
      step = 2;
      document.getElementById('one').style.display = 'none';
      document.getElementById('two').style.display = 'block';
      document.getElementById('label').textContent = 'Step 2 of 2';
      return;
    }
    alert('Please select a plan');
  });
</script></body></html>"""


def test_a_step_a_fill_enables_is_reached_and_line_broken_texts_are_not_claimed(browser: Browser) -> None:
    new_context = serving(browser, WIZARD)
    snapshot = snapshot_of(new_context)
    options = CrawlOptions(max_actions_per_page=6, max_explore_depth=1)
    behaviours = explore_page(new_context, snapshot, options)
    fill = by_kind(behaviours, "group_fill")[0]
    assert [a.data for a in fill.actions if a.action == "fill"] == ["Stephen King"]  # the placeholder's example
    assert "Step 2 of 2" in fill.change.appeared
    assert "Pro $15/mo" not in fill.change.appeared  # the page's text reads "Pro$15/mo": no check finds it
    again = by_kind(behaviours, "repeat")[0]
    assert [a.action for a in again.actions] == ["fill", "click", "click"]
    assert again.change.dialog == "Please select a plan"
