"""URLs as the crawl and the explorer compare them, and the deny-list of names never to act on.

Why its own module: the link crawl, the explorer and the plan's checks all ask "same page?", "same
site?" and "could this destroy data?"; with the answers here none of them imports another for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit, urlunsplit

# Names (and link paths) whose activation could destroy data, spend money or end the session.
DEFAULT_DENY_NAMES: tuple[str, ...] = (
    "delete",
    "remove",
    "logout",
    "log out",
    "sign out",
    "pay",
    "buy",
    "удалить",
    "выйти",
    "оплатить",
)
# Of those, the names that remove one item: the explorer may use them on an item its own steps created in
# the same run (explore/runner.py `own_item`), never on one the page had; paying or logging out, never.
ITEM_REMOVAL_NAMES: tuple[str, ...] = ("delete", "remove", "удалить")


def normalize_url(url: str, base: str | None = None) -> str:
    """Absolute URL without its fragment (the same page), query kept (a different page)."""
    absolute = urljoin(base, url) if base else url
    parts = urlsplit(absolute)
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def same_document_path(a: str, b: str) -> bool:
    """Same scheme, host and path, query aside: a form posted to itself and re-rendered stayed put."""
    pa, pb = urlsplit(normalize_url(a)), urlsplit(normalize_url(b))
    return (pa.scheme, pa.netloc, pa.path.rstrip("/")) == (pb.scheme, pb.netloc, pb.path.rstrip("/"))


def origin_of(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one filled in): what the same-origin rule compares."""
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), parts.port or default_port


def same_site(start: tuple[str, str, int | None], landed: tuple[str, str, int | None]) -> bool:
    """The start URL's own site: the same origin, or the same host moved from http to https."""
    if landed == start:
        return True
    upgraded = (start[0], start[2], landed[0], landed[2]) == ("http", 80, "https", 443)
    return landed[1] == start[1] and upgraded


def page_path(url: str) -> str:
    """The path alone ("/" for the root): which page of the site, whatever the query."""
    return urlsplit(url).path or "/"


def is_denied(name: str, href: str | None, deny_names: Sequence[str]) -> bool:
    """Whether activating this element could destroy data, spend money or end the session."""
    text = name.casefold()
    terms = [term.casefold().strip() for term in deny_names if term.strip()]
    if any(re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) for term in terms):
        return True
    if href:
        tokens = set(re.split(r"\W+", urlsplit(href).path.casefold()))
        if tokens & {term.replace(" ", "") for term in terms}:
            return True
    return False
