"""Pieces the verifier and the code generator share, so an exported test checks exactly what was verified.

A case marked `verified` must pass again when exported; that only holds if both sides use the same URL
rule, the same locator parsing and the same in-page scripts (those live in `browser/scripts.py`). The
rules live here, as plain functions without a browser.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

from planwright.schemas import Locator, LocatorLink

REGEX_SPECIALS = set(".^$*+?()[]{}|\\")

_STRING = r'"(?:[^"\\]|\\.)*"'
# One call of a description: `get_by_role("row", name="X")`, `filter(has_text="X")`, `locator("#id")`.
_CALL = re.compile(
    r"\s*(?P<fn>get_by_role|get_by_test_id|get_by_label|get_by_placeholder|get_by_title|get_by_alt_text"
    r"|get_by_text|locator|filter)\((?P<args>(?:" + _STRING + r'|[^()"])*)\)\s*',
    re.DOTALL,
)
_ROLE_ARGS = re.compile(
    r"^\s*(?P<role>" + _STRING + r")\s*(?:,\s*name\s*=\s*(?P<name>null|None|" + _STRING + r"))?\s*$",
    re.DOTALL,
)
_ONE_ARG = re.compile(r"^\s*(?P<value>" + _STRING + r")\s*$", re.DOTALL)
_FILTER_ARG = re.compile(r"^\s*has_text\s*=\s*(?P<value>" + _STRING + r")\s*$", re.DOTALL)
_STRATEGIES = {
    "get_by_test_id": "testid",
    "get_by_label": "label",
    "get_by_placeholder": "placeholder",
    "get_by_title": "title",
    "get_by_alt_text": "alt",
    "get_by_text": "text",
    "locator": "css",
}


def regex_escape(text: str) -> str:
    """Escape for a pattern that both Python's `re` and JavaScript's `RegExp` read the same way."""
    return "".join("\\" + char if char in REGEX_SPECIALS else char for char in text)


def normalize_url_value(value: str, page_url: str) -> str:
    """An absolute URL stays absolute; "/path" stays a path; "path" is resolved against the case's page."""
    value = value.strip()
    if urlsplit(value).scheme:
        return value
    if value.startswith("/"):
        return value
    joined = urlsplit(urljoin(page_url, value))
    return (
        joined.path
        + (f"?{joined.query}" if joined.query else "")
        + (f"#{joined.fragment}" if joined.fragment else "")
    )


def url_regex(value: str) -> str:
    """Pattern for an expected URL: a path matches on any origin, trailing slash optional.

    The query is compared only when the expectation names one, the fragment likewise, so "/search"
    still matches "/search?q=mug" (the expectation says where the user is, not every parameter).
    """
    parts = urlsplit(value)
    prefix = (
        regex_escape(f"{parts.scheme}://{parts.netloc}")
        if parts.scheme
        else r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^/?#]+"
    )
    path = parts.path.rstrip("/")
    pattern = "^" + prefix + regex_escape(path) + "/?"
    pattern += (r"\?" + regex_escape(parts.query)) if parts.query else r"(?:\?[^#]*)?"
    pattern += ("#" + regex_escape(parts.fragment)) if parts.fragment else "(?:#.*)?"
    return pattern + "$"


def _calls(text: str) -> list[tuple[str, str]] | None:
    """(method, arguments) of each call of `page.a(...).b(...)`, or None when it is not such a chain."""
    text = text.strip()
    if text.startswith("page."):
        text = text[len("page.") :]
    calls: list[tuple[str, str]] = []
    position = 0
    while True:
        match = _CALL.match(text, position)
        if match is None:
            return None
        calls.append((match.group("fn"), match.group("args")))
        position = match.end()
        if position == len(text):
            return calls
        if text[position] != ".":
            return None
        position += 1


def _link(fn: str, args: str) -> LocatorLink | None:
    if fn == "get_by_role":
        role_args = _ROLE_ARGS.match(args)
        if not role_args:
            return None
        raw_name = role_args.group("name")
        name = "" if raw_name in (None, "null", "None") else json.loads(raw_name)
        return LocatorLink(method="get_by_role", role=json.loads(role_args.group("role")), argument=name)
    one = (_FILTER_ARG if fn == "filter" else _ONE_ARG).match(args)
    return LocatorLink(method=fn, argument=json.loads(one.group("value"))) if one else None  # type: ignore[arg-type]


def parse_locator_description(text: str) -> Locator | None:
    """Read back what `Locator.describe()` wrote (e.g. `get_by_role("button", name="Sign in")`, or a
    chain such as `get_by_role("listitem").filter(has_text="Milk").get_by_role("checkbox")`)."""
    calls = _calls(text)
    if not calls:
        return None
    try:
        links = [_link(fn, args) for fn, args in calls]
    except json.JSONDecodeError:
        return None
    if any(link is None for link in links):
        return None
    chain = [link for link in links if link is not None]
    if len(chain) > 1:
        return Locator(strategy="chain", chain=chain)
    [only] = chain
    if only.method == "filter":
        return None
    if only.method == "get_by_role":
        fn, args = calls[0]
        raw_name = _ROLE_ARGS.match(args).group("name")  # type: ignore[union-attr]
        name = None if raw_name in (None, "null", "None") else only.argument
        return Locator(strategy="role", role=only.role, name=name)
    return Locator(strategy=_STRATEGIES[only.method], value=only.argument)  # type: ignore[arg-type]
