"""The explorer's policies without a browser: which candidates a state offers, what a change is,
which follow-up checks a change deserves, and which values are typed."""

from __future__ import annotations

from typing import Any

from planwright.crawl.explore.candidates import (
    DEFAULT_RULES,
    UNCHECK,
    CandidateRules,
    Planning,
    edge_candidate,
    fill_actions,
    plan,
)
from planwright.crawl.explore.diffing import (
    back_change,
    counts_up,
    diff,
    informative,
    persisted,
    reload_change,
    worth_back,
    worth_reload,
)
from planwright.crawl.explore.samples import DEFAULT_SAMPLES, SampleValues, pick_option
from planwright.crawl.explore.state import Candidate, Known, Node, State, StepEvents
from planwright.schemas import EdgeProposal, Element, ElementKind, ExploreAction, Locator

PAGE = "http://shop.test/tasks"


def element(key: str, kind: ElementKind, name: str, **fields: Any) -> Element:
    role = {"input": "textbox", "form": "form", "checkbox": "checkbox", "select": "combobox"}.get(kind, kind)
    return Element(
        key=key,
        kind=kind,
        role=role,
        name=name,
        locator=Locator(strategy="role", role=role, name=name),
        **fields,
    )


def known(item: Element, *, is_submit: bool = False, **extra: Any) -> Known:
    return Known(item, disabled=False, is_submit=is_submit, extra=extra)


def state(*items: Known, url: str = PAGE, texts: list[str] | None = None, **fields: Any) -> State:
    values: dict[str, Any] = {
        "h1": None,
        "counts": {},
        "alerts": [],
        "expanded": 0,
        "invalid": [],
        "dialogs": [],
    }
    values.update(fields)
    return State(url=url, texts=texts or [], elements={k.element.key: k for k in items}, **values)


def task_form() -> State:
    """A to-do page: a form (task field, email field, Add button), a checkbox, a button, a link."""
    return state(
        known(element("f1", "form", "New task", field_keys=["e1", "e2"], submit_key="e3")),
        known(element("e1", "input", "Task", input_type="text", form_key="f1")),
        known(element("e2", "input", "Email", input_type="email", form_key="f1")),
        known(element("e3", "button", "Add", form_key="f1"), is_submit=True),
        known(element("e4", "checkbox", "Done"), checked=True),
        known(element("e5", "button", "Clear completed")),
        known(element("e6", "link", "Help", href="http://shop.test/help")),
    )


def test_the_root_offers_form_steps_first_then_lone_controls() -> None:
    root = Node(prefix=[], state=task_form(), parent=None, depth=0)
    main = plan(root, PAGE, primary=True)
    assert [(c.kind, c.main_key) for c in main] == [
        ("fill_submit", "e3"),
        ("submit_empty", "e3"),
        ("toggle", "e4"),
        ("click", "e5"),
    ]  # the link is followed by the crawl, not the explorer, at the root
    fill = main[0]
    assert [(a.action, a.element_key, a.data) for a in fill.actions] == [
        ("fill", "e1", "Test item"),
        ("fill", "e2", "qa@example.com"),
        ("click", "e3", None),
    ]
    assert fill.typed == ["Test item", "qa@example.com"]
    assert main[2].actions[0].data == UNCHECK  # a ticked box is unticked


def test_variants_try_enter_and_an_invalid_value() -> None:
    root = Node(prefix=[], state=task_form(), parent=None, depth=0)
    variants = plan(root, PAGE, primary=False)
    assert [c.kind for c in variants] == ["fill_enter", "submit_invalid", "blur_invalid"]
    assert variants[1].actions[1] == ExploreAction(action="fill", element_key="e2", data="not-an-email")
    assert [a.action for a in variants[2].actions] == ["fill", "press"]


def test_a_reached_state_acts_only_on_what_appeared_and_escape_is_a_variant() -> None:
    reached = state(
        known(element("n1", "checkbox", "Buy milk")),
        known(element("n2", "link", "Details", href="http://shop.test/tasks/1")),
        known(element("e5", "button", "Clear completed")),
        dialogs=[{"heading": "Added", "text": "Added"}],
    )
    node = Node(prefix=[], state=reached, parent=task_form(), depth=1, fresh={"n1", "n2"})
    assert [(c.kind, c.main_key) for c in plan(node, PAGE, primary=True)] == [
        ("toggle", "n1"),
        ("navigate", "n2"),
    ]
    assert [c.kind for c in plan(node, PAGE, primary=False)] == ["escape"]


def test_a_counter_click_is_repeated_from_the_state_it_reached() -> None:
    click = Candidate("click", [ExploreAction(action="click", element_key="e5")], main_key="e5")
    node = Node(prefix=click.actions, state=state(), parent=task_form(), depth=1, fresh=set(), repeat=click)
    assert [(c.kind, c.actions) for c in plan(node, PAGE, primary=True)] == [("repeat", click.actions)]


def test_same_named_buttons_are_clicked_once() -> None:
    buttons = state(*(known(element(f"e{i}", "button", "Add to cart")) for i in range(3)))
    root = Node(prefix=[], state=buttons, parent=None, depth=0)
    assert [c.main_key for c in plan(root, PAGE, primary=True)] == ["e0"]


def test_sources_and_samples_are_pluggable_data() -> None:
    def hover_everything(planning: Planning) -> list[Candidate]:
        return [
            Candidate("hover", [ExploreAction(action="hover", element_key=key)], key)
            for key in sorted(planning.fresh_keys)
        ]

    root = Node(prefix=[], state=task_form(), parent=None, depth=0)
    only_hover = CandidateRules(sources=(hover_everything,))
    assert [c.main_key for c in plan(root, PAGE, primary=True, rules=only_hover)][:2] == ["e1", "e2"]
    russian = CandidateRules(samples=SampleValues(default_text="Тестовая задача"))
    actions, typed = fill_actions(task_form(), task_form().elements["f1"], rules=russian)
    assert typed == ["Тестовая задача", "qa@example.com"]
    assert actions[0].data == "Тестовая задача"


def test_edge_proposals_become_steps_or_a_reason() -> None:
    root = Node(prefix=[], state=task_form(), parent=None, depth=0)
    long = EdgeProposal(kind="long", element_key="e1", element_name="Task", line="long task")
    planned = edge_candidate(root, long, denied=lambda _: False)
    assert not isinstance(planned, str)
    _, candidate = planned
    assert candidate.kind == "edge_long" and candidate.actions[-1].element_key == "e3"
    assert candidate.actions[0].data is not None and len(candidate.actions[0].data) > 100
    repeat = EdgeProposal(kind="repeat", element_key="e5", element_name="Clear completed", line="twice")
    node, again = edge_candidate(root, repeat, denied=lambda _: False)  # type: ignore[misc]
    assert node.prefix == again.actions == [ExploreAction(action="click", element_key="e5")]
    assert edge_candidate(root, repeat, denied=lambda e: e.name == "Clear completed") == (
        "“Clear completed” is on the deny-list"
    )
    lone = EdgeProposal(kind="empty", element_key="e5", element_name="Clear completed", line="empty")
    assert edge_candidate(root, lone, denied=lambda _: False) == "“Clear completed” is in no form"


def test_sample_values_by_type_name_and_range() -> None:
    assert DEFAULT_SAMPLES.valid(element("x", "input", "Your phone", input_type="text")) == "+1 555 0100"
    assert DEFAULT_SAMPLES.valid(element("x", "textarea", "Comment")) == "Test message"
    assert DEFAULT_SAMPLES.number_in_range({"min": "5", "max": "9"}) == "5"
    assert DEFAULT_SAMPLES.number_in_range({"max": "1"}) == "1"
    holding_two = known(element("q", "input", "Qty", input_type="number"), value="2")
    assert DEFAULT_SAMPLES.for_field(holding_two) == "3"  # typing what it holds would change nothing
    size = known(element("s", "select", "Size"), value="", options=[
        {"value": "", "label": "Choose…"}, {"value": "m", "label": "M"}, {"value": "l", "label": "L"}
    ])  # fmt: skip
    assert pick_option(size) == "M"


def test_a_change_ranks_typed_text_first_and_keeps_messages_apart() -> None:
    before = state(texts=["Tasks", "0 of 1 done"], counts={"listitem": 1})
    after = state(
        known(element("b", "button", "Delete")),
        texts=["Tasks", "Delete", "1 of 2 done", "Buy milk", "Task is too short"],
        counts={"listitem": 2},
        alerts=["Task is too short"],
    )
    change = diff(before, after, StepEvents(), typed=["buy milk"])
    assert change.appeared == ["Buy milk", "1 of 2 done", "Delete"]
    assert change.vanished == ["0 of 1 done"]
    assert change.messages == ["Task is too short"]
    assert change.counts == {"listitem": (1, 2)}
    assert change.url is None and change.dialog is None and change.heading is None
    assert informative(change, before, new_keys=[])


def test_a_navigation_brings_its_url_status_heading_and_dialog() -> None:
    before = state(texts=["Tasks"])
    after = state(url="http://shop.test/missing", texts=["Not found"], h1="Not found")
    change = diff(before, after, StepEvents(dialogs=["Sure?"], navigation_statuses=[404]), typed=[])
    assert (change.url, change.status, change.heading, change.dialog) == (
        "http://shop.test/missing",
        404,
        "Not found",
        "Sure?",
    )
    same = diff(
        before, state(url=PAGE + "?q=", texts=["Tasks"]), StepEvents(navigation_statuses=[200]), typed=[]
    )
    assert same.url == PAGE + "?q=" and not informative(same, before, new_keys=[])
    assert informative(same, before, new_keys=[], sent_form=True)  # an empty search: its address


def test_a_form_whose_fields_hold_values_is_also_sent_as_it_is() -> None:
    cart = state(
        known(element("f1", "form", "Add to cart", field_keys=["e1"], submit_key="e2")),
        known(element("e1", "input", "Quantity", input_type="number", form_key="f1"), value="1"),
        known(element("e2", "button", "Add to cart", form_key="f1"), is_submit=True),
    )
    main = plan(Node(prefix=[], state=cart, parent=None, depth=0), PAGE, primary=True)
    assert [c.kind for c in main] == ["fill_submit", "submit_empty", "submit_as_is"]
    assert [(a.action, a.element_key) for a in main[2].actions] == [("click", "e2")]
    empty = plan(Node(prefix=[], state=task_form(), parent=None, depth=0), PAGE, primary=True)
    assert "submit_as_is" not in [c.kind for c in empty]  # nothing to keep: the empty submit covers it


def test_follow_ups_reload_back_and_repeat() -> None:
    add = Candidate("fill_submit", [], main_key="e3", typed=["Buy milk"])
    before = state(texts=["Tasks"])
    after = state(texts=["Tasks", "Buy milk"], counts={"listitem": 1})
    change = diff(before, after, StepEvents(), typed=add.typed)
    assert worth_reload(change, add, before, after)
    assert not worth_reload(change, Candidate("hover", []), before, after)
    kept = persisted(change.appeared, after)
    assert kept == ["Buy milk"]
    reloaded = reload_change(kept, before, after)
    assert reloaded is not None and reloaded.persists_after_reload and reloaded.counts == {"listitem": (0, 1)}
    assert reload_change(kept, after, after) is None  # a fresh load shows it too: nothing persisted

    root = Node(prefix=[], state=before, parent=None, depth=0)
    elsewhere = state(url="http://shop.test/thanks")
    assert worth_back(root, add, before, elsewhere, PAGE)
    assert not worth_back(root, Candidate("click", []), before, elsewhere, PAGE)  # no submit at the root
    back = state(texts=["Tasks", "Cart (1)"])
    went_back = back_change(before, back, back)
    assert went_back is not None and went_back.appeared == ["Cart (1)"] and went_back.url == PAGE

    counter = Candidate("click", [ExploreAction(action="click", element_key="e5")])
    cart = diff(state(texts=["Cart (0)"]), state(texts=["Cart (1)"]), StepEvents(), typed=[])
    assert counts_up(counter, cart, state(), state())
    assert DEFAULT_RULES.max_links_per_state == 2
