"""Grounded case skeletons from explored behaviours (action sequences and the state changes they caused).

Why a separate builder: a page-load skeleton checks what a page shows; an explored behaviour checks
what happens after acting (a task added, a box ticked, a form refused). Each step targets an element
the explorer really acted on (from the page or from the behaviour's `new_elements`, with the locator
recorded in the state where it was used), and each expected result is something the explorer observed
after the last step and the verifier can check again: the URL, the main heading, visible texts,
validation messages, a dialog, an HTTP error status, and for a double-click the fields it revealed (an
in-place edit box has no text of its own to check). Behaviours with nothing checkable are dropped.
Every act on a page is recorded here, once: the crawler only loads pages and follows links, so a
button's dialog and a form's empty submit are explored behaviours like any other.
"""

from __future__ import annotations

import re

from planwright.browser.operations import unchecks
from planwright.phrases import sections
from planwright.pipeline.behaviour import (
    Behaviour,
    element_label,
    open_step,
    origin,
    target_of,
    url_path,
    where_it_led,
)
from planwright.schemas import (
    EDGE_VALUES,
    Element,
    Expectation,
    ExploreAction,
    Language,
    ObservedBehaviour,
    PageSnapshot,
    Priority,
    StateChange,
    Step,
    TestCaseData,
)

MAX_VISIBLE = 3  # appeared texts turned into expectations
MAX_REVEALED_LINKS = 3  # links that appeared, claimed besides them
MAX_MESSAGES = 3

TEXTS = sections("case")

PRIORITY: dict[str, Priority] = {
    "fill_submit": "high",
    "fill_enter": "medium",
    "submit_empty": "high",
    "submit_as_is": "medium",
    "search_no_match": "medium",
    "submit_invalid": "high",
    "blur_invalid": "medium",
    "toggle": "high",
    "reload": "high",
    "back": "medium",
    "click": "medium",
    "dblclick": "medium",
    "submit": "medium",
    "open_menu": "medium",
    "select": "medium",
    "hover": "low",
    "navigate": "medium",
    "escape": "low",
    "slide": "medium",
    "edge_empty": "medium",
    "edge_spaces": "medium",
    "edge_long": "medium",
    "edge_repeat": "medium",
    "repeat": "medium",
    "group_fill": "high",
    "group_refused": "high",
    "group_empty": "high",
    "group_invalid": "high",
    "group_boundary": "medium",
    "group_invalid_accepted": "medium",
    "submit_refused": "high",
}
NEGATIVE = {
    "submit_empty",
    "submit_refused",
    "group_refused",
    "group_empty",
    "group_invalid",
    "submit_invalid",
    "blur_invalid",
    "search_no_match",
    "edge_empty",
    "edge_spaces",
    "edge_long",
}
EDGE_KINDS = {"edge_empty", "edge_spaces", "edge_long", "edge_repeat"}  # proposed by the model, executed
FIELD_KINDS = {"input", "textarea", "select", "checkbox", "radio"}
NAMED_ACTIONS = ("click", "dblclick", "press", "check", "submit")  # the steps a title names


def _unchecks(action: ExploreAction) -> bool:
    return unchecks(action.data)


def _step_text(action: ExploreAction, element: Element | None, texts: dict[str, str]) -> str:
    name = element_label(element) if element is not None else ""
    if action.action == "open":
        return texts["reload"].format(url=action.data or "")
    if action.action == "back":
        return texts["back"]
    if action.action == "dblclick":
        return texts["dblclick"].format(name=name)
    if action.action == "click":
        if element is not None and element.kind == "link":
            return texts["click_link"].format(name=name)
        if element is not None and element.kind == "button":
            return texts["click_button"].format(name=name)
        return texts["click"].format(name=name)
    if action.action == "fill":
        if not action.data:
            return texts["clear"].format(name=name)
        return texts["fill"].format(value=action.data, name=name)
    if action.action == "select":
        return texts["select"].format(value=action.data or "", name=name)
    if action.action == "check":
        return texts["uncheck" if _unchecks(action) else "check"].format(name=name)
    if action.action == "press":
        key = action.data or "Enter"
        return (
            texts["press_in"].format(key=key, name=name)
            if element is not None
            else texts["press"].format(key=key)
        )
    if action.action == "hover":
        return texts["hover"].format(name=name)
    return texts["submit"].format(name=name)


def _shape(text: str) -> str:
    """A text with its numbers blanked: "1 of 2 done" and "0 of 2 done" have the same shape."""
    return re.sub(r"\d+", "#", text)


def _revealed_links(observed: ObservedBehaviour) -> frozenset[str]:
    """Names of the links the steps made appear and did not use (a list's filters once it has an
    item): what the page now offers to go on with is part of what the step did."""
    used = {action.element_key for action in observed.actions}
    return frozenset(e.name for e in observed.new_elements if e.kind == "link" and e.name and e.key not in used)


def _expectations(
    change: StateChange, texts: dict[str, str], revealed: frozenset[str] = frozenset()
) -> list[Expectation]:
    """Only what was observed after the last step, in kinds the verifier checks: up to MAX_VISIBLE
    appeared texts, and the links that appeared with them (up to MAX_REVEALED_LINKS more)."""
    expected = where_it_led(change, texts)
    messages = list(dict.fromkeys(change.messages))[:MAX_MESSAGES]
    for message in messages:
        expected.append(
            Expectation(kind="validation", value=message, text=texts["exp_validation"].format(value=message))
        )
    if change.dialog:
        expected.append(
            Expectation(
                kind="dialog", value=change.dialog, text=texts["exp_dialog_text"].format(value=change.dialog)
            )
        )
    vanished_shapes = {_shape(text) for text in change.vanished}
    shown = 0
    for text in change.appeared:
        if shown >= MAX_VISIBLE:
            break
        if text == change.heading or text in messages or text == change.dialog:
            continue
        if _shape(text) in vanished_shapes and _shape(text) != text:
            expected.append(Expectation(kind="text", value=text, text=texts["exp_text"].format(value=text)))
        else:
            expected.append(
                Expectation(kind="visible", value=text, text=texts["exp_visible"].format(value=text))
            )
        shown += 1
    claimed = {e.value for e in expected}
    links = [text for text in change.appeared if text in revealed and text not in claimed]
    for text in links[:MAX_REVEALED_LINKS]:
        expected.append(Expectation(kind="visible", value=text, text=texts["exp_visible"].format(value=text)))
    return expected


def _revealed_fields(observed: ObservedBehaviour) -> list[Element]:
    """Fields a double-click made appear (an in-place edit box): its only visible sign may be the field
    itself, which has no text of its own, so a case checks the field by its locator."""
    if observed.kind != "dblclick":
        return []
    used = {action.element_key for action in observed.actions}
    return [e for e in observed.new_elements if e.kind in FIELD_KINDS and e.key not in used][:MAX_VISIBLE]


def _field_expectations(fields: list[Element], texts: dict[str, str]) -> list[Expectation]:
    return [
        Expectation(
            kind="visible", value=e.locator.describe(), text=texts["exp_field"].format(value=element_label(e))
        )
        for e in fields
    ]


MAX_TITLE_VALUE = 60  # an observed text quoted in a title; the expected results keep it whole


def _short(text: str) -> str:
    return text if len(text) <= MAX_TITLE_VALUE else text[: MAX_TITLE_VALUE - 1].rstrip() + "…"


def _observation(change: StateChange, texts: dict[str, str], *, kept: bool = False) -> str:
    """What the title says happened, with long texts (a 180-character value echoed back) shortened."""
    if change.messages:
        return texts["obs_message"].format(value=_short(change.messages[0]))
    if change.dialog:
        return texts["obs_dialog"].format(value=_short(change.dialog))
    if change.appeared and kept:
        return texts["obs_kept"].format(value=_short(change.appeared[0]))
    if change.url:
        return texts["obs_url"].format(value=_short(url_path(change.url)))
    if change.appeared:
        return texts["obs_visible"].format(value=_short(change.appeared[0]))
    if change.heading:
        return texts["exp_heading"].format(value=_short(change.heading)).lower()
    return ""


def _facts(
    page: PageSnapshot, observed: ObservedBehaviour, steps: list[Step], change: StateChange
) -> list[str]:
    """Short English lines for the model's prompt: what was done, then what was observed."""
    facts = [f"page: {page.url}"]
    for step in steps[1:]:
        name = step.target.name if step.target is not None else ""
        if step.action == "open":
            facts.append(f"step {step.n}: reload the page")
        elif step.action == "back":
            facts.append(f"step {step.n}: go back in the browser")
        elif step.action == "dblclick":
            facts.append(f"step {step.n}: double-click “{name}”")
        elif step.action == "fill":
            facts.append(f"step {step.n}: type “{step.data or ''}” into “{name}”")
        elif step.action in ("press",):
            facts.append(f"step {step.n}: press {step.data or 'Enter'}" + (f" in “{name}”" if name else ""))
        elif step.action == "select":
            facts.append(f"step {step.n}: choose “{step.data or ''}” in “{name}”")
        elif step.action == "check":
            untick = unchecks(step.data)
            facts.append(f"step {step.n}: {'untick' if untick else 'tick'} “{name}”")
        else:
            facts.append(f"step {step.n}: {step.action} “{name}”")
    if change.url:
        facts.append(f"then the address is {change.url}")
    if change.heading:
        facts.append(f"the heading is: {change.heading}")
    for message in change.messages[:MAX_MESSAGES]:
        facts.append(f"the message is shown: {message}")
    if change.dialog:
        facts.append(f"a dialog opens: {change.dialog}")
    if change.appeared:
        facts.append("appeared: " + "; ".join(change.appeared[:MAX_VISIBLE]))
    if change.vanished:
        facts.append("disappeared: " + "; ".join(change.vanished[:MAX_VISIBLE]))
    for name, (before, after) in change.counts.items():
        if name in ("listitem", "row"):
            facts.append(f"{'list items' if name == 'listitem' else 'table rows'}: {before} → {after}")
    if change.persists_after_reload is not None:
        facts.append(f"kept after a reload: {'yes' if change.persists_after_reload else 'no'}")
    return facts


def _title(observed: ObservedBehaviour, elements: dict[str, Element], texts: dict[str, str]) -> str:
    kind = observed.kind
    change = observed.change
    last = observed.actions[-1]
    if kind == "reload":
        named = [
            a for a in observed.actions[:-1] if a.element_key and a.action in ("click", "press", "check")
        ]
        element = elements.get(named[-1].element_key or "") if named else None
        return texts["title_reload"].format(
            name=element_label(element) if element else "", obs=_observation(change, texts, kept=True)
        )
    if kind == "back":
        # The step that changed the state: the one before the navigation, or the submit that navigated.
        named = [a for a in observed.actions[:-1] if a.element_key and a.action in NAMED_ACTIONS]
        changed = named[-2] if len(named) >= 2 else named[-1] if named else None
        element = elements.get(changed.element_key or "") if changed is not None else None
        obs = (
            texts["obs_back"].format(value=change.appeared[0])
            if change.appeared
            else _observation(change, texts)
        )
        return texts["title_back"].format(name=element_label(element) if element else "", obs=obs)
    if kind == "dblclick":
        fields = _revealed_fields(observed)
        element = elements.get(last.element_key) if last.element_key else None
        obs = (
            texts["obs_field"].format(value=element_label(fields[0]))
            if fields
            else _observation(change, texts)
        )
        return texts["title_dblclick"].format(name=element_label(element) if element else "", obs=obs)
    if kind in EDGE_KINDS - {"edge_repeat"}:
        value = EDGE_VALUES[kind.removeprefix("edge_")]
        edited = next((a for a in observed.actions if a.action == "fill" and a.data == value), None)
        field = elements.get(edited.element_key or "") if edited is not None else None
        main = elements.get(last.element_key) if last.element_key else None
        return texts[f"title_{kind}"].format(
            name=element_label(main) if main is not None else "",
            field=element_label(field) if field is not None else "",
            length=len(value),
            obs=_observation(change, texts),
        )
    if kind in GROUP_TITLED:
        return _group_title(observed, elements, texts)
    if kind == "blur_invalid":
        last = next((a for a in observed.actions if a.element_key), last)
    element = elements.get(last.element_key) if last.element_key else None
    name = element_label(element) if element is not None else ""
    template = f"title_{kind}" if f"title_{kind}" in texts else "title_click"
    if kind == "toggle" and _unchecks(last):
        template = "title_untoggle"
    return texts[template].format(name=name, obs=_observation(change, texts))


GROUP_TITLED = {"group_fill", "group_refused", "group_invalid", "group_invalid_accepted", "group_boundary"}


def _group_title(observed: ObservedBehaviour, elements: dict[str, Element], texts: dict[str, str]) -> str:
    """An interaction group's title names the values typed for its press (all of them: which one is
    the invalid or limit value is the app's to show, the title only says one is); the press is the
    last click."""
    presses = [i for i, a in enumerate(observed.actions) if a.action == "click"]
    since = presses[-2] + 1 if len(presses) >= 2 else 0  # the fills of this press, not of earlier ones
    fills = [a for a in observed.actions[since:] if a.action == "fill" and a.data and a.element_key]
    values = ", ".join(
        texts["value_in_field"].format(value=_short(a.data or ""), field=element_label(elements[a.element_key]))
        for a in fills
        if a.element_key in elements
    )
    press = next((a for a in reversed(observed.actions) if a.action == "click" and a.element_key), None)
    button = elements.get(press.element_key or "") if press is not None else None
    return texts[f"title_{observed.kind}"].format(
        name=element_label(button) if button is not None else "", values=values, obs=_observation(observed.change, texts)
    )


def explored_behaviour(
    page: PageSnapshot, observed: ObservedBehaviour, language: Language
) -> Behaviour | None:
    """One explored behaviour as a grounded case, or None when it has nothing a verifier could check
    (only disappearances) or refers to an element it does not carry."""
    texts = TEXTS[language]
    elements = {element.key: element for element in page.elements}
    elements.update({element.key: element for element in observed.new_elements})
    steps = [open_step(page, texts)]
    for action in observed.actions:
        element = elements.get(action.element_key) if action.element_key else None
        if action.element_key and element is None:
            return None  # a step without its element would not be grounded
        if action.action not in ("open", "press", "back") and element is None:
            return None
        steps.append(
            Step(
                n=len(steps) + 1,
                action=action.action,
                text=_step_text(action, element, texts),
                target=target_of(page, element) if element is not None else None,
                data=action.data,
            )
        )
    expected = _field_expectations(_revealed_fields(observed), texts) + _expectations(
        observed.change, texts, _revealed_links(observed)
    )
    if not expected:
        return None
    kind = observed.kind
    tags = ["explored", kind]
    change = observed.change
    refused = bool(change.messages) or (change.status is not None and change.status >= 400)
    if kind in NEGATIVE and (kind not in EDGE_KINDS or refused):
        # An edge value the application accepts (a long name that is saved) is no negative test.
        tags += ["negative", "validation"]
    if kind in ("reload", "back"):
        tags.append("persistence")
    if observed.destructive:
        tags.append("destructive")
    if kind in EDGE_KINDS:
        tags += ["edge", "model-proposed"]
    case = TestCaseData(
        page_url=page.url,
        title=_title(observed, elements, texts),
        preconditions=[texts["pre_page"].format(origin=origin(page.url)), texts["pre_fresh"]],
        steps=steps,
        expected=expected,
        priority=PRIORITY.get(kind, "medium"),
        tags=tags,
    )
    last_key = next((a.element_key for a in reversed(observed.actions) if a.element_key), None)
    return Behaviour(
        kind=f"explored_{kind}",
        page=page,
        element=elements.get(last_key) if last_key else None,
        case=case,
        facts=_facts(page, observed, steps, observed.change),
    )


def explored_behaviours(page: PageSnapshot, language: Language) -> list[Behaviour]:
    """Every explored behaviour of a page that yields a checkable, grounded case, in explored order."""
    behaviours = []
    for observed in page.behaviours:
        behaviour = explored_behaviour(page, observed, language)
        if behaviour is not None:
            behaviours.append(behaviour)
    return behaviours


__all__ = ["TEXTS", "explored_behaviour", "explored_behaviours"]
