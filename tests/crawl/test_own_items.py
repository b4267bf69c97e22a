"""The one exception to the deny-list, without a browser: a "Delete" of an item the run's own steps
created may be used; one the page had at load, a number's row, a second look-alike, a payment, never."""

from __future__ import annotations

from planwright.crawl.explore.own_items import removes_own_item
from planwright.crawl.explore.state import Node, State
from planwright.schemas import ExploreAction
from tests.crawl.test_explore_policies import element, known, state

ADD = [
    ExploreAction(action="fill", element_key="e1", data="Test item"),
    ExploreAction(action="click", element_key="e2"),
]
FIELD = known(element("e1", "input", "New task", input_type="text"))
BUTTON = known(element("e2", "button", "Add"))


def reached(*items: object, prefix: list[ExploreAction] | None = None, root: State | None = None) -> Node:
    parent = root or state(FIELD, BUTTON, texts=["Tasks", "Nothing to do yet"])
    after = state(FIELD, BUTTON, *items, texts=["Tasks", "Test item", "Delete"])  # type: ignore[arg-type]
    return Node(prefix=ADD if prefix is None else prefix, state=after, parent=parent, depth=1)


def delete(key: str = "n2", row: str = "Test item Delete", name: str = "Delete") -> object:
    return known(element(key, "button", name), row=row)


def test_the_delete_of_the_item_the_steps_added_is_allowed() -> None:
    node = reached(delete())
    assert node.parent is not None
    assert removes_own_item("n2", node, node.parent)
    assert removes_own_item("n3", reached(delete("n3", "Test item Удалить", "Удалить")), node.parent)


def test_a_delete_the_page_had_at_load_is_never_allowed() -> None:
    at_load = state(FIELD, BUTTON, delete("e9", "Old task Delete"), texts=["Old task", "Delete"])  # type: ignore[arg-type]
    node = reached(delete(), root=at_load)
    assert not removes_own_item("n2", node, at_load)  # a Delete existed at load: which one is ours?
    shown = state(FIELD, BUTTON, texts=["Test item was here before"])
    assert not removes_own_item("n2", reached(delete(), root=shown), shown)  # the name was on the page


def test_only_one_look_alike_in_a_row_showing_a_typed_name() -> None:
    node = reached(delete(), delete("n3", "Test item 2 Delete"))
    assert node.parent is not None
    assert not removes_own_item("n2", node, node.parent)  # two Deletes (element() names both alike)
    assert not removes_own_item("n2", reached(delete(row="Other Delete")), node.parent)  # not our row
    assert not removes_own_item("n2", reached(delete(row="")), node.parent)  # in no list item or row
    numbers = [ExploreAction(action="fill", element_key="e1", data="42"), ADD[1]]
    assert not removes_own_item("n2", reached(delete(row="42 Delete"), prefix=numbers), node.parent)


def test_only_removals_and_only_after_the_runs_own_steps() -> None:
    node = reached(delete(name="Pay"), delete("n4", name="Log out"))
    assert node.parent is not None
    assert not removes_own_item("n2", node, node.parent)  # paying or logging out: never
    assert not removes_own_item("n4", node, node.parent)
    at_load = Node(prefix=[], state=reached(delete()).state, parent=None, depth=0)
    assert not removes_own_item("n2", at_load, at_load.state)  # the page at load: nothing of ours yet
