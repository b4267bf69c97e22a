"""Opening a URL in the crawl: where it led (`Visit`, the outcome a link is recorded with), whether it
is a page at all, and why it failed, in words a person can act on.

Why apart from the crawl's walk: the link BFS and a link probe load pages and report the same failures
the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError

from planwright.schemas import Outcome


class OutOfTime(Exception):
    """The overall deadline passed; the crawl returns what it has."""


class LoadFailed(Exception):
    """A page did not load; the message is the human-readable reason."""


@dataclass
class Visit:
    """Where opening a URL led: the outcome a link to that URL is recorded with."""

    url: str
    status: int | None = None
    title: str | None = None
    heading: str | None = None
    content_type: str | None = None
    error: str | None = None

    def outcome(self) -> Outcome:
        if self.error is not None:
            return Outcome(kind="error", url=self.url, status=self.status, messages=[self.error])
        if not is_html(self.content_type):
            return Outcome(kind="download", url=self.url, status=self.status)
        return Outcome(
            kind="navigation", url=self.url, status=self.status, title=self.title, heading=self.heading
        )


def is_html(content_type: str | None) -> bool:
    if not content_type:
        return True  # the browser rendered it; servers that omit the header usually send HTML
    mime = content_type.split(";")[0].strip().lower()
    return mime in ("text/html", "application/xhtml+xml")


def mime_of(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower() or "unknown content"


def format_seconds(seconds: float) -> str:
    return f"{seconds:g}"


_NET_ERRORS = {
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_NAME_NOT_RESOLVED": "the host name could not be resolved (DNS)",
    "ERR_NAME_RESOLUTION_FAILED": "the host name could not be resolved (DNS)",
    "ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
    "ERR_CONNECTION_TIMED_OUT": "the connection timed out",
    "ERR_TIMED_OUT": "the connection timed out",
    "ERR_CONNECTION_RESET": "the connection was reset",
    "ERR_CONNECTION_CLOSED": "the server closed the connection",
    "ERR_EMPTY_RESPONSE": "the server sent an empty response",
    "ERR_UNSAFE_PORT": "the browser refuses to open this port (an unsafe port)",
    "ERR_INTERNET_DISCONNECTED": "there is no network",
    "ERR_TOO_MANY_REDIRECTS": "too many redirects",
}


def describe_load_error(url: str, error: PlaywrightError) -> str:
    """A sentence a person can act on, from Chromium's net::ERR_* code."""
    match = re.search(r"net::(ERR_[A-Z_]+)", error.message)
    code = match.group(1) if match else None
    if code in _NET_ERRORS:
        return f"Could not connect to {url}: {_NET_ERRORS[code]}"
    if code and code.startswith("ERR_CERT"):
        return f"Could not connect to {url}: its TLS certificate is not valid ({code})"
    first_line = error.message.splitlines()[0] if error.message else type(error).__name__
    return f"Could not load {url}: {code or first_line}"
