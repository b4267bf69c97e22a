"""What can be acted on in a state, most telling first: pure functions of the state's elements and
the rules, in the spirit of Crawljax's CandidateElementExtractor.

Why pure: which steps are worth a browser run is a policy; here it is tested with hand-built states
and changed as data. `CandidateRules.sources` lists the producers in budget order (forms, the repeat
of a counter-moving click, lone controls); a new kind of candidate (an interaction group of inputs
and a button in a div, a clickable card) is one more source. `CandidateRules.samples` decides the
values typed. The deny-list and "layout controls once per crawl" are applied by the runner, which
keeps the state they need.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planwright.browser.operations import UNCHECK
from planwright.crawl.explore.groups import field_values, group_source
from planwright.crawl.explore.samples import DEFAULT_SAMPLES, SampleValues, pick_option
from planwright.crawl.explore.state import Candidate, Known, Node, State
from planwright.crawl.urls import origin_of, page_path
from planwright.schemas import EDGE_VALUES, EdgeProposal, Element, ExploreAction

SEARCH_NAMES = r"search|query|filter|find|поиск|найти"
TEXT_TYPES = {"text", "email", "password", "search", "tel", "url", "number", "date", "time",
              "datetime-local", "month", "week", None}  # fmt: skip
ENTER_TYPES = {"text", "email", "password", "search", "tel", "url", "number", None}


@dataclass(frozen=True)
class Planning:
    """One call of `plan`: the state's node, the page explored, and whether main steps (True) or
    their variants (Enter instead of the button, invalid and no-match values, Escape) are wanted."""

    node: Node
    page_url: str
    primary: bool
    rules: CandidateRules

    @property
    def fresh_keys(self) -> set[str]:
        """At the root every element; in a reached state only those that appeared there."""
        return set(self.node.state.elements) if self.node.fresh is None else self.node.fresh


CandidateSource = Callable[[Planning], list[Candidate]]


def form_source(planning: Planning) -> list[Candidate]:
    """Each form that has something fresh: valid submit and empty submit, or its variants."""
    state = planning.node.state
    candidates: list[Candidate] = []
    for form in (k for k in state.elements.values() if k.element.kind == "form"):
        submit = state.elements.get(form.element.submit_key or "")
        fresh = planning.fresh_keys
        if form.element.key in fresh or any(k in fresh for k in form.element.field_keys):
            candidates += form_candidates(state, form, submit, primary=planning.primary, rules=planning.rules)
    return candidates


def repeat_source(planning: Planning) -> list[Candidate]:
    """The click that reached this state moved a counter (or the add listed a row): what a second one
    does is a case."""
    last = planning.node.repeat
    if not planning.primary or last is None or _typed_repeat(last):
        return []
    return [Candidate("repeat", list(last.actions), main_key=last.main_key, again=True)]


def _typed_repeat(candidate: Candidate) -> bool:
    return any(action.action == "fill" for action in candidate.actions)


def add_again_source(planning: Planning) -> list[Candidate]:
    """The add that listed a row, with a second name: a variant of the state, tried once its own
    controls were (what the new row offers, ticking, editing, comes first)."""
    last = planning.node.repeat
    if planning.primary or last is None or not _typed_repeat(last):
        return []
    return [Candidate(last.kind, list(last.actions), main_key=last.main_key, typed=last.typed, again=True)]


def control_source(planning: Planning) -> list[Candidate]:
    """Lone controls as main steps (and Escape in a field a step revealed); Escape as the variant of a
    state where something opened."""
    node = planning.node
    if planning.primary:
        in_form = fields_with_submit(node.state)
        found = control_candidates(node, planning.fresh_keys, in_form, planning)
        if node.parent is not None:  # Escape in what a step opened for typing, next to its Enter
            found += cancel_edit(node.state, planning.fresh_keys, in_form, planning.rules)
        return found
    if node.parent is not None and (node.state.dialogs or node.state.expanded):
        return [Candidate("escape", [ExploreAction(action="press", data="Escape")], main_key=None)]
    return []


def cancel_edit(
    state: State, fresh_keys: set[str], in_form: set[str], rules: CandidateRules
) -> list[Candidate]:
    """Escape in a lone field a step revealed (an in-place edit box after a double-click, a rename
    field): what cancelling the edit leaves is checked next to what Enter saves. One per state."""
    for key, known in state.elements.items():
        if key not in fresh_keys or key in in_form or known.element.form_key is not None:
            continue
        if _typeable(known, rules) and known.element.input_type in rules.enter_types:
            return [Candidate("escape", [ExploreAction(action="press", element_key=key, data="Escape")], key)]
    return []


@dataclass(frozen=True)
class CandidateRules:
    """The explorer's crawl rules, as data."""

    sources: Sequence[CandidateSource] = (
        form_source,
        group_source,
        repeat_source,
        control_source,
        add_again_source,
    )
    samples: SampleValues = DEFAULT_SAMPLES
    max_links_per_state: int = 2  # links revealed in a reached state that we follow
    max_dblclicks_per_state: int = 2  # double-click candidates tried per state
    search_names: str = SEARCH_NAMES
    text_types: frozenset[str | None] = field(default_factory=lambda: frozenset(TEXT_TYPES))
    enter_types: frozenset[str | None] = field(default_factory=lambda: frozenset(ENTER_TYPES))


DEFAULT_RULES = CandidateRules()


def plan(
    node: Node, page_url: str, *, primary: bool, rules: CandidateRules = DEFAULT_RULES
) -> list[Candidate]:
    """The steps to try from a state, most telling first, before the deny-list is applied."""
    planning = Planning(node=node, page_url=page_url, primary=primary, rules=rules)
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for source in rules.sources:
        for candidate in source(planning):
            steps = repr([action.model_dump() for action in candidate.actions])
            if steps not in seen:  # a group's empty press is the lone button's click: run it once
                seen.add(steps)
                candidates.append(candidate)
    return candidates


# Meanings whose sample value is already right for an English page (and that fixture logins rely on):
# there the rules' samples stay; elsewhere (a number the field asks for, a date, a book title, any
# word on a page in another language) the value the field says it accepts is typed.
SAMPLE_MEANINGS = frozenset(
    {"text", "task", "title", "message", "search", "email", "password", "url", "phone", "number",
     "username", "full_name", "first_name", "last_name", "city", "zip", "address", "country"}
)  # fmt: skip


def fitting_value(known: Known) -> str | None:
    """The first value the field says it accepts (values.values_for over its facts), where it knows
    better than the rules' samples; None where the sample stays."""
    values = field_values(known)
    if values is None or not values.valid:
        return None
    if values.language == "en" and values.meaning in SAMPLE_MEANINGS:
        return None
    value = values.valid[0].value
    if value == known.extra.get("value") and len(values.valid) > 1:
        return values.valid[1].value  # the field holds it already: typing it would change nothing
    return value


def form_value(known: Known, rules: CandidateRules) -> str:
    """What a form fill types: a number for an amount, a book title for a book search, names in the
    page's language (`fitting_value`); the rules' sample otherwise."""
    return fitting_value(known) or rules.samples.for_field(known)


def fields_with_submit(state: State) -> set[str]:
    """Fields of forms that have a submit button: the form's own candidates cover them."""
    keys: set[str] = set()
    for known in state.elements.values():
        form = known.element
        if form.kind == "form" and form.submit_key and form.submit_key in state.elements:
            keys.update(form.field_keys)
    return keys


def _typeable(known: Known, rules: CandidateRules) -> bool:
    element = known.element
    return (
        element.kind in ("input", "textarea")
        and element.input_type in rules.text_types | {"textarea"}
        and not known.disabled
        and not known.extra.get("readonly")
    )


def fill_actions(
    state: State,
    form: Known,
    *,
    override: dict[str, str] | None = None,
    rules: CandidateRules = DEFAULT_RULES,
) -> tuple[list[ExploreAction], list[str]]:
    """Valid values in every field (one invalid where asked), required boxes ticked, options chosen."""
    actions: list[ExploreAction] = []
    typed: list[str] = []
    radio_groups: set[str] = set()
    for key in form.element.field_keys:
        known = state.elements.get(key)
        if known is None or known.disabled or known.extra.get("readonly"):
            continue
        element = known.element
        if element.kind in ("input", "textarea") and element.input_type in rules.text_types | {"textarea"}:
            value = override[key] if override and key in override else form_value(known, rules)
            actions.append(ExploreAction(action="fill", element_key=key, data=value))
            typed.append(value)
        elif element.kind == "select":
            option = pick_option(known)
            if option is not None:
                actions.append(ExploreAction(action="select", element_key=key, data=option))
        elif element.kind == "checkbox" and element.required and not known.extra.get("checked"):
            actions.append(ExploreAction(action="check", element_key=key))
        elif element.kind == "radio":
            group = known.extra.get("radioGroup") or key
            if element.required and group not in radio_groups:
                radio_groups.add(group)
                actions.append(ExploreAction(action="check", element_key=key))
    return actions, typed


def submit_actions(
    state: State, form: Known, submit: Known | None, rules: CandidateRules = DEFAULT_RULES
) -> list[ExploreAction]:
    """Submit as a user would: the form's button, else Enter in its last text field, else the form."""
    if submit is not None:
        return [ExploreAction(action="click", element_key=submit.element.key)]
    for key in reversed(form.element.field_keys):
        known = state.elements.get(key)
        if (
            known is not None
            and known.element.kind == "input"
            and known.element.input_type in rules.enter_types
        ):
            return [ExploreAction(action="press", element_key=key, data="Enter")]
    return [ExploreAction(action="submit", element_key=form.element.key)]


def form_candidates(
    state: State, form: Known, submit: Known | None, *, primary: bool, rules: CandidateRules = DEFAULT_RULES
) -> list[Candidate]:
    """A form's main steps (valid submit, empty submit, and as it is where fields hold values) or its
    variants (Enter, no match, invalid)."""
    fields = [state.elements[k] for k in form.element.field_keys if k in state.elements]
    text_fields = [f for f in fields if _typeable(f, rules)]
    main = submit.element.key if submit is not None else form.element.key
    submit_steps = submit_actions(state, form, submit, rules)
    if not fields:
        if primary and submit is not None:
            return [Candidate("submit", submit_steps, main_key=main)]
        return []
    valid, typed = fill_actions(state, form, rules=rules)
    candidates: list[Candidate] = []
    if primary:
        if valid:
            candidates.append(Candidate("fill_submit", valid + submit_steps, main_key=main, typed=typed))
        clear = [
            ExploreAction(action="fill", element_key=f.element.key, data="")
            for f in text_fields
            if f.extra.get("value")
        ]
        if not text_fields:  # nothing to leave empty (selects, boxes): the form is sent as it is
            candidates.append(Candidate("submit_as_is", list(submit_steps), main_key=main))
            return candidates
        candidates.append(Candidate("submit_empty", clear + submit_steps, main_key=main))
        if clear:  # fields hold values already (a quantity of 1): what sending them as they are does
            candidates.append(Candidate("submit_as_is", list(submit_steps), main_key=main))
        return candidates
    enter_fields = [f for f in text_fields if f.element.input_type in rules.enter_types]
    if submit is not None and enter_fields and valid:
        last = enter_fields[-1].element.key
        enter = [ExploreAction(action="press", element_key=last, data="Enter")]
        candidates.append(Candidate("fill_enter", valid + enter, main_key=last, typed=typed))
    for known in text_fields:
        if known.element.input_type == "search" or re.search(
            rules.search_names, known.element.name.casefold()
        ):
            bad = {known.element.key: rules.samples.no_match}
            no_match, typed_no_match = fill_actions(state, form, override=bad, rules=rules)
            candidates.append(
                Candidate("search_no_match", no_match + submit_steps, main_key=main, typed=typed_no_match)
            )
            break  # a search that finds nothing: the "no results" state
    for known in text_fields:
        value = rules.samples.invalid(known.element)
        if value is not None:
            bad = {known.element.key: value}
            invalid, typed_invalid = fill_actions(state, form, override=bad, rules=rules)
            candidates.append(
                Candidate("submit_invalid", invalid + submit_steps, main_key=main, typed=typed_invalid)
            )
            blur = [
                ExploreAction(action="fill", element_key=known.element.key, data=value),
                ExploreAction(action="press", element_key=known.element.key, data="Tab"),
            ]
            candidates.append(Candidate("blur_invalid", blur, main_key=known.element.key, typed=[value]))
            break  # one invalid field per form is enough to show the form's validation
    return candidates


def control_candidates(
    node: Node, fresh_keys: set[str], in_form_with_submit: set[str], planning: Planning
) -> list[Candidate]:
    """Toggles, selects, lone fields, buttons, hovers, double-clicks and (in reached states) revealed
    links."""
    rules = planning.rules
    state = node.state
    toggles: list[Candidate] = []
    selects: list[Candidate] = []
    fills: list[Candidate] = []
    clicks: list[Candidate] = []
    dblclicks: list[Candidate] = []
    links: list[Candidate] = []
    clicked_names: set[tuple[str, str]] = set()
    for key, known in state.elements.items():
        if key not in fresh_keys or known.disabled:
            continue
        element = known.element
        if known.extra.get("dblclick"):
            dblclicks.append(Candidate("dblclick", [ExploreAction(action="dblclick", element_key=key)], key))
        if key in in_form_with_submit:
            continue  # the form's own candidates cover its fields
        if element.kind in ("checkbox", "radio"):
            if element.kind == "radio" and known.extra.get("checked"):
                continue
            data = UNCHECK if known.extra.get("checked") else None
            toggles.append(
                Candidate("toggle", [ExploreAction(action="check", element_key=key, data=data)], key)
            )
        elif element.kind == "select":
            option = pick_option(known)
            if option is not None:
                selects.append(
                    Candidate("select", [ExploreAction(action="select", element_key=key, data=option)], key)
                )
        elif element.kind in ("input", "textarea") and element.input_type in rules.enter_types:
            if element.form_key is None:
                value = fitting_value(known) or rules.samples.valid(element)
                if value == known.extra.get("value"):
                    value += rules.samples.edited_suffix  # an edit field already holding it
                steps = [
                    ExploreAction(action="fill", element_key=key, data=value),
                    ExploreAction(action="press", element_key=key, data="Enter"),
                ]
                fills.append(Candidate("fill_enter", steps, key, typed=[value]))
        elif element.kind == "input" and element.input_type == "range" and element.form_key is None:
            fills += slide_candidates(key, known)
        elif element.kind == "button" and not known.is_submit:
            if known.extra.get("actionable") and not known.extra.get("click"):
                continue  # answers a double-click only (handled above)
            if known.extra.get("reveals"):
                clicks.append(Candidate("hover", [ExploreAction(action="hover", element_key=key)], key))
            group = (element.role, element.name)
            if element.name and group in clicked_names:
                continue  # one of several same-named buttons ("Add to cart" per product) is enough
            clicked_names.add(group)
            kind = "open_menu" if known.extra.get("haspopup") else "click"
            clicks.append(Candidate(kind, [ExploreAction(action="click", element_key=key)], key))
        elif element.kind == "link":
            if known.extra.get("reveals") and node.parent is None:
                clicks.append(Candidate("hover", [ExploreAction(action="hover", element_key=key)], key))
            if node.parent is not None and len(links) < rules.max_links_per_state:
                if element.href and origin_of(element.href) == origin_of(planning.page_url):
                    links.append(Candidate("navigate", [ExploreAction(action="click", element_key=key)], key))
    before = node.parent.dblclicks if node.parent is not None else {}
    on_page = page_path(state.url) == page_path(planning.page_url)
    for key, known in state.dblclicks.items():
        if key in before:
            continue
        if not known.extra.get("handler") and (node.parent is None or not on_page):
            continue  # a list's labels count once they appeared after an action here (an added item)
        dblclicks.append(Candidate("dblclick", [ExploreAction(action="dblclick", element_key=key)], key))
    return toggles + selects + fills + clicks + dblclicks[: rules.max_dblclicks_per_state] + links


def _number(value: object, default: float) -> float:
    try:
        return float(str(value))
    except ValueError:
        return default


def slide_candidates(key: str, known: Known) -> list[Candidate]:
    """A slider is moved with the arrow keys, as its ARIA pattern says and keyboard users do: one
    step up where it is below its maximum, one step down where it is above its minimum; what the
    page shows for the new value is the case."""
    value = _number(known.extra.get("value"), 50.0)
    low, high = _number(known.extra.get("min"), 0.0), _number(known.extra.get("max"), 100.0)
    keys = [k for k, room in (("ArrowRight", value < high), ("ArrowLeft", value > low)) if room]
    return [Candidate("slide", [ExploreAction(action="press", element_key=key, data=k)], key) for k in keys]


def edge_candidate(
    root: Node,
    proposal: EdgeProposal,
    *,
    denied: Callable[[Element], bool],
    rules: CandidateRules = DEFAULT_RULES,
) -> tuple[Node, Candidate] | str:
    """The steps of an edge proposal from the page at load, or why it cannot be executed.

    A field's edge value is typed with valid values in the form's other fields, then the form is
    submitted as the user would (its button, else Enter). A repeat runs the button's action once
    (with a form's valid values) as the prefix and then again: the case checks the second time.
    """
    state = root.state
    known = state.elements.get(proposal.element_key)
    if known is None or known.disabled:
        return f"“{proposal.element_name}” is not on the page at load or is disabled"
    element = known.element
    if denied(element):
        return f"“{element.name}” is on the deny-list"
    form = next(
        (
            item
            for item in state.elements.values()
            if item.element.kind == "form"
            and (element.key in item.element.field_keys or item.element.submit_key == element.key)
        ),
        None,
    )
    if proposal.kind == "repeat":
        if element.kind != "button":
            return f"“{element.name}” is not a button"
        steps: list[ExploreAction] = [ExploreAction(action="click", element_key=element.key)]
        typed: list[str] = []
        if form is not None:
            valid, typed = fill_actions(state, form, rules=rules)
            steps = valid + submit_actions(state, form, known, rules)
        node = Node(prefix=steps, state=state, parent=state, depth=root.depth + 1)
        return node, Candidate("edge_repeat", list(steps), main_key=element.key, typed=typed)
    if form is None:
        return f"“{element.name}” is in no form"
    value = EDGE_VALUES[proposal.kind]
    actions, typed = fill_actions(state, form, override={element.key: value}, rules=rules)
    if not any(a.element_key == element.key and a.action == "fill" for a in actions):
        return f"“{element.name}” is not a text field that can be typed into"
    submit_key = form.element.submit_key
    submit = state.elements.get(submit_key) if submit_key else None
    candidate = Candidate(
        f"edge_{proposal.kind}",
        actions + submit_actions(state, form, submit, rules),
        main_key=submit_key or form.element.key,
        typed=[t for t in typed if t],
    )
    return root, candidate
