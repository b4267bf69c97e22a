"""What clicking a button or submitting a form once did, classified for the page-load skeletons
(`Element.outcome`: dialog, validation, navigation, same page, download).

This is the crawler's own recorder of buttons and forms, the one that remains beside exploration's
(`crawl/explore/`, which records the same acts as `StateChange`s); it lives here, apart from the
link crawl, so that folding it into exploration is one module to delete (issue 9).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planwright.browser.locators import to_playwright
from planwright.browser.recorder import Tab
from planwright.browser.scripts import (
    ERROR_SELECTOR,
    FEEDBACK_SELECTOR,
    FEEDBACK_TEXTS_JS,
    INVALID_FIELDS_JS,
    OPEN_DIALOGS_JS,
    RESET_STORAGE_JS,
)
from planwright.crawl.extract import main_heading
from planwright.crawl.urls import normalize_url, same_document_path
from planwright.schemas import Element, Outcome

SETTLE_MS = 150  # after a click: time for handlers to open dialogs or change the DOM
MAX_MESSAGE_CHARS = 500


@dataclass(frozen=True)
class Before:
    """The page just before the act: its address, its feedback texts, how many dialogs are open."""

    url: str
    feedback: set[str]
    dialogs: int

    @classmethod
    def of(cls, page: Page) -> Before:
        return cls(
            url=normalize_url(page.url),
            feedback=set(page.evaluate(FEEDBACK_TEXTS_JS, FEEDBACK_SELECTOR)),
            dialogs=len(page.evaluate(OPEN_DIALOGS_JS)),
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def submit_rejected(page: Page, url_before: str, *, navigated: bool, status: int | None) -> bool:
    """Whether a submit that showed messages was refused (validation) rather than accepted."""
    if not navigated or (status is not None and 400 <= status < 500):
        return True
    if not same_document_path(page.url, url_before):
        return False  # landed on another page with a 2xx: its messages are notices
    return bool(page.evaluate(FEEDBACK_TEXTS_JS, ERROR_SELECTOR))


def observe_after(
    tab: Tab,
    before: Before,
    *,
    form: Element | None,
    timeout_ms: Callable[[], float],
) -> Outcome:
    """Classify what the activation did. A form's messages mean "validation" (a rejected submit)
    only when it did not navigate, the server answered 4xx, or it came back to the same path
    showing an error; a submit that lands on a 2xx page with only notices ("Thank you") is a
    navigation, and those notices are what it shows there. `timeout_ms` is asked at each wait: the
    crawl's deadline shortens it (and ends the crawl once passed)."""
    page = tab.page
    try:
        page.wait_for_load_state("load", timeout=timeout_ms())
    except PlaywrightTimeoutError:
        pass  # a slow next page still tells us where we went
    page.wait_for_timeout(SETTLE_MS)

    if tab.downloads:
        return Outcome(kind="download", url=tab.downloads[0].url)
    if tab.dialogs:
        return Outcome(kind="dialog", messages=[message[:MAX_MESSAGE_CHARS] for message in tab.dialogs])
    if tab.popups:
        popup = tab.popups[0]
        try:
            popup.wait_for_load_state("load", timeout=timeout_ms())
        except PlaywrightTimeoutError:
            pass
        return Outcome(
            kind="navigation",
            url=normalize_url(popup.url),
            title=popup.title(),
            heading=main_heading(popup),
        )

    navigated = bool(tab.navigations) or normalize_url(page.url) != before.url
    status = tab.navigations[-1].status if tab.navigations else None
    messages: list[str] = []
    if form is not None and not navigated:
        form_handle = to_playwright(page, form.locator)
        if form_handle.count() == 1:
            messages.extend(form_handle.evaluate(INVALID_FIELDS_JS))  # one per invalid field
    feedback = page.evaluate(FEEDBACK_TEXTS_JS, FEEDBACK_SELECTOR)
    messages.extend(_unique([text for text in feedback if navigated or text not in before.feedback]))
    messages = [message[:MAX_MESSAGE_CHARS] for message in messages]
    if (
        form is not None
        and messages
        and submit_rejected(page, before.url, navigated=navigated, status=status)
    ):
        return Outcome(
            kind="validation",
            url=normalize_url(page.url) if navigated else None,
            status=status,
            heading=main_heading(page) if navigated else None,
            messages=messages,
        )
    if navigated:
        return Outcome(
            kind="navigation",
            url=normalize_url(page.url),
            status=status,
            title=page.title(),
            heading=main_heading(page),
            messages=messages,
        )
    dialogs = page.evaluate(OPEN_DIALOGS_JS)
    if len(dialogs) > before.dialogs:
        opened = dialogs[-1]
        text = opened["text"][:MAX_MESSAGE_CHARS]
        return Outcome(kind="dialog", heading=opened["heading"] or None, messages=[text] if text else [])
    return Outcome(kind="same_page", url=normalize_url(page.url), messages=messages)


def restore_storage(context: BrowserContext, page: Page | None, initial: Mapping[str, Any]) -> bool:
    """Back to the crawl's initial cookies and, for the page's origin, its local storage, so the pages
    crawled after an activation look as they do to a fresh visitor; False when the page would not."""
    try:
        context.clear_cookies()
        if initial.get("cookies"):
            context.add_cookies(initial["cookies"])
        if page is not None:
            origin = "{}://{}".format(*urlsplit(page.url)[:2])
            saved: list[Any] = next(
                (o.get("localStorage", []) for o in initial.get("origins", []) if o.get("origin") == origin),
                [],
            )
            page.evaluate(RESET_STORAGE_JS, saved)
    except PlaywrightError:
        return False
    return True
