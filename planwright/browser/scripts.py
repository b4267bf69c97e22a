"""Every script Planwright runs inside a page, in one place, by name.

Why one place: the crawler, the explorer, the verifier and the exported tests must read a page the
same way (what counts as visible, as an error message, as an open dialog); copies drift. The scripts
are JavaScript files in `js/` (real JS an editor can check), loaded once here. A script with a
`/* helpers */` line gets the shared helpers (`norm`, `visible`, `messageLines`) in its place.
"""

from __future__ import annotations

import json
from pathlib import Path

_JS_DIR = Path(__file__).with_name("js")
_HELPERS_LINE = "  /* helpers */\n"

KEY_ATTRIBUTE = "data-planwright-key"  # extraction tags each element it describes with its key

# What a page shows when something went wrong: alerts, live error regions, the usual error classes.
ERROR_SELECTOR = (
    "[role=alert], [role=alertdialog], [aria-live=assertive], "
    ".error, .errors, .invalid-feedback, .field-error"
)


def _read(name: str) -> str:
    return (_JS_DIR / f"{name}.js").read_text(encoding="utf-8")


PAGE_HELPERS_JS = _read("helpers")


def page_script(source: str) -> str:
    """A page script with the shared helpers in place of its `/* helpers */` line."""
    if _HELPERS_LINE not in source:
        raise ValueError("page script without a /* helpers */ line")
    return source.replace(_HELPERS_LINE, PAGE_HELPERS_JS)


def _load(name: str) -> str:
    source = _read(name)
    return (page_script(source) if _HELPERS_LINE in source else source).strip()


# ---------------------------------------------------------------- extraction (crawl/extract.py)

COLLECT_ELEMENTS_JS = _load("collect_elements")  # tags each visible interactive element, describes it
KEYS_OF_MATCHES_JS = _load("keys_of_matches")  # (elements, keyAttribute): the keys a locator matches
MAIN_HEADING_JS = _load("main_heading")  # the first visible h1

# ---------------------------------------------------------------- actionable elements and fields

# Where the listener-tracking init script keeps what it saw, and the events it records: the ones a
# person triggers on an element (not load, scroll or timers).
LISTENERS_GLOBAL = "__planwrightListeners"
TRACKED_EVENTS = (
    "click", "dblclick", "contextmenu", "mousedown", "mouseup", "pointerdown", "pointerup",
    "touchstart", "touchend", "keydown", "keyup", "keypress",
)  # fmt: skip
# Installed before page scripts: records which elements get click-like or key listeners.
LISTENER_TRACKING_JS = (
    _read("listener_tracking")
    .replace("__GLOBAL__", LISTENERS_GLOBAL)
    .replace("__EVENTS__", json.dumps(list(TRACKED_EVENTS)))
    .strip()
)
GLOBAL_DEFINED_JS = _load("global_defined")  # (name): whether the page has that window global
SCAN_ACTIONABLE_JS = _load("scan_actionable")  # (config): candidates and interaction groups, marked
READ_FIELDS_JS = _load("read_fields")  # ({attribute, typedTypes}): the facts values are chosen from

# ---------------------------------------------------------------- states and what changed

CAPTURE_STATE_JS = _load("capture_state")  # (errorSelector): what a person sees, as comparable facts
ELEMENT_EXTRAS_JS = _load("element_extras")  # (keyAttribute): what planning needs beyond Element
DBLCLICK_TARGETS_JS = _load("dblclick_targets")  # what may react to a double-click without a role
QUIET_DOM_JS = _load("quiet_dom")  # ([quietMs, maxMs]): resolves once the DOM stopped changing
OPEN_DIALOGS_JS = _load("open_dialogs")  # the visible HTML dialogs, with heading and text
ELEMENT_LOOK_JS = _load("element_look")  # (element): its classes, aria state, text: did acting change it?
# ([wanted, nativeMessages]): whether a native message or a visible HTML dialog says `wanted`, compared
# the one way the verifier and the exported tests share (whitespace, NBSP, NFKC and case folded).
DIALOG_SHOWN_JS = _load("dialog_shown")

# ---------------------------------------------------------------- acting (browser/perform.py)

TAG_NAME_JS = _load("tag_name")
REQUEST_SUBMIT_JS = _load("request_submit")  # a form without a submit button, submitted with checks
SUBMIT_OWN_FORM_JS = _load("submit_own_form")  # a select or textarea submits the form it is in

# ---------------------------------------------------------------- validation (verifier and exports)

# Installed in every context before any page script: remembers each field that a submit attempt (or
# reportValidity) declared invalid, with the browser's message at that moment. A "validation"
# expectation then means "the browser refused the input", not "an untouched required field exists".
INVALID_TRACKER_JS = _load("invalid_tracker")
# (wanted): true once the expected message was reported for a field, or is visible as text.
VALIDATION_CHECK_JS = _load("validation_check")
# What the verifier reports when a validation expectation fails: messages reported, alerts shown.
VALIDATION_OBSERVE_JS = _load("validation_observe")
