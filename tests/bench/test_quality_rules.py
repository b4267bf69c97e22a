"""The quality benchmark's matching rules on hand-built cases: coverage and grounding mean what the
module docstring says, no more and no less."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from bench.quality_rules import (
    MustItem,
    Scenario,
    case_grounded,
    evaluate_scenario,
    load_scenarios,
    matched_items,
    normalize,
    scenario_covered,
    step_grounded,
    ungrounded_steps,
)
from planwright.schemas import Expectation, Locator, Step, Target, TestCaseData, Verification

PAGE = "http://127.0.0.1:9/"


def target(name: str, key: str = "e1", role: str = "button", page_url: str = PAGE) -> Target:
    return Target(
        element_key=key,
        page_url=page_url,
        role=role,
        name=name,
        locator=Locator(strategy="role", role=role, name=name),
    )


def step(n: int, action: str, name: str | None = None, data: str | None = None, key: str = "e1") -> Step:
    return Step(
        n=n,
        action=action,  # type: ignore[arg-type]
        text=f"{action} {name or ''}",
        target=target(name, key) if name is not None else None,
        data=data,
    )


def case(
    steps: list[Step], expected: list[Expectation] | None = None, status: str = "pending"
) -> TestCaseData:
    return TestCaseData(
        page_url=PAGE,
        title="a case",
        steps=[Step(n=1, action="open", text="open", data=PAGE), *steps],
        expected=expected or [Expectation(kind="url", value=PAGE)],
        verification=Verification(status=status),  # type: ignore[arg-type]
    )


ADD_TASK = Scenario.from_dict(
    {
        "id": "todo-add",
        "title": "Add a task",
        "page": "/",
        "must": [
            {"kind": "fill", "target_name": "New task"},
            {"kind": "click", "target_name": "Add"},
            {"kind": "expect", "what": "visible", "text": "{typed}"},
        ],
    }
)


def add_task_case(**overrides: object) -> TestCaseData:
    fill_name = str(overrides.get("fill_name", "New task"))
    data = overrides.get("data", "Buy milk")
    click_name = str(overrides.get("click_name", "Add"))
    click_action = str(overrides.get("click_action", "click"))
    expected_value = str(overrides.get("expected_value", "Buy milk"))
    expected_kind = str(overrides.get("expected_kind", "visible"))
    return case(
        [
            step(2, "fill", fill_name, None if data is None else str(data), key="e2"),
            step(3, click_action, click_name, key="e3"),
        ],
        [Expectation(kind=expected_kind, value=expected_value, text="shown")],  # type: ignore[arg-type]
    )


def scenario(*must: Mapping[str, object]) -> Scenario:
    return Scenario.from_dict({"id": "s", "title": "s", "must": list(must)})


def test_normalize_folds_case_quotes_and_whitespace() -> None:
    assert normalize("  “Add  to cart”\n") == "add to cart"
    assert normalize("«Корзина»") == "корзина"
    assert normalize("I\u00a0accept") == "i accept"
    assert normalize(None) == ""


def test_a_case_doing_every_item_covers_the_scenario() -> None:
    assert scenario_covered(ADD_TASK, [add_task_case()])


@pytest.mark.parametrize("action", ["click", "submit", "check"])
def test_click_items_accept_click_submit_and_check(action: str) -> None:
    assert scenario_covered(ADD_TASK, [add_task_case(click_action=action)])


def test_controls_need_their_exact_name_fields_match_by_containment() -> None:
    assert not scenario_covered(ADD_TASK, [add_task_case(click_action="hover")])
    assert not scenario_covered(ADD_TASK, [add_task_case(click_name="Add to cart")])
    quantity = scenario(
        {"kind": "fill", "target_name": "Quantity for"}, {"kind": "click", "target_name": "Update cart"}
    )
    assert scenario_covered(
        quantity, [case([step(2, "fill", "Quantity for Red mug", "2"), step(3, "click", "Update cart")])]
    )


def test_names_compare_case_insensitively_with_quotes_normalised() -> None:
    assert scenario_covered(ADD_TASK, [add_task_case(fill_name="new TASK", click_name="“add”")])


def test_typed_stands_for_the_value_the_case_typed() -> None:
    assert scenario_covered(ADD_TASK, [add_task_case(data="Test item", expected_value="Test item")])
    assert not scenario_covered(ADD_TASK, [add_task_case(data="Test item", expected_value="Buy milk")])
    ticks = scenario(
        {"kind": "fill", "target_name": "New task"},
        {"kind": "click", "target_name": "Add"},
        {"kind": "check", "target_name": "{typed}"},
        {"kind": "expect", "what": "text", "text": "1 of 1 done"},
    )
    ticked = case(
        [
            step(2, "fill", "New task", "Test item"),
            step(3, "click", "Add"),
            step(4, "check", "Test item", key="n1"),
        ],
        [Expectation(kind="text", value="1 of 1 done")],
    )
    assert scenario_covered(ticks, [ticked])
    ticked.steps[3].target.name = "Other"  # type: ignore[union-attr]
    assert not scenario_covered(ticks, [ticked])


def test_fill_text_rules_empty_means_empty_other_texts_are_examples() -> None:
    empty = scenario(
        {"kind": "fill", "target_name": "Quantity", "text": ""},
        {"kind": "click", "target_name": "Add to cart"},
        {"kind": "expect", "what": "validation"},
    )
    refused = [Expectation(kind="validation", value="Please fill out this field.")]
    assert scenario_covered(
        empty, [case([step(2, "fill", "Quantity", ""), step(3, "click", "Add to cart")], refused)]
    )
    assert scenario_covered(
        empty, [case([step(2, "fill", "Quantity", None), step(3, "click", "Add to cart")], refused)]
    )
    assert not scenario_covered(
        empty, [case([step(2, "fill", "Quantity", "2"), step(3, "click", "Add to cart")], refused)]
    )
    invalid = scenario({"kind": "fill", "target_name": "Email", "text": "not-an-email", "invalid": True})
    assert scenario_covered(invalid, [case([step(2, "fill", "Email", "bad@")])])
    assert not scenario_covered(invalid, [case([step(2, "fill", "Email", "")])])


def test_select_counts_as_fill_and_select_items_need_a_select_step() -> None:
    fills = scenario({"kind": "fill", "target_name": "Country"}, {"kind": "click"})
    assert scenario_covered(fills, [case([step(2, "select", "Country", "Japan"), step(3, "click", "Go")])])
    assert not scenario_covered(fills, [case([step(2, "select", "Country", "Japan")])])
    picks = scenario({"kind": "select", "target_name": "Country", "text": "japan"})
    assert scenario_covered(picks, [case([step(2, "select", "Country", "Japan")])])
    assert not scenario_covered(picks, [case([step(2, "fill", "Country", "Japan")])])


def test_press_needs_the_key_and_reload_needs_a_second_open() -> None:
    blur = scenario({"kind": "press", "target_name": "Email", "text": "Tab"})
    assert scenario_covered(blur, [case([step(2, "press", "Email", "Tab")])])
    assert not scenario_covered(blur, [case([step(2, "press", "Email", "Enter")])])
    anywhere = scenario({"kind": "press", "text": "Escape"})
    assert scenario_covered(anywhere, [case([step(2, "press", None, "Escape")])])
    reload = scenario({"kind": "click", "target_name": "Add"}, {"kind": "reload"})
    assert not scenario_covered(reload, [case([step(2, "click", "Add")])])
    assert scenario_covered(reload, [case([step(2, "click", "Add"), step(3, "open", None, PAGE)])])


def test_expect_kinds_narrow_what_matches() -> None:
    heading = scenario({"kind": "expect", "what": "heading", "text": "Settings"})
    assert scenario_covered(heading, [case([], [Expectation(kind="heading", value="Settings")])])
    assert not scenario_covered(heading, [case([], [Expectation(kind="title", value="Settings — To-do")])])
    shown = scenario({"kind": "expect", "what": "visible", "text": "Settings saved"})
    for kind in ("text", "visible", "validation"):
        assert scenario_covered(shown, [case([], [Expectation(kind=kind, value="Settings saved")])])  # type: ignore[arg-type]
    url = scenario({"kind": "expect", "what": "url", "text": "/order/"})
    assert scenario_covered(url, [case([], [Expectation(kind="url", value="http://h/order/1001")])])
    assert not scenario_covered(url, [case([], [Expectation(kind="visible", value="/order/")])])
    any_validation = scenario({"kind": "expect", "what": "validation"})
    assert scenario_covered(
        any_validation, [case([], [Expectation(kind="validation", value="Choose a country")])]
    )


def test_expect_with_what_reads_the_value_only_without_what_the_text_too() -> None:
    typed = scenario({"kind": "expect", "what": "visible", "text": "0 of 1 done"})
    prose = Expectation(kind="visible", value="?", text="The counter reads “0 OF 1 DONE”")
    assert not scenario_covered(typed, [case([], [prose])])
    loose = scenario({"kind": "expect", "text": "0 of 1 done"})
    assert scenario_covered(loose, [case([], [prose])])
    by_name = scenario({"kind": "expect", "target_name": "Delete"})
    assert scenario_covered(by_name, [case([], [Expectation(kind="visible", value="Delete")])])


def test_actions_must_come_in_the_scenarios_order() -> None:
    reversed_steps = case(
        [step(2, "click", "Add", key="e3"), step(3, "fill", "New task", "Buy milk", key="e2")],
        [Expectation(kind="visible", value="Buy milk")],
    )
    assert not scenario_covered(ADD_TASK, [reversed_steps])
    assert sum(matched_items(ADD_TASK, reversed_steps)) == 2


def test_other_steps_may_come_between_and_a_look_alike_step_does_not_hide_a_match() -> None:
    padded = case(
        [
            step(2, "fill", "New task", "Other", key="e2"),  # typed, then typed again: the later one counts
            step(3, "fill", "New task", "Buy milk", key="e2"),
            step(4, "hover", "Add", key="e3"),
            step(5, "click", "Add", key="e3"),
        ],
        [Expectation(kind="url", value=PAGE), Expectation(kind="visible", value="Buy milk")],
    )
    assert scenario_covered(ADD_TASK, [padded])


def test_one_case_must_satisfy_everything_items_split_over_cases_do_not_count() -> None:
    fills = case([step(2, "fill", "New task", "Buy milk")], [Expectation(kind="visible", value="Buy milk")])
    clicks = case([step(2, "click", "Add")], [Expectation(kind="visible", value="Buy milk")])
    assert not scenario_covered(ADD_TASK, [fills, clicks])


def test_repeated_click_items_need_two_steps() -> None:
    twice = scenario(*[{"kind": "click", "target_name": "Add to cart"}] * 2)
    assert not scenario_covered(twice, [case([step(2, "click", "Add to cart")])])
    assert scenario_covered(twice, [case([step(2, "click", "Add to cart"), step(3, "click", "Add to cart")])])


def test_evaluate_reports_the_closest_case_and_what_it_lacks() -> None:
    partial = case([step(2, "fill", "New task", "Buy milk")], [Expectation(kind="visible", value="Buy milk")])
    result = evaluate_scenario(ADD_TASK, [case([step(2, "click", "Settings")]), partial])
    assert not result.covered
    assert result.case_index == 1
    assert result.missing == ["click “Add”"]


def test_evaluate_prefers_a_verified_covering_case() -> None:
    failed, verified = add_task_case(), add_task_case()
    failed.verification = Verification(status="failed", detail="step 3")
    verified.verification = Verification(status="verified")
    result = evaluate_scenario(ADD_TASK, [failed, verified])
    assert result.covered and result.case_index == 1 and result.verified is True
    assert evaluate_scenario(ADD_TASK, []).missing == [item.describe() for item in ADD_TASK.must]


def test_load_scenarios_accepts_the_per_app_lists_and_rejects_unknown_kinds() -> None:
    apps = load_scenarios(
        {
            "_format": "x",
            "todo": [{"id": "a", "title": "A", "destructive": True, "must": [{"kind": "click"}]}],
        }
    )
    assert list(apps) == ["todo"]
    assert apps["todo"][0].must == (MustItem("click"),) and apps["todo"][0].destructive
    wrapped = load_scenarios({"apps": {"shop": {"scenarios": [{"id": "b", "must": [{"kind": "expect"}]}]}}})
    assert wrapped["shop"][0].title == "b"
    with pytest.raises(ValueError, match="unknown must-item kind"):
        load_scenarios({"todo": [{"id": "a", "must": [{"kind": "drag"}]}]})
    with pytest.raises(ValueError, match="unknown expect kind"):
        load_scenarios({"todo": [{"id": "a", "must": [{"kind": "expect", "what": "colour"}]}]})
    with pytest.raises(ValueError, match="no must items"):
        load_scenarios({"todo": [{"id": "a", "must": []}]})


def test_the_repositorys_reference_scenarios_load() -> None:
    path = Path(__file__).resolve().parents[1] / "fixture_apps" / "scenarios.json"
    if not path.is_file():
        pytest.skip("tests/fixture_apps/scenarios.json is not there")
    apps = load_scenarios(json.loads(path.read_text(encoding="utf-8")))
    assert {"todo", "shop"} <= set(apps)
    assert all(scenarios for scenarios in apps.values())


PLAY = scenario(
    {"kind": "click", "target_name": ["play", "btn-play", "btn play", "fa-play"]},
    {"kind": "expect", "what": "text", "text": "Playing"},
)
PLAYING = [Expectation(kind="text", value="Playing")]


@pytest.mark.parametrize("name", ["play", "PLAY", "btn-play", "Btn Play", "fa-play"])
def test_a_list_of_target_names_accepts_any_one_of_them_normalised(name: str) -> None:
    assert scenario_covered(PLAY, [case([step(2, "click", name)], PLAYING)])


@pytest.mark.parametrize("name", ["playBtn", "play button", "pla", "btn", "▶"])
def test_a_list_of_target_names_accepts_nothing_else(name: str) -> None:
    """No splitting or guessing: camelCase, extra words and parts of a listed name do not match."""
    assert not scenario_covered(PLAY, [case([step(2, "click", name)], PLAYING)])


def test_a_list_keeps_each_kinds_rule_fields_by_containment_typed_substituted() -> None:
    bill = scenario(
        {"kind": "fill", "target_name": ["Bill", "bill-amount"]},
        {"kind": "check", "target_name": ["{typed}", "toggle"]},
        {"kind": "expect", "what": "text", "text": "{typed}"},
    )
    shown = [Expectation(kind="text", value="120")]
    assert scenario_covered(
        bill, [case([step(2, "fill", "Bill total", "120"), step(3, "check", "120")], shown)]
    )
    assert scenario_covered(
        bill, [case([step(2, "fill", "bill-amount", "120"), step(3, "check", "toggle")], shown)]
    )
    assert not scenario_covered(
        bill, [case([step(2, "fill", "Tip", "120"), step(3, "check", "toggle")], shown)]
    )
    assert not scenario_covered(
        bill, [case([step(2, "fill", "Bill", "120"), step(3, "check", "121")], shown)]
    )
    # The list does not loosen the action: a hover on a listed name is still not a check.
    assert not scenario_covered(
        bill, [case([step(2, "fill", "Bill", "120"), step(3, "hover", "toggle")], shown)]
    )


def test_an_expect_item_named_by_a_list_matches_any_name_and_describes_all() -> None:
    named = scenario({"kind": "expect", "target_name": ["Edit task", "edit"]})
    assert scenario_covered(named, [case([], [Expectation(kind="visible", value='textbox "edit"')])])
    assert not scenario_covered(named, [case([], [Expectation(kind="visible", value="Add")])])
    assert PLAY.must[0].describe() == "click “play” / “btn-play” / “btn play” / “fa-play”"
    with pytest.raises(ValueError, match="empty list"):
        scenario({"kind": "click", "target_name": []})


def test_the_real_apps_reference_scenarios_load_with_lists_and_tags() -> None:
    path = Path(__file__).resolve().parents[2] / "bench" / "scenarios" / "real.json"
    apps = load_scenarios(json.loads(path.read_text(encoding="utf-8")))
    assert len(apps) >= 12
    assert all(5 <= len(scenarios) <= 15 for scenarios in apps.values())
    assert any(isinstance(item.target_name, tuple) for s in apps["player"] for item in s.must)


def test_grounding_needs_a_known_key_on_the_same_page_with_the_same_name() -> None:
    known = {(PAGE, "e2", "New task"), (PAGE, "e3", "Add")}
    assert case_grounded(add_task_case(), known)
    renamed = case([step(2, "click", "Add it", key="e3")])
    assert not step_grounded(renamed.steps[1], known)
    unknown = case([step(2, "click", "Add", key="e99")])
    assert [s.n for s in ungrounded_steps(unknown, known)] == [2]
    other_page = Step(n=2, action="click", text="", target=target("Add", "e3", page_url=PAGE + "about"))
    assert not step_grounded(other_page, known)


def test_open_and_bare_press_need_no_target_other_actions_do() -> None:
    assert step_grounded(step(1, "open", None, PAGE), set())
    assert step_grounded(step(2, "press", None, "Escape"), set())
    assert not step_grounded(step(2, "click", None), set())


def test_measure_counts_grounding_verification_sources_and_coverage() -> None:
    """The benchmark's counting (bench/quality.py `measure`) on a hand-built plan: no browser, no model."""
    from collections import Counter

    from bench.quality import AppResult, measure, render_table
    from planwright.schemas import Element, ExploreAction, ObservedBehaviour, PageSnapshot, StateChange

    def element(key: str, name: str, kind: str = "button") -> Element:
        return Element(
            key=key,
            kind=kind,  # type: ignore[arg-type]
            role="textbox" if kind == "input" else kind,
            name=name,
            locator=Locator(strategy="role", role=kind, name=name),
        )

    revealed = ObservedBehaviour(
        key="b1",
        kind="fill_submit",
        actions=[
            ExploreAction(action="fill", element_key="e2", data="Buy milk"),
            ExploreAction(action="click", element_key="e3"),
        ],
        change=StateChange(appeared=["Buy milk"]),
        new_elements=[element("n1", "Buy milk", "checkbox")],
    )
    page = PageSnapshot(
        url=PAGE, elements=[element("e2", "New task", "input"), element("e3", "Add")], behaviours=[revealed]
    )
    good = add_task_case()
    good.source, good.verification = "model", Verification(status="verified")
    ticked = case([step(2, "check", "Buy milk", key="n1")], [Expectation(kind="text", value="1 of 1 done")])
    ticked.verification = Verification(status="verified")
    ticked.title = "Tick a task"
    stray = case([step(2, "click", "Add", key="e9")])
    stray.title = good.title  # same title as another case
    stray.verification = Verification(status="failed", detail="step 2: no such element")

    result = AppResult("todo", PAGE)
    scenarios = [
        ADD_TASK,
        Scenario.from_dict(
            {
                "id": "x",
                "title": "x",
                "destructive": True,
                "must": [{"kind": "click", "target_name": "Delete"}],
            }
        ),
    ]
    measure(result, [good, ticked, stray], [page], scenarios, Counter({"no title line": 2}), 3, 120)

    assert (result.cases, result.grounded_cases, result.ungrounded_steps, result.steps) == (3, 2, 1, 7)
    assert (result.verified, result.failed, result.from_model, result.from_skeleton) == (2, 1, 1, 2)
    assert (result.scenarios_total, result.scenarios_covered, result.scenarios_covered_verified) == (2, 1, 1)
    assert result.scenarios_destructive == 1 and result.uncovered[0]["id"] == "x"
    assert result.failures[0]["detail"] == "step 2: no such element"
    assert result.duplicate_titles == 2
    table = render_table([result, AppResult("fixture", PAGE)])
    assert (
        "| scenarios covered " in table and "1/2 (50%)" in table and "| total " in table.splitlines()[0] + " "
    )
