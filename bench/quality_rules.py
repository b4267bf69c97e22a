"""The quality benchmark's matching rules: when does a plan cover a hand-written reference scenario, and
which steps are not grounded in a crawled element. Pure functions of values, so they are unit-tested
without a browser or a model, and the benchmark's numbers mean exactly what these rules say.

Why rules of our own: a plan's cases are written (partly) by a model, so their titles and step texts
vary; what a QA engineer cares about is whether the plan *does* the scenario's actions on the right
elements and *checks* its outcome. The rules therefore look only at the structured parts of a case
(step actions, target names, typed data, expected kinds and values), never at the prose.

Scenarios (`tests/fixture_apps/scenarios.json`): `{id, title, page, must: [item, ...], destructive?,
precondition?}`. Names and texts are compared after `normalize` (case-folded, typographic quotes made
plain, whitespace collapsed). A `{typed}` in an item's `target_name` or `text` stands for the value the
case typed in the step that matched the scenario's (latest) `fill` item.

`target_name` may be a LIST of acceptable names (`bench/scenarios/real.json`): an element with no accessible
name of its own (an icon-only button, a clickable div) is named by whatever the page offers for it — visible
text, aria-label, title, id, data-testid, the icon class word (`fa-play` → "play"), alt, placeholder, nearby
label text — and a step on it counts when its target's name matches ANY ONE of them under the item's usual
rule (equality, or containment for fields), each normalised. An id like `btn-play` is listed as written and,
if wanted, as words ("btn play"); nothing splits or guesses names beyond the list. The items:

- `click`  — a step with action `click`, `submit` or `check` whose target name equals `target_name`;
- `check`  — a step with action `check` or `click` on a target named `target_name`;
- `hover`  — a `hover` step on `target_name`;
- `dblclick` — a `dblclick` step on a target named `target_name` (a list item's label, for an in-place
  edit);
- `fill`   — a `fill` step (or `select`: choosing an option is how a select is filled) on a field whose
  name contains `target_name` (fields are matched by containment, as `get_by_label` does: "Quantity
  for" names every "Quantity for <product>" field). `text` absent: any value; `text` "": the field is
  left empty (no data); any other `text` is an example (`invalid: true`: any value the field must
  refuse) and only asks for a non-empty value — the scenario's `expect` items check what it led to;
  `min_length`: the typed value has at least that many characters (a "long input" scenario);
- `select` — a `select` step on a field whose name contains `target_name` (data containing `text`, if given);
- `press`  — a `press` step of the key `text` (Enter, Tab…), on a field named like `target_name` if given;
- `reload` — an `open` step after the first one (how a case reloads the page);
- `back`   — a `back` step (the browser's Back button, after the case left the page);
- `expect` — an expected result whose *value* contains `text` (with no `text`: any, e.g. any validation
  message). `what` narrows the kind: `url` → url, `heading` → heading, `validation` → validation,
  `text`/`visible` → any result that says the text is on the page (text, visible, heading, validation,
  dialog). Without `what`, any kind, and the human text of the result counts too. A `visible` result
  may name an element by its locator (`get_by_role("textbox", name="Edit task")`, a revealed field):
  its value contains the element's name, so `text` "Edit task" matches it.

A scenario is covered when ONE case satisfies all its items: the action items match steps of that
case in the scenario's order (a subsequence: other steps may come between them; every assignment is
tried, so an early look-alike step cannot hide a later match), and every `expect` item matches one of
the case's expected results (Planwright checks them after the last step, so their position among the
actions is not enforced). The scenario's `page` is where a person would start; it is not enforced,
because a fresh browser context often has to start elsewhere (a cart page needs a product added first).
`destructive` scenarios need an action on a deny-listed name (Delete, Remove), which exploration does
not take by default; the benchmark reports coverage with and without them.

Grounding rule. A step is grounded when it needs no target (`open`; `back`; `press` without a target, a
key pressed on the page) or when its target's `(page_url, element_key, name)` is an element the crawler
recorded on that page — in the page's elements or in an explored behaviour's `new_elements`. Any other
step counts as ungrounded; the target is 0 such steps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from planwright.schemas import Expectation, Step, TestCaseData

ACTIONS_FOR: dict[str, frozenset[str]] = {
    "click": frozenset({"click", "submit", "check"}),
    "check": frozenset({"check", "click"}),
    "hover": frozenset({"hover"}),
    "dblclick": frozenset({"dblclick"}),
    "fill": frozenset({"fill", "select"}),
    "select": frozenset({"select"}),
    "press": frozenset({"press"}),
    "reload": frozenset({"open"}),
    "back": frozenset({"back"}),
}
FIELD_KINDS = frozenset({"fill", "select", "press"})  # their target names match by containment
ITEM_KINDS = frozenset({*ACTIONS_FOR, "expect"})
EXPECT_KINDS: dict[str, frozenset[str]] = {
    "url": frozenset({"url"}),
    "heading": frozenset({"heading"}),
    "validation": frozenset({"validation"}),
    "text": frozenset({"text", "visible", "heading", "validation", "dialog"}),
    "visible": frozenset({"text", "visible", "heading", "validation", "dialog"}),
}
NO_TARGET_ACTIONS = frozenset({"open", "press", "back"})  # may legitimately have no target
TYPED = "{typed}"

_QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "`": "'",
        "\u00a0": " ",
    }
)


def normalize(text: str | None) -> str:
    """Case-folded, quotes made plain, whitespace collapsed, surrounding quotes dropped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.strip("\"'").strip()
    return text.casefold()


@dataclass(frozen=True)
class MustItem:
    """One thing a scenario requires of a case."""

    kind: str  # click | check | hover | dblclick | fill | select | press | reload | back | expect
    target_name: str | tuple[str, ...] | None = None  # a tuple: acceptable names, any one matches
    text: str | None = None
    what: str | None = None  # expect: url | heading | text | visible | validation
    invalid: bool = False  # fill: the value must be one the field refuses
    min_length: int = 0  # fill: the typed value has at least this many characters

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MustItem:
        kind = str(data.get("kind", "")).strip().lower()
        if kind not in ITEM_KINDS:
            raise ValueError(
                f"unknown must-item kind {kind!r} (expected one of {', '.join(sorted(ITEM_KINDS))})"
            )
        what = data.get("what")
        if what is not None and what not in EXPECT_KINDS:
            raise ValueError(f"unknown expect kind {what!r} (expected one of {', '.join(EXPECT_KINDS)})")
        target, text = data.get("target_name"), data.get("text")
        if isinstance(target, list | tuple):
            if not target:
                raise ValueError(f"{kind}: an empty list of target names")
            target = tuple(str(name) for name in target)
        elif target is not None:
            target = str(target)
        return cls(
            kind,
            target,
            str(text) if text is not None else None,
            str(what) if what is not None else None,
            bool(data.get("invalid", False)),
            int(data.get("min_length", 0)),
        )

    @property
    def target_names(self) -> tuple[str, ...]:
        """The acceptable names, one or many, so matching treats a plain name as a list of one."""
        if self.target_name is None:
            return ()
        return self.target_name if isinstance(self.target_name, tuple) else (self.target_name,)

    def describe(self) -> str:
        parts = [self.kind if not self.what else f"expect {self.what}"]
        if self.target_name:
            parts.append(" / ".join(f"“{name}”" for name in self.target_names))
        if self.text is not None and (self.text or self.kind == "fill"):
            parts.append(f"“{self.text}”" if self.kind == "expect" else f"text “{self.text}”")
        if self.min_length:
            parts.append(f"≥ {self.min_length} characters")
        return " ".join(parts)


@dataclass(frozen=True)
class Scenario:
    """A hand-written reference scenario: what a QA engineer would expect a plan to contain."""

    id: str
    title: str
    must: tuple[MustItem, ...]
    page: str = "/"
    destructive: bool = False
    precondition: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        must = tuple(MustItem.from_dict(item) for item in data.get("must", []))
        if not must:
            raise ValueError(f"scenario {data.get('id')!r} has no must items")
        return cls(
            str(data["id"]),
            str(data.get("title", data["id"])),
            must,
            page=str(data.get("page", "/")),
            destructive=bool(data.get("destructive", False)),
            precondition=data.get("precondition"),
        )


def load_scenarios(data: Any) -> dict[str, list[Scenario]]:
    """Scenarios per app from the JSON file's value: `{app: [scenario, ...]}` (a top-level
    `{"apps": {...}}` wrapper is accepted too; keys starting with "_" are comments)."""
    if isinstance(data, Mapping) and isinstance(data.get("apps"), Mapping):
        data = data["apps"]
    if not isinstance(data, Mapping):
        raise ValueError("scenarios: expected an object mapping app names to lists of scenarios")
    apps: dict[str, list[Scenario]] = {}
    for app, items in data.items():
        if str(app).startswith("_"):
            continue
        if isinstance(items, Mapping):  # {"scenarios": [...]} per app
            items = items.get("scenarios", [])
        apps[str(app)] = [Scenario.from_dict(item) for item in items]
    return apps


def _resolve(text: str | None, typed: str | None) -> str | None:
    """The item's text with {typed} replaced; None when it needs a typed value the case has not got."""
    if text is None or TYPED not in text:
        return text
    if not typed:
        return None
    return text.replace(TYPED, typed)


def _name_matches(kind: str, wanted: str, name: str, typed: str | None) -> bool:
    """One acceptable name against a step's (normalised) target name: containment for fields, else equality."""
    resolved = _resolve(wanted, typed)
    if resolved is None:
        return False
    resolved = normalize(resolved)
    return resolved in name if kind in FIELD_KINDS else resolved == name


def step_matches(item: MustItem, step: Step, typed: str | None = None, *, first: bool = False) -> bool:
    """Does this step do what an action item asks? `first`: the case's opening step (not a reload)."""
    actions = ACTIONS_FOR.get(item.kind)
    if actions is None or step.action not in actions:
        return False
    if item.kind == "reload":
        return not first
    if item.kind == "back":
        return True
    if item.kind == "press":
        if normalize(step.data or "Enter") != normalize(item.text or "Enter"):
            return False
        if item.target_name is None:
            return True
    if step.target is None:
        return False
    if item.target_name is not None:
        name = normalize(step.target.name)
        if not any(_name_matches(item.kind, wanted, name, typed) for wanted in item.target_names):
            return False
    if item.kind == "fill" and len(step.data or "") < item.min_length:
        return False
    if item.kind == "fill" and item.text is not None:
        return (step.data or "") == "" if item.text == "" else bool(step.data)
    if item.kind == "select" and item.text:
        return normalize(item.text) in normalize(step.data)
    return True


def expectation_matches(item: MustItem, expectation: Expectation, typed: str | None = None) -> bool:
    """Does this expected result check what an `expect` item asks?"""
    if item.kind != "expect":
        return False
    if item.what is not None and expectation.kind not in EXPECT_KINDS[item.what]:
        return False
    wanted = (item.text,) if item.text is not None else item.target_names or (None,)
    return any(_expectation_has(item, text, expectation, typed) for text in wanted)


def _expectation_has(item: MustItem, wanted: str | None, expectation: Expectation, typed: str | None) -> bool:
    text = _resolve(wanted, typed)
    if text is None and wanted:
        return False  # it needs {typed} and the case typed nothing
    needle = normalize(text)
    if not needle:
        return True
    if needle in normalize(expectation.value):
        return True
    return item.what is None and needle in normalize(expectation.text)


def matched_items(scenario: Scenario, case: TestCaseData) -> list[bool]:
    """Which of the scenario's items this case satisfies, for the assignment of steps that satisfies
    the most (action items in the scenario's order; `{typed}` from the step that matched `fill`)."""
    items, steps, expected = scenario.must, case.steps, case.expected

    @cache
    def best(index: int, position: int, typed: str | None) -> tuple[int, tuple[bool, ...]]:
        if index == len(items):
            return 0, ()
        item = items[index]
        count, rest = best(index + 1, position, typed)
        result = (count, (False, *rest))  # this item unmatched
        if item.kind == "expect":
            if any(expectation_matches(item, expectation, typed) for expectation in expected):
                result = (count + 1, (True, *rest))
            return result
        for step_index in range(position, len(steps)):
            step = steps[step_index]
            if not step_matches(item, step, typed, first=step_index == 0):
                continue
            next_typed = (step.data or "") if item.kind == "fill" else typed
            count, rest = best(index + 1, step_index + 1, next_typed)
            if count + 1 > result[0]:
                result = (count + 1, (True, *rest))
            if result[0] == len(items) - index:
                break  # everything from here on matched: no better assignment exists
        return result

    return list(best(0, 0, None)[1])


def case_covers(scenario: Scenario, case: TestCaseData) -> bool:
    return all(matched_items(scenario, case))


def scenario_covered(scenario: Scenario, cases: Iterable[TestCaseData]) -> bool:
    """True when one case satisfies every item of the scenario (see the module's rules)."""
    return any(case_covers(scenario, case) for case in cases)


@dataclass
class ScenarioResult:
    """A scenario's verdict with what the closest case did and did not match, for the report."""

    scenario: Scenario
    covered: bool
    case_index: int | None = None  # the covering case, or the closest one
    case_title: str | None = None
    verified: bool | None = None  # is the covering case verified?
    missing: list[str] = field(default_factory=list)  # items the closest case lacks


def evaluate_scenario(scenario: Scenario, cases: Sequence[TestCaseData]) -> ScenarioResult:
    """Covered or not, and the closest case: a covering one (verified preferred), else the most items."""
    best: tuple[int, int, int] | None = None  # (items matched, verified, -index)
    best_matched: list[bool] = []
    for index, case in enumerate(cases):
        matched = matched_items(scenario, case)
        score = (sum(matched), int(case.verification.status == "verified"), -index)
        if best is None or score > best:
            best, best_matched = score, matched
    if best is None or best[0] == 0:
        return ScenarioResult(scenario, False, missing=[item.describe() for item in scenario.must])
    index = -best[2]
    covered = all(best_matched)
    return ScenarioResult(
        scenario,
        covered,
        case_index=index,
        case_title=cases[index].title,
        verified=cases[index].verification.status == "verified" if covered else None,
        missing=[item.describe() for item, ok in zip(scenario.must, best_matched, strict=True) if not ok],
    )


# ---------------------------------------------------------------- grounding

# (page_url, element_key, element name) of every element the crawler recorded: a set, not a mapping,
# because explored states of one page may each carry new elements (their keys are the explorer's).
KnownElements = Collection[tuple[str, str, str]]


def step_grounded(step: Step, known: KnownElements) -> bool:
    """Is this step's target an element the crawler recorded, under the same name?"""
    if step.target is None:
        return step.action in NO_TARGET_ACTIONS
    return (step.target.page_url, step.target.element_key, step.target.name) in known


def ungrounded_steps(case: TestCaseData, known: KnownElements) -> list[Step]:
    return [step for step in case.steps if not step_grounded(step, known)]


def case_grounded(case: TestCaseData, known: KnownElements) -> bool:
    return not ungrounded_steps(case, known)


__all__ = [
    "KnownElements",
    "MustItem",
    "Scenario",
    "ScenarioResult",
    "case_covers",
    "case_grounded",
    "evaluate_scenario",
    "expectation_matches",
    "load_scenarios",
    "matched_items",
    "normalize",
    "scenario_covered",
    "step_grounded",
    "step_matches",
    "ungrounded_steps",
]
