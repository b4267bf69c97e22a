"""State exploration against the stateful fixture apps in real Chromium.

What only exists after acting (an added task's checkbox and Delete button, the done counter, the
empty-task message, the edit box a double-click on the task opens, the cart count still shown after
going back) must be found, every step must point at an element the explorer recorded, and
deny-listed controls ("Remove", "Pay now", "Log out", a "Delete" of anything but the task the run
itself added) must never be used, which the fixture servers prove from their own request counts.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from planwright.crawl.crawler import crawl_site
from planwright.crawl.explore import explore_page, sample_value
from planwright.crawl.extract import extract_page
from planwright.pipeline.explored_cases import explored_behaviour
from planwright.schemas import CrawlOptions, CrawlResult, Element, ObservedBehaviour, PageSnapshot
from planwright.verify.runner import verify_cases
from tests.fixture_apps.fixtures import RunningApp

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def todo(todo_app: RunningApp, browser: Browser) -> CrawlResult:
    """One crawl of the to-do list page with exploration on (shared by the assertions below)."""
    options = CrawlOptions(max_pages=1, max_depth=0, max_actions_per_page=10, max_explore_depth=2)
    return crawl_site(todo_app.url + "/", options, browser=browser)


def element_of(page: PageSnapshot, behaviour: ObservedBehaviour, key: str | None) -> Element | None:
    if key is None:
        return None
    return next((e for e in behaviour.new_elements if e.key == key), None) or page.element(key)


def acted_on(page: PageSnapshot, behaviour: ObservedBehaviour) -> list[tuple[str, str, str | None]]:
    """(action, element name, data) per step, names resolved the way a case resolves its targets."""
    steps: list[tuple[str, str, str | None]] = []
    for action in behaviour.actions:
        element = element_of(page, behaviour, action.element_key)
        steps.append((action.action, element.name if element else "", action.data))
    return steps


def only(behaviours: list[ObservedBehaviour]) -> ObservedBehaviour:
    assert len(behaviours) == 1, behaviours
    return behaviours[0]


def test_adding_a_task_reveals_its_checkbox_and_delete_button(todo: CrawlResult) -> None:
    page = todo.pages[0]
    added = only(
        [
            b
            for b in page.behaviours
            if b.kind == "fill_submit"
            and acted_on(page, b) == [("fill", "New task", "Test item"), ("click", "Add", None)]
        ]
    )
    new = {(e.kind, e.name): e for e in added.new_elements}
    assert ("checkbox", "Test item") in new and ("button", "Delete") in new
    assert new[("checkbox", "Test item")].locator.describe() == 'get_by_role("checkbox", name="Test item")'
    page_keys = {e.key for e in page.elements}
    assert all(e.key.startswith("n") and e.key not in page_keys for e in added.new_elements)
    assert added.change.appeared[:2] == ["Test item", "0 of 1 done"]
    before, after = added.change.counts["listitem"]
    assert after == before + 1
    assert added.change.persists_after_reload is True


def test_toggling_the_new_task_changes_the_counter(todo: CrawlResult) -> None:
    page = todo.pages[0]
    toggle = only([b for b in page.behaviours if b.kind == "toggle"])
    assert acted_on(page, toggle) == [
        ("fill", "New task", "Test item"),
        ("click", "Add", None),
        ("check", "Test item", None),
    ]
    assert "1 of 1 done" in toggle.change.appeared and "0 of 1 done" in toggle.change.vanished
    assert "Clear completed" in toggle.change.appeared  # shown only once something is done
    assert toggle.change.counts["checked"] == (0, 1)


def test_clear_completed_is_reached_two_states_deep(todo: CrawlResult) -> None:
    page = todo.pages[0]
    cleared = only(
        [b for b in page.behaviours if acted_on(page, b)[-1] == ("click", "Clear completed", None)]
    )
    assert len(cleared.actions) == 4
    assert "Nothing to do yet" in cleared.change.appeared and "Test item" in cleared.change.vanished


def test_empty_task_shows_the_validation_message(todo: CrawlResult) -> None:
    page = todo.pages[0]
    empty = only([b for b in page.behaviours if b.kind == "submit_empty"])
    assert acted_on(page, empty) == [("click", "Add", None)]
    assert empty.change.messages == ["Task cannot be empty"]


def test_reload_keeps_the_added_task(todo: CrawlResult) -> None:
    page = todo.pages[0]
    reloads = [b for b in page.behaviours if b.kind == "reload"]
    assert reloads, [b.kind for b in page.behaviours]
    first = reloads[0]
    assert first.actions[-1].action == "open" and first.actions[-1].data == page.url
    assert "Test item" in first.change.appeared and first.change.persists_after_reload is True


def test_every_step_is_grounded_and_delete_is_used_only_on_the_runs_own_task(todo: CrawlResult) -> None:
    """The deny-list keeps the explorer off what the page had; the "Delete" of the task the same run
    just added (in its own fresh context) is the one exception (`explore/own_items.py`)."""
    page = todo.pages[0]
    assert page.behaviours
    at_load = {e.key for e in page.elements}
    for behaviour in page.behaviours:
        for action in behaviour.actions:
            if action.element_key is not None:
                assert element_of(page, behaviour, action.element_key) is not None, (behaviour.key, action)
        steps = acted_on(page, behaviour)
        for index, (_, name, _) in enumerate(steps):
            if name == "Delete":  # only after this run's own add, on a control the page at load lacked
                assert ("fill", "New task", "Test item") in steps[:index] and ("click", "Add", None) in steps[:index]
                assert behaviour.actions[index].element_key not in at_load
        assert not behaviour.destructive
    deleted = only([b for b in page.behaviours if acted_on(page, b)[-1] == ("click", "Delete", None)])
    assert acted_on(page, deleted) == [("fill", "New task", "Test item"), ("click", "Add", None), ("click", "Delete", None)]
    assert "Nothing to do yet" in deleted.change.appeared and "Test item" in deleted.change.vanished
    assert len({b.key for b in page.behaviours}) == len(page.behaviours)


def test_double_clicking_the_new_task_opens_its_edit_box(todo: CrawlResult) -> None:
    """The label of a task that appeared after Add is double-clicked; what appears is the edit box."""
    page = todo.pages[0]
    edit = only([b for b in page.behaviours if b.kind == "dblclick"])
    assert acted_on(page, edit) == [
        ("fill", "New task", "Test item"),
        ("click", "Add", None),
        ("dblclick", "Test item", None),
    ]
    label = element_of(page, edit, edit.actions[-1].element_key)
    assert label is not None and label.locator.describe() == 'locator("label:text-is(\\"Test item\\")")'
    fields = [e for e in edit.new_elements if e.kind == "input"]
    assert [e.locator.describe() for e in fields] == ['get_by_role("textbox", name="Edit task")']
    assert "Test item" in edit.change.vanished

    case = explored_behaviour(page, edit, "en")
    assert case is not None
    assert case.case.steps[-1].action == "dblclick"
    assert case.case.steps[-1].text == "Double-click “Test item”"
    assert case.case.title == "Double-click “Test item”: the field “Edit task” appears"
    assert [(x.kind, x.value) for x in case.case.expected] == [
        ("visible", 'get_by_role("textbox", name="Edit task")')
    ]
    russian = explored_behaviour(page, edit, "ru")
    assert russian is not None and russian.case.steps[-1].text == "Дважды щёлкнуть по «Test item»"


def test_the_edit_box_saves_a_changed_text_with_enter(todo: CrawlResult) -> None:
    """From the edit state the explorer types something other than the task's own text, and Enter saves it."""
    page = todo.pages[0]
    saved = only([b for b in page.behaviours if b.kind == "fill_enter" and len(b.actions) == 5])
    assert acted_on(page, saved)[2:] == [
        ("dblclick", "Test item", None),
        ("fill", "Edit task", "Test item (edited)"),
        ("press", "Edit task", "Enter"),
    ]
    assert saved.change.appeared[0] == "Test item (edited)"


@pytest.fixture(scope="module")
def catalogue(shop_app: RunningApp, browser: Browser) -> CrawlResult:
    """One crawl of the shop's catalogue with exploration on (12 runs: enough for what is checked here,
    and the test's time limit holds on a loaded machine)."""
    options = CrawlOptions(max_pages=1, max_depth=0, max_actions_per_page=12)
    return crawl_site(shop_app.url + "/", options, browser=browser)


def test_going_back_after_adding_to_the_cart_keeps_the_count(
    catalogue: CrawlResult, shop_app: RunningApp
) -> None:
    """Add to cart (a reached state), follow "Cart (1)" to the cart, go back: the catalogue again,
    still counting the item. What is recorded is what going back showed that a fresh load does not."""
    page = catalogue.pages[0]
    steps = [("click", "Add to cart", None), ("click", "Cart (1)", None), ("back", "", None)]
    back = only([b for b in page.behaviours if b.kind == "back" and acted_on(page, b) == steps])
    assert back.change.url == shop_app.url + "/"
    assert back.change.heading == "Catalogue"
    assert back.change.appeared[0] == "Cart (1)"
    # going back is a check after a run that left the page, never a step in the middle of another
    assert all(a.action != "back" for b in page.behaviours for a in b.actions[:-1])

    case = explored_behaviour(page, back, "en")
    assert case is not None
    assert [s.text for s in case.case.steps[-2:]] == ["Click the link “Cart (1)”", "Go back in the browser"]
    assert case.case.steps[-1].target is None
    assert case.case.title == "After “Add to cart”, go to another page and back: “Cart (1)” is still shown"
    assert [(x.kind, x.value) for x in case.case.expected] == [
        ("url", shop_app.url + "/"),
        ("heading", "Catalogue"),
        ("visible", "Cart (1)"),
    ]
    assert "persistence" in case.case.tags


def test_a_click_that_moved_a_counter_is_tried_again(
    catalogue: CrawlResult, shop_app: RunningApp, browser: Browser
) -> None:
    """Clicking "Add to cart" turned "Cart (0)" into "Cart (1)": what a second click does is a case of its own
    (here it counts on), found without the model and verified from a fresh context."""
    page = catalogue.pages[0]
    twice = [("click", "Add to cart", None), ("click", "Add to cart", None)]
    repeat = only([b for b in page.behaviours if b.kind == "repeat" and acted_on(page, b) == twice])
    assert "Cart (2)" in repeat.change.appeared and "Cart (1)" in repeat.change.vanished
    case = explored_behaviour(page, repeat, "en")
    assert case is not None
    assert case.case.title.startswith("Click “Add to cart” again: ")
    assert ("text", "Cart (2)") in [(x.kind, x.value) for x in case.case.expected]
    assert verify_cases([case.case], browser, timeout_s=15)[0].status == "verified"


def test_explored_double_click_and_back_cases_verify(
    todo: CrawlResult, catalogue: CrawlResult, browser: Browser
) -> None:
    """What the explorer recorded is what a fresh run reproduces: both cases pass the verifier."""
    cases = []
    for crawl, kind in ((todo, "dblclick"), (catalogue, "back")):
        page = crawl.pages[0]
        first = [b for b in page.behaviours if b.kind == kind][:1]  # the first: a one-step state's
        behaviour = explored_behaviour(page, only(first), "en")
        assert behaviour is not None
        cases.append(behaviour.case)
    results = verify_cases(cases, browser, timeout_s=15)
    assert [r.status for r in results] == ["verified", "verified"], results


@pytest.fixture(scope="module")
def todo_snapshot(todo_app: RunningApp, browser: Browser) -> PageSnapshot:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(todo_app.url + "/")
        return extract_page(page)
    finally:
        context.close()


def test_exploration_stays_within_its_action_budget(
    todo_app: RunningApp, todo_snapshot: PageSnapshot, browser: Browser
) -> None:
    loads_before = todo_app.server.hits("GET", "/")
    options = CrawlOptions(max_actions_per_page=2, max_explore_depth=0)
    behaviours = explore_page(browser.new_context, todo_snapshot, options)
    loads = todo_app.server.hits("GET", "/") - loads_before
    assert 1 <= len(behaviours) <= 2
    assert loads <= 1 + 2  # the fresh baseline, then one load per exploration run (reloads included)
    assert all(b.kind != "toggle" for b in behaviours)  # depth 0: nothing chained after the add


def test_allow_destructive_lets_delete_run_and_marks_it(
    todo_snapshot: PageSnapshot, browser: Browser
) -> None:
    options = CrawlOptions(max_actions_per_page=7, max_explore_depth=1, allow_destructive=True)
    behaviours = explore_page(browser.new_context, todo_snapshot, options)
    deleted = only([b for b in behaviours if acted_on(todo_snapshot, b)[-1] == ("click", "Delete", None)])
    assert deleted.destructive
    assert "Nothing to do yet" in deleted.change.appeared
    assert not any(b.destructive for b in behaviours if b is not deleted)


def test_explore_off_records_no_behaviours(todo_app: RunningApp, browser: Browser) -> None:
    options = CrawlOptions(max_pages=1, max_depth=0, explore=False)
    result = crawl_site(todo_app.url + "/", options, browser=browser)
    assert result.pages[0].behaviours == []


def test_shop_never_pays_removes_or_logs_out(shop_app: RunningApp, browser: Browser) -> None:
    """The cart offers "Pay now" at load; from a product page the explorer adds to the cart and
    reaches the cart again with "Remove" and "Pay now". The server never sees a payment, a removal
    or a logout."""
    server = shop_app.server
    counted = [("POST", "/pay"), ("POST", "/cart/remove"), ("GET", "/logout")]
    before = {route: server.hits(*route) for route in counted}
    cart = crawl_site(shop_app.url + "/cart", CrawlOptions(max_pages=1, max_depth=0), browser=browser)
    assert f"Did not explore 'Pay now' on {shop_app.url}/cart: its name is on the deny-list" in cart.warnings
    options = CrawlOptions(max_pages=1, max_depth=0, max_actions_per_page=6)
    product = crawl_site(shop_app.url + "/product/red-mug", options, browser=browser)
    page = product.pages[0]
    reached_cart = [b for b in page.behaviours if b.change.url == shop_app.url + "/cart"]
    assert reached_cart, [b.kind for b in page.behaviours]
    names = {e.name for b in reached_cart for e in b.new_elements}
    assert {"Pay now", "Remove"} <= names  # seen in the reached state
    assert {route: server.hits(*route) - before[route] for route in counted} == dict.fromkeys(counted, 0)


def test_sample_values_follow_type_then_name() -> None:
    def field(name: str, input_type: str | None, kind: str = "input") -> Element:
        from planwright.schemas import Locator

        return Element(
            key="e1",
            kind=kind,  # type: ignore[arg-type]
            role="textbox",
            name=name,
            input_type=input_type,
            locator=Locator(strategy="label", value=name),
        )

    assert sample_value(field("Contact", "email")) == "qa@example.com"
    assert sample_value(field("Full name", "text")) == "Alex Tester"
    assert sample_value(field("New task", "text")) == "Test item"
    assert sample_value(field("Comment", None, "textarea")) == "Test message"
