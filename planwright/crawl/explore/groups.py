"""Interaction groups as exploration steps: fill the fields a button reads (outside any `<form>`) with
values the field says it accepts, press the button, and see what the app computes or refuses.

Why a source of its own: real pages put inputs beside a button in a `div` with a click handler; the
form source never sees them, and the lone-control source clicks the button with every field empty.
Values come from `values.values_for` over the field's facts (type, placeholder, label, id words, the
page's language). The main step carries `retries`: the next class of valid values, which the runner
tries when the app answers with a validation message, an alert or an error text (the value search);
the refused try is recorded as what it is, an invalid-input case. Variants: the empty-fields press,
one invalid value per field and one boundary value, each with valid values elsewhere, all filled in
screen order (the order a tester's scenario follows).

Pure: a function of the state and the rules, tested with hand-built states.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from planwright.crawl.explore.samples import SampleValues, pick_option
from planwright.crawl.explore.state import Candidate, Group, Known, Node, State
from planwright.crawl.values import FieldValues, values_for
from planwright.schemas import ExploreAction, StateChange


class _Rules(Protocol):
    @property
    def samples(self) -> SampleValues: ...


class Planning(Protocol):
    """What a source reads of `candidates.Planning` (a protocol, so candidates ↔ groups is no loop)."""

    @property
    def node(self) -> Node: ...
    @property
    def primary(self) -> bool: ...
    @property
    def rules(self) -> _Rules: ...
    @property
    def fresh_keys(self) -> set[str]: ...


MAX_VALUE_TRIES = 3  # the value search: the first valid class and at most two more when refused
MAX_GROUP_BUTTONS = 4  # buttons of one group pressed after a fill (a calculator's + - × ÷)
MAX_INVALID_FIELDS = 3  # fields of one group tried with an invalid value
GROUP_KINDS = frozenset(
    {
        "group_fill",
        "group_refused",
        "group_empty",
        "group_invalid",
        "group_invalid_accepted",
        "group_boundary",
    }
)
TYPED_KINDS = frozenset({"input", "textarea"})
UNCLEARABLE_TYPES = frozenset({"range", "color"})  # always hold a value: "empty" is not theirs to be
REFUSAL_WORDS = re.compile(
    r"please|invalid|enter |error|must|required|wrong|cannot|can't|not valid|"
    r"пожалуйста|введите|ошибк|некорректн|неверн|должн|обязательн|укажите|заполните",
    re.IGNORECASE,
)


def refused(change: StateChange) -> bool:
    """Whether the app answered a press with a refusal: a validation message or an error text (the
    diff puts both in `messages`), or a dialog or a new line that says what to fix ("Please enter
    valid values", "Please check your numbers") rather than a success ("Thanks for voting")."""
    if change.messages:
        return True
    if change.dialog and REFUSAL_WORDS.search(change.dialog):
        return True
    return any(REFUSAL_WORDS.search(text) for text in change.appeared[:3])


def press_again(candidate: Candidate, reached: State) -> Candidate | None:
    """After a fill and press that reached a new state (a wizard's next step), the same press alone:
    what the button does there without the new step's input ("Please select a plan") is a case."""
    press = candidate.actions[-1]
    known = reached.elements.get(press.element_key or "")
    if press.action != "click" or known is None or known.disabled:
        return None
    return Candidate("click", [press], main_key=press.element_key)


def field_values(known: Known) -> FieldValues | None:
    return values_for(known.facts) if known.facts is not None else None


def _typeable(known: Known) -> bool:
    return (
        known.element.kind in TYPED_KINDS
        and known.facts is not None
        and not known.disabled
        and not known.extra.get("readonly")
    )


def _valid_value(known: Known, attempt: int, fallback: Callable[[Known], str]) -> str:
    """The attempt-th valid candidate (the last one once the list runs out), else the sample value."""
    values = field_values(known)
    if values is None or not values.valid:
        return fallback(known)
    return values.valid[min(attempt, len(values.valid) - 1)].value


def group_fill_actions(
    state: State,
    group: Group,
    *,
    attempt: int = 0,
    override: tuple[str, str] | None = None,
    fallback: Callable[[Known], str],
) -> tuple[list[ExploreAction], list[str]]:
    """Fills for every field of the group in screen order (as a person fills them): the attempt-th
    valid value, `override` (key, value) in its own field."""
    actions: list[ExploreAction] = []
    typed: list[str] = []
    for key in group.field_keys:
        known = state.elements.get(key)
        if known is None or known.disabled or known.extra.get("readonly"):
            continue
        element = known.element
        if override is not None and key == override[0]:
            actions.append(ExploreAction(action="fill", element_key=key, data=override[1]))
            typed.append(override[1])
        elif _typeable(known) or element.kind in TYPED_KINDS:
            value = _valid_value(known, attempt, fallback)
            actions.append(ExploreAction(action="fill", element_key=key, data=value))
            typed.append(value)
        elif element.kind == "select":
            option = pick_option(known)
            if option is not None:
                actions.append(ExploreAction(action="select", element_key=key, data=option))
    return actions, [value for value in typed if value]


def _tries(state: State, group: Group) -> int:
    """How many distinct valid classes the group's fields offer (the value search's bound)."""
    counts = [
        len(values.valid)
        for key in group.field_keys
        if (known := state.elements.get(key)) is not None
        and _typeable(known)
        and (values := field_values(known)) is not None
    ]
    return min(max(counts, default=1), MAX_VALUE_TRIES)


def _buttons(state: State, group: Group) -> list[Known]:
    found: list[Known] = []
    names: set[str] = set()
    for key in group.button_keys:
        known = state.elements.get(key)
        if known is None or known.disabled or known.element.name in names:
            continue
        names.add(known.element.name)
        found.append(known)
    return found[:MAX_GROUP_BUTTONS]


def group_source(planning: Planning) -> list[Candidate]:
    """For each group with something fresh: fill + press each button (with the value search's next
    tries) and the empty press; as variants, an invalid value per field and one boundary value."""
    state = planning.node.state
    fresh = planning.fresh_keys
    fallback = planning.rules.samples.for_field
    candidates: list[Candidate] = []
    for group in state.groups:
        if not any(key in fresh for key in [*group.field_keys, *group.button_keys]):
            continue
        buttons = _buttons(state, group)
        if not buttons:
            continue
        if planning.primary:
            candidates += _main_candidates(state, group, buttons, fallback)
        else:
            candidates += _variant_candidates(state, group, buttons[0], fallback)
    return candidates


def _main_candidates(
    state: State, group: Group, buttons: list[Known], fallback: Callable[[Known], str]
) -> list[Candidate]:
    candidates: list[Candidate] = []
    tries = _tries(state, group)
    for button in buttons:
        press = ExploreAction(action="click", element_key=button.element.key)
        attempts: list[Candidate] = []
        for attempt in range(tries):
            fills, typed = group_fill_actions(state, group, attempt=attempt, fallback=fallback)
            if attempts and fills == attempts[-1].actions[:-1]:
                break  # no field has another valid class: nothing new to try
            attempts.append(
                Candidate("group_fill", [*fills, press], main_key=button.element.key, typed=typed)
            )
        if attempts and len(attempts[0].actions) > 1:
            first, *rest = attempts
            first.retries = rest
            candidates.append(first)
    first_button = buttons[0].element.key
    clear = [
        ExploreAction(action="fill", element_key=key, data="")
        for key in group.field_keys
        if (known := state.elements.get(key)) is not None
        and known.element.kind in TYPED_KINDS
        and known.extra.get("value")
        and not (known.facts is not None and known.facts.input_type in UNCLEARABLE_TYPES)
    ]
    press = ExploreAction(action="click", element_key=first_button)
    candidates.append(Candidate("group_empty", [*clear, press], main_key=first_button))
    return candidates


def _variant_candidates(
    state: State, group: Group, button: Known, fallback: Callable[[Known], str]
) -> list[Candidate]:
    press = ExploreAction(action="click", element_key=button.element.key)
    candidates: list[Candidate] = []
    boundary_done = False
    for key in group.field_keys:
        known = state.elements.get(key)
        if known is None or not _typeable(known):
            continue
        values = field_values(known)
        if values is None:
            continue
        invalid = next((c for c in values.invalid if c.value), None)
        if invalid is not None and len(candidates) < MAX_INVALID_FIELDS:
            fills, typed = group_fill_actions(state, group, override=(key, invalid.value), fallback=fallback)
            candidates.append(
                Candidate("group_invalid", [*fills, press], main_key=button.element.key, typed=typed)
            )
        if values.boundary and not boundary_done:
            boundary_done = True
            value = values.boundary[0].value
            fills, typed = group_fill_actions(state, group, override=(key, value), fallback=fallback)
            candidates.append(
                Candidate("group_boundary", [*fills, press], main_key=button.element.key, typed=typed)
            )
    return candidates
