"""Pieces the verifier and the code generator share, so an exported test checks exactly what was verified.

A case marked `verified` must pass again when exported; that only holds if both sides use the same URL
rule, the same locator parsing and the same in-page scripts (those live in `browser/scripts.py`). The
rules live here, as plain functions without a browser.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

from planwright.schemas import Locator

REGEX_SPECIALS = set(".^$*+?()[]{}|\\")

_DESCRIPTION = re.compile(
    r"^\s*(?:page\.)?(?P<fn>get_by_role|get_by_test_id|get_by_label|get_by_placeholder|locator)"
    r"\((?P<args>.*)\)\s*$",
    re.DOTALL,
)
_ROLE_ARGS = re.compile(
    r'^\s*(?P<role>"(?:[^"\\]|\\.)*")\s*(?:,\s*name\s*=\s*(?P<name>null|None|"(?:[^"\\]|\\.)*"))?\s*$',
    re.DOTALL,
)
_ONE_ARG = re.compile(r'^\s*(?P<value>"(?:[^"\\]|\\.)*")\s*$', re.DOTALL)


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


def parse_locator_description(text: str) -> Locator | None:
    """Read back what `Locator.describe()` wrote (e.g. `get_by_role("button", name="Sign in")`)."""
    match = _DESCRIPTION.match(text)
    if not match:
        return None
    fn, args = match.group("fn"), match.group("args")
    try:
        if fn == "get_by_role":
            role_args = _ROLE_ARGS.match(args)
            if not role_args:
                return None
            raw_name = role_args.group("name")
            name = None if raw_name in (None, "null", "None") else json.loads(raw_name)
            return Locator(strategy="role", role=json.loads(role_args.group("role")), name=name)
        one = _ONE_ARG.match(args)
        if not one:
            return None
        value = json.loads(one.group("value"))
    except json.JSONDecodeError:
        return None
    strategy = {"get_by_test_id": "testid", "get_by_label": "label", "get_by_placeholder": "placeholder"}.get(
        fn, "css"
    )
    return Locator(strategy=strategy, value=value)  # type: ignore[arg-type]
