"""What a step does, as data: the one translation of a plan's step into a browser operation.

Why data: the same step is acted out live (`perform`, by exploration and verification) and written
out as source (the pytest and Playwright Test exports). Both read the operation made here, so the
exported test clicks, ticks, unticks and submits exactly as the case was verified. No Playwright in
this module: the code generators import it without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

from planwright.browser.errors import NotExecutable
from planwright.schemas import Locator, Step

OperationKind = Literal[
    "goto", "back", "keyboard", "click", "dblclick", "fill", "select", "check", "uncheck", "press",
    "hover", "submit",
]  # fmt: skip

SUPPORTED_ACTIONS = frozenset(
    {"open", "click", "dblclick", "fill", "select", "check", "press", "hover", "submit", "back"}
)
# The `data` of a "check" step that means "untick" (the explorer writes "uncheck").
UNCHECK_WORDS = frozenset({"false", "off", "no", "0", "uncheck", "unchecked"})
UNCHECK = "uncheck"
DEFAULT_KEY = "Enter"

# How "submit" is done, as a user would: a form by its first submit button (requestSubmit when it
# has none), Enter in an input, a select or textarea submits its own form, anything else is clicked.
SUBMIT_BUTTON_SELECTOR = "button[type=submit], button:not([type]), input[type=submit], input[type=image]"
SUBMIT_BY_ENTER_TAGS = ("input",)
SUBMIT_OWN_FORM_TAGS = ("select", "textarea")


@dataclass(frozen=True)
class Operation:
    """One thing done to a page: `value` is the URL, the text typed, the option chosen or the key."""

    kind: OperationKind
    locator: Locator | None = None
    value: str | None = None


def unchecks(data: str | None) -> bool:
    """Whether a check step's data means "untick"."""
    return (data or "").strip().lower() in UNCHECK_WORDS


def operation(action: str, locator: Locator | None, data: str | None, *, page_url: str) -> Operation:
    """The operation for a step's action, target locator and data; NotExecutable when the step cannot
    be run as written. `page_url` resolves an "open" step's relative data (none: the page itself)."""
    if action not in SUPPORTED_ACTIONS:
        raise NotExecutable(f"unsupported action {action!r}")
    if action == "open":
        return Operation("goto", value=urljoin(page_url, data) if data else page_url)
    if action == "back":
        return Operation("back")
    if locator is None:
        if action == "press":
            return Operation("keyboard", value=data or DEFAULT_KEY)
        raise NotExecutable(f"action {action!r} has no target")
    if action == "fill":
        return Operation("fill", locator, data or "")
    if action == "select":
        if data is None:
            raise NotExecutable("select has no option to choose")
        return Operation("select", locator, data)
    if action == "check":
        return Operation("uncheck" if unchecks(data) else "check", locator)
    if action == "press":
        return Operation("press", locator, data or DEFAULT_KEY)
    kind: OperationKind = action  # type: ignore[assignment]  # click, dblclick, hover, submit
    return Operation(kind, locator)


def step_operation(step: Step, page_url: str) -> Operation:
    """A case's step as an operation; NotExecutable names the step."""
    try:
        return operation(
            step.action, step.target.locator if step.target else None, step.data, page_url=page_url
        )
    except NotExecutable as exc:
        raise NotExecutable(f"step {step.n}: {exc}") from exc
