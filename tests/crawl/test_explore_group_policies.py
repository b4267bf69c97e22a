"""Interaction groups and outcome oracles without a browser: which steps a group offers, what counts as
the app refusing, which changed texts are claimed as results."""

from __future__ import annotations

from typing import Any

from planwright.crawl.explore.candidates import plan
from planwright.crawl.explore.groups import refused
from planwright.crawl.explore.oracles import computed_results, echoes, volatile, with_oracles
from planwright.crawl.explore.state import Group, Known, Node, State
from planwright.crawl.values import FieldFacts
from planwright.schemas import Element, ElementKind, Locator, StateChange

PAGE = "http://calc.test/"


def element(key: str, kind: ElementKind, name: str) -> Element:
    role = {"input": "textbox"}.get(kind, kind)
    return Element(key=key, kind=kind, role=role, name=name, locator=Locator(strategy="role", role=role, name=name))


def field(key: str, name: str, **facts: Any) -> Known:
    return Known(
        element(key, "input", name), disabled=False, is_submit=False, extra={}, facts=FieldFacts(**facts)
    )


def button(key: str, name: str) -> Known:
    return Known(element(key, "button", name), disabled=False, is_submit=False, extra={})


def state(*items: Known, groups: list[Group], texts: list[str] | None = None) -> State:
    return State(
        url=PAGE,
        texts=texts or [],
        h1=None,
        counts={},
        alerts=[],
        expanded=0,
        invalid=[],
        dialogs=[],
        elements={k.element.key: k for k in items},
        groups=groups,
    )


CALC = state(
    field("e1", "Loan Amount", placeholder="Loan Amount", element_id="amount"),
    field("e2", "Interest", placeholder="Interest", element_id="interest"),
    button("e3", "Calculate"),
    groups=[Group("g1", ["e1", "e2"], ["e3"])],
)


def fills(candidate_actions: list[Any]) -> list[tuple[str | None, str | None]]:
    return [(a.element_key, a.data) for a in candidate_actions if a.action == "fill"]


def test_a_group_is_filled_with_values_its_fields_ask_for_and_pressed() -> None:
    candidates = plan(Node(prefix=[], state=CALC, parent=None, depth=0), PAGE, primary=True)
    fill = next(c for c in candidates if c.kind == "group_fill")
    assert fill.actions[-1].action == "click" and fill.actions[-1].element_key == "e3"
    assert fills(fill.actions) == [("e1", "100000"), ("e2", "5")]  # a loan amount, an interest rate
    assert [fills(r.actions) for r in fill.retries] == [[("e1", "50000"), ("e2", "3.5")], [("e1", "250000"), ("e2", "10")]]
    assert fill.typed == ["100000", "5"]


def test_the_empty_press_is_planned_once_though_the_lone_button_offers_it_too() -> None:
    candidates = plan(Node(prefix=[], state=CALC, parent=None, depth=0), PAGE, primary=True)
    presses = [c for c in candidates if [a.action for a in c.actions] == ["click"]]
    assert [c.kind for c in presses] == ["group_empty"]


def test_variants_fill_in_screen_order_with_one_invalid_value_each() -> None:
    candidates = plan(Node(prefix=[], state=CALC, parent=None, depth=0), PAGE, primary=False)
    invalid = [c for c in candidates if c.kind == "group_invalid"]
    assert [fills(c.actions) for c in invalid] == [[("e1", "-100000"), ("e2", "5")], [("e1", "100000"), ("e2", "-5")]]


def test_a_reached_state_offers_the_group_only_when_something_of_it_is_fresh() -> None:
    node = Node(prefix=[], state=CALC, parent=CALC, depth=1, fresh={"n9"})
    assert not [c for c in plan(node, PAGE, primary=True) if c.kind.startswith("group_")]


def test_refusal_is_a_message_a_dialog_asking_for_a_fix_or_such_a_new_line() -> None:
    assert refused(StateChange(messages=["Please fill out this field."]))
    assert refused(StateChange(dialog="Please enter valid values"))
    assert refused(StateChange(dialog="Введите название расхода"))
    assert refused(StateChange(appeared=["Please check your numbers"]))
    assert not refused(StateChange(dialog="Thanks for voting!"))
    assert not refused(StateChange(appeared=["Total: 42.50"]))


def test_computed_numbers_are_results_but_typed_values_and_volatile_texts_are_not() -> None:
    before = state(groups=[], texts=["Loan Calculator", "Monthly Payment"])
    after = state(
        groups=[],
        texts=["Loan Calculator", "Monthly Payment", "188.71", "10000", "Updated 10:42:07", "Total: 11322.74"],
    )
    assert computed_results(before, after, ["10000", "5"]) == ["188.71", "Total: 11322.74"]
    change = with_oracles(StateChange(appeared=["Total: 11322.74", "Updated 10:42:07"]), before, after, ["10000"])
    assert change.appeared == ["188.71", "Total: 11322.74"]


def test_volatile_texts() -> None:
    assert volatile("Saved at 12:30")
    assert volatile("id 1733049600123")
    assert volatile("token 9f86d081884c7d65")
    assert not volatile("Total: 350 ₽")
    assert not volatile("3 votes")


def test_a_typed_number_is_echoed_only_as_a_whole_number() -> None:
    assert echoes("Кофе 250 ₽", ["250"])
    assert not echoes("1500", ["5"])
    assert not echoes("2.50", ["2"])
    assert echoes("Hello Alex Tester", ["Alex Tester"])


def test_a_form_types_what_its_fields_ask_for_and_keeps_the_samples_where_they_fit() -> None:
    from planwright.crawl.explore.candidates import DEFAULT_RULES, form_value

    amount = field("e1", "Loan amount", label="Loan amount ($)", input_type="text")
    task = field("e2", "New task", placeholder="What needs to be done?")
    name_ru = field("e3", "Имя", label="Ваше имя", page_language="ru")
    book = field("e4", "Search", input_type="search", placeholder="Search books", site_words=["Library"])
    assert form_value(amount, DEFAULT_RULES) == "100000"  # not "Test item"
    assert form_value(task, DEFAULT_RULES) == DEFAULT_RULES.samples.for_field(task)
    assert form_value(name_ru, DEFAULT_RULES) == "Иван"  # a Russian name on a Russian page
    assert form_value(book, DEFAULT_RULES) == "War and Peace"  # a book title, not "mug"


def test_a_text_only_a_line_break_splits_is_never_claimed() -> None:
    before = state(groups=[], texts=["Step 1 of 3"])
    after = state(groups=[], texts=["Step 2 of 3", "Arcade $9/mo"])
    after.joined = ["Arcade $9/mo"]  # <b>Arcade</b><br>$9/mo: the page's text reads "Arcade$9/mo"
    change = with_oracles(StateChange(appeared=["Step 2 of 3", "Arcade $9/mo"]), before, after, ["Ada"])
    assert change.appeared == ["Step 2 of 3"]


def test_after_a_fill_that_reached_a_new_state_the_same_press_alone_is_tried() -> None:
    from planwright.crawl.explore.groups import press_again

    fill = plan(Node(prefix=[], state=CALC, parent=None, depth=0), PAGE, primary=True)[0]
    again = press_again(fill, CALC)
    assert again is not None and [(a.action, a.element_key) for a in again.actions] == [("click", "e3")]
    gone = state(field("e1", "Loan Amount"), groups=[])
    assert press_again(fill, gone) is None
