"""Pydantic schemas shared by the crawler, the pipeline, the exports and the API.

The crawl schemas are what the browser observed (ground truth); the case schemas are what the plan
says. A case's step targets always point back at a crawled element by its key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from planwright.api_plans.models import ApiRequest

# Postgres stores neither NUL nor a lone UTF-16 surrogate (a JSON "\\ud800" without its pair); caught
# here they are a 422 naming the field, not a 500 from the database driver.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f]")
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
DB_INT_MAX = 2**31 - 1  # ids are Postgres `integer`
DB_BIGINT_MAX = 2**63 - 1  # OFFSET takes a `bigint`

Language = Literal["ru", "en"]
PlanKind = Literal["ui", "api"]
PlanStatus = Literal["queued", "crawling", "generating", "verifying", "done", "failed"]
ElementKind = Literal["link", "button", "input", "textarea", "select", "checkbox", "radio", "form"]
LocatorStrategy = Literal["role", "testid", "label", "placeholder", "css", "title", "alt", "text", "chain"]
# One call of a chained locator ("the checkbox in the row with text 'X'"); `filter` narrows by has_text.
LinkMethod = Literal[
    "get_by_role", "get_by_label", "get_by_placeholder", "get_by_alt_text", "get_by_title", "get_by_text",
    "get_by_test_id", "locator", "filter",
]  # fmt: skip
StepAction = Literal[
    "open", "click", "dblclick", "fill", "select", "check", "press", "hover", "submit", "back", "request"
]
ExpectationKind = Literal[
    "url", "heading", "text", "visible", "status", "validation", "dialog", "title", "schema"
]
CaseSource = Literal["model", "skeleton"]
VerificationStatus = Literal["pending", "verified", "failed", "not_executable"]
Priority = Literal["high", "medium", "low"]


# ---------------------------------------------------------------- crawl: what the browser saw


class LocatorLink(BaseModel):
    """One call of a chained locator. `get_by_role` takes `role` and `argument` as the name ("": any
    name); `filter` narrows by has_text; the other `get_by_*` match their text exactly, as
    `get_by_label` does in a plain locator."""

    method: LinkMethod
    argument: str
    role: str | None = None

    def describe(self) -> str:
        argument = json.dumps(self.argument, ensure_ascii=False)
        if self.method == "get_by_role":
            role = json.dumps(self.role)
            return f"get_by_role({role}, name={argument})" if self.argument else f"get_by_role({role})"
        if self.method == "filter":
            return f"filter(has_text={argument})"
        return f"{self.method}({argument})"


_SINGLE_METHODS = {
    "testid": "get_by_test_id",
    "label": "get_by_label",
    "placeholder": "get_by_placeholder",
    "title": "get_by_title",
    "alt": "get_by_alt_text",
    "text": "get_by_text",
    "css": "locator",
}


class Locator(BaseModel):
    """A robust way to find an element again: role + accessible name first, CSS last; for an unnamed
    thing in a list, a chain (`get_by_role("listitem").filter(has_text=…).get_by_role("checkbox")`).
    Stored locators from before title/alt/text/chain read unchanged."""

    strategy: LocatorStrategy
    role: str | None = None
    name: str | None = None
    value: str | None = None  # test id, label, placeholder, title, alt, text or CSS selector
    chain: list[LocatorLink] | None = None  # strategy "chain": the calls, page first

    def describe(self) -> str:
        """The Playwright call that finds the element, as a QA engineer would write it."""
        if self.strategy == "chain":
            return ".".join(link.describe() for link in self.chain or [])
        if self.strategy == "role":
            return f"get_by_role({json.dumps(self.role)}, name={json.dumps(self.name, ensure_ascii=False)})"
        return f"{_SINGLE_METHODS[self.strategy]}({json.dumps(self.value, ensure_ascii=False)})"


class Observation(BaseModel):
    """What acting was observed to lead to, in the terms every expected result is checked in: where the
    page went, its HTTP status, its main heading, and the messages it showed. A link's `Outcome` and an
    explored sequence's `StateChange` are two kinds of it (same stored fields, so stored crawls read)."""

    url: str | None = None
    status: int | None = None
    heading: str | None = None
    messages: list[str] = Field(default_factory=list)  # validation messages, alerts, dialog text


class Outcome(Observation):
    """Where a link leads (the page the crawl or a link probe opened). Buttons and forms have none: the
    explorer acts on them, once, and records a `StateChange`; crawls stored before that may still carry
    a button's or form's outcome (the other kinds), which loads and is no longer read."""

    kind: Literal["navigation", "dialog", "validation", "same_page", "download", "error"]
    title: str | None = None


class Element(BaseModel):
    """One interactive element of a page, with the locator that finds it again."""

    key: str  # unique within its page, e.g. "e7"
    kind: ElementKind
    role: str
    name: str  # accessible name ("" when it has none)
    locator: Locator
    href: str | None = None  # links: absolute URL
    input_type: str | None = None  # inputs: text, email, password, search, ...
    required: bool = False
    options: list[str] = Field(default_factory=list)  # selects: option labels
    form_key: str | None = None  # fields: the key of their form
    field_keys: list[str] = Field(default_factory=list)  # forms: keys of their fields, in order
    submit_key: str | None = None  # forms: key of their submit button
    outcome: Outcome | None = None  # links only (see Outcome)


class ExploreAction(BaseModel):
    """One thing the explorer did to a page: the element acted on (by key) and what it typed or pressed."""

    action: StepAction
    element_key: str | None = None  # a key of the page's elements or of an earlier state's new elements
    data: str | None = None


class StateChange(Observation):
    """What an explored sequence of actions was observed to change (the ground truth of its case): `url`
    only when it changed, `messages` the validation messages and alerts that appeared."""

    appeared: list[str] = Field(default_factory=list)  # visible texts / accessible names that appeared
    vanished: list[str] = Field(default_factory=list)
    counts: dict[str, tuple[int, int]] = Field(default_factory=dict)  # "listitem": (before, after)
    dialog: str | None = None  # dialog heading or native dialog text
    persists_after_reload: bool | None = None


class ObservedBehaviour(BaseModel):
    """A sequence of actions from the page's fresh load, and what it changed. Elements first seen in
    a reached state are recorded in `new_elements`, so later steps that use them stay grounded."""

    key: str  # unique within its page, e.g. "b3"
    kind: str  # fill_submit | submit_invalid | toggle | add_item | remove_item | open_menu | hover | ...
    actions: list[ExploreAction]
    change: StateChange
    new_elements: list[Element] = Field(default_factory=list)
    destructive: bool = False


EdgeKind = Literal["empty", "spaces", "long", "repeat"]
# What an edge case types into its field. The long value stays under the explorer's 200-character
# limit on observed texts, so that an application that accepts and shows it is still observed.
LONG_EDGE_VALUE = ("Long text " * 18).strip() + "!"
EDGE_VALUES: dict[str, str] = {"empty": "", "spaces": "   ", "long": LONG_EDGE_VALUE}


class EdgeProposal(BaseModel):
    """An edge case the model proposed for a page (empty, blank or long input, a repeated action),
    grounded in one of the page's elements. The verify stage executes it from a fresh context and
    keeps it as a case only when it runs and shows something checkable; `result` says what happened."""

    kind: EdgeKind
    element_key: str
    element_name: str
    line: str  # the model's line, as written
    result: str | None = None  # "kept", "not executable: ...", "nothing observable", "duplicate: ..."


class PageSnapshot(BaseModel):
    url: str
    status: int | None = None
    depth: int = 0
    title: str = ""
    headings: list[str] = Field(default_factory=list)
    screenshot_path: str | None = None
    aria_snapshot: str | None = None
    elements: list[Element] = Field(default_factory=list)
    behaviours: list[ObservedBehaviour] = Field(default_factory=list)
    proposals: list[EdgeProposal] = Field(default_factory=list)  # from the model, after the crawl

    def element(self, key: str) -> Element | None:
        found = next((element for element in self.elements if element.key == key), None)
        if found is None:
            for behaviour in self.behaviours:
                found = next((element for element in behaviour.new_elements if element.key == key), found)
        return found


class LoginSpec(BaseModel):
    """Credentials and the page to use them on; the crawler logs in once and keeps the session."""

    url: str
    username: str
    password: str
    username_field: str | None = None  # label or placeholder; default: the email/user/login field
    password_field: str | None = None  # default: the password input
    submit: str | None = None  # button name; default: the form's submit button
    success_url_contains: str | None = None  # default: any page that no longer shows the password field

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        return check_target_url(value)


class AuthSpec(BaseModel):
    """How to be logged in: a Playwright storage state, a login form, extra headers or HTTP basic auth.
    Secrets here are never echoed back by the API."""

    storage_state: dict[str, Any] | None = None  # what `context.storage_state()` returns
    login: LoginSpec | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    basic_username: str | None = None
    basic_password: str | None = None

    @field_validator("headers")
    @classmethod
    def _headers_are_http(cls, value: dict[str, str]) -> dict[str, str]:
        """A name or value no HTTP request can carry would fail every page of the crawl (or split it)."""
        for name, header_value in value.items():
            if not HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)")
            if CONTROL_CHARACTER.search(header_value.replace("\t", " ")):
                raise ValueError(f"the value of {name} contains a control character (a line break?)")
        return value

    def is_empty(self) -> bool:
        return not (self.storage_state or self.login or self.headers or self.basic_username)


class BrowserLocale(BaseModel):
    """The locale and time zone every browser context of a plan opens in (crawl, exploration,
    verification, exported tests): dates, numbers and Accept-Language as the plan's users get them."""

    locale: str = "en-US"
    timezone_id: str = "UTC"


# A plan's language -> its users' locale and the time zone assumed for them.
PLAN_LOCALES: dict[str, BrowserLocale] = {
    "ru": BrowserLocale(locale="ru-RU", timezone_id="Europe/Moscow"),
    "en": BrowserLocale(locale="en-US", timezone_id="UTC"),
}


def browser_locale(language: str, timezone_id: str | None = None) -> BrowserLocale:
    """The locale a plan in `language` is crawled, verified and exported in; `timezone_id` (an IANA
    name) overrides the language's default time zone."""
    chosen = PLAN_LOCALES.get(language, PLAN_LOCALES["en"])
    return chosen.model_copy(update={"timezone_id": timezone_id}) if timezone_id else chosen


class CrawlOptions(BaseModel):
    max_pages: int = 10
    max_depth: int = 2
    page_timeout_s: float = 15.0
    total_timeout_s: float = 300.0
    screenshot_dir: str | None = None
    explore: bool = True  # act on pages (fill, submit, toggle...) besides following links
    max_actions_per_page: int = 24  # exploration runs per page: a one-page app needs ~2 per scenario
    max_explore_depth: int = 2  # actions chained from a reached state
    max_elements_per_page: int = 2000
    max_snapshot_chars: int = 200_000
    deny_names: list[str] | None = None  # None: the crawler's default deny-list
    allow_destructive: bool = False
    auth: AuthSpec | None = None
    locale: BrowserLocale | None = None  # None: the browser's own (en-US, the machine's time zone)


class CrawlResult(BaseModel):
    start_url: str
    pages: list[PageSnapshot] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # pages skipped and why
    notes: list[str] = Field(default_factory=list)  # bounds hit (crawl/caps.py), for the plan's notes


# ---------------------------------------------------------------- cases: what the plan says


class Target(BaseModel):
    element_key: str
    page_url: str
    role: str
    name: str
    locator: Locator


class Step(BaseModel):
    n: int
    action: StepAction
    text: str  # the human-readable step, in the plan's language
    target: Target | None = None  # None only for "open"
    data: str | None = None  # URL for "open", typed value for "fill", key for "press"
    request: ApiRequest | None = None  # an api plan's step: the HTTP request and its checks


class Expectation(BaseModel):
    kind: ExpectationKind
    value: str
    text: str = ""  # human-readable, in the plan's language


class Verification(BaseModel):
    status: VerificationStatus = "pending"
    detail: str | None = None


class TestCaseData(BaseModel):
    __test__ = False  # not a pytest class

    id: int | None = None
    plan_id: int | None = None
    page_url: str
    title: str
    preconditions: list[str] = Field(default_factory=list)
    steps: list[Step]
    expected: list[Expectation]
    priority: Priority = "medium"
    tags: list[str] = Field(default_factory=list)
    source: CaseSource = "skeleton"
    verification: Verification = Field(default_factory=Verification)


class ChangeLine(BaseModel):
    """One change of a target's run against the previous run, flattened for every export format."""

    section: str  # regression | pages | elements | cases
    what: str  # e.g. "now fails", "renamed", "changed"
    subject: str  # the case title, page or element
    detail: str = ""


class PlanExport(BaseModel):
    """Everything an export needs: the plan's header and its cases. Exports are pure functions of this."""

    id: int
    url: str
    language: Language
    status: str
    created_at: datetime
    kind: PlanKind = "ui"
    model_id: str | None = None
    device: str | None = None
    cases: list[TestCaseData] = Field(default_factory=list)
    # A target's run: what changed since run `changes_since` (None for a plain plan, or a first run).
    changes: list[ChangeLine] | None = None
    changes_since: int | None = None


# ---------------------------------------------------------------- API: requests and answers


def readable_errors(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    """'url: must be an http:// or https:// URL' rather than pydantic's nested structure; the same
    words in the API's 422, the web form and the command line."""
    messages = []
    for item in errors:
        location = ".".join(
            str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")
        )
        message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        messages.append(f"{location}: {message}" if location else message)
    return messages


def unstorable_text_at(value: Any, path: str = "") -> str | None:
    """The first place in a parsed JSON body holding text a database cannot store, with what it is."""
    if isinstance(value, str):
        found = UNSTORABLE_TEXT.search(value)
        if found is None:
            return None
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate (half of a UTF-16 pair)"
        return f"{path or 'body'}: contains {what} at position {found.start()}, which cannot be stored"
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            problem = unstorable_text_at(str(key), where) or unstorable_text_at(item, where)
            if problem:
                return problem
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = unstorable_text_at(item, f"{path}[{index}]")
            if problem:
                return problem
    return None


class StorableTextBody(BaseModel):
    """A request body whose text must fit the database: NUL bytes and lone surrogates are a 422 naming
    the field (a plan's, a target's), not a 500 from the driver."""

    @model_validator(mode="before")
    @classmethod
    def _text_is_storable(cls, data: Any) -> Any:
        problem = unstorable_text_at(data)
        if problem:
            raise ValueError(problem)
        return data


def check_target_url(value: str) -> str:
    """Only http(s) URLs with a host: the crawler must never be pointed at file:// or javascript:."""
    from urllib.parse import urlsplit

    value = value.strip()
    control = CONTROL_CHARACTER.search(value) or UNSTORABLE_TEXT.search(value)
    if control is not None:
        raise ValueError(
            f"contains the character U+{ord(control.group()):04X} at position {control.start()}; "
            "a URL has no control characters (percent-encode them, e.g. %00)"
        )
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as error:
        raise ValueError(f"is not a URL that can be read ({error})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"must be an http:// or https:// URL, got scheme {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise ValueError("must name a host, e.g. https://example.com/")
    if len(value) > 2000:
        raise ValueError("is longer than 2000 characters")
    return value
