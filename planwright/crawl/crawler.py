"""Same-origin, breadth-first crawl: pages, their elements and where each link leads; then
exploration (`crawl/explore/`), which does every act on the pages (button clicks, form submits,
dialogs) once, through `browser.perform` and the one recorder `browser.recorder.Tab`.

The crawler itself only loads, extracts and follows links: a link's outcome is the page it really
leads to (from the crawl or a lightweight visit), never a guess. Bounded by a per-page timeout, an
overall deadline, a page budget and a budget of extra link visits; links whose names suggest side
effects (delete, log out, ...) are never followed (`urls.DEFAULT_DENY_NAMES`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planwright.browser.auth import LoginError, resolve_auth
from planwright.browser.contexts import new_context
from planwright.browser.launch import default_browser_holder
from planwright.browser.policy_route import blocked_requests, policy_refusal, unreachable_reason
from planwright.browser.recorder import Tab
from planwright.browser.watchdog import Watchdog
from planwright.crawl.caps import cap_snapshot
from planwright.crawl.explore import Explorer
from planwright.crawl.extract import extract_bounded, main_heading, snapshot_from
from planwright.crawl.loading import (
    LoadFailed,
    OutOfTime,
    Visit,
    describe_load_error,
    format_seconds,
    is_html,
    mime_of,
)
from planwright.crawl.urls import DEFAULT_DENY_NAMES, is_denied, normalize_url, origin_of, same_site
from planwright.schemas import CrawlOptions, CrawlResult, Element, PageSnapshot

MAX_EXTRA_VISITS = 30  # link targets outside the page budget that we still open to learn the outcome

ProgressCallback = Callable[[int, int, str], None]
PageCallback = Callable[[PageSnapshot], None]  # a page whose crawl (and exploration) is over


# Past the crawl's time limit, a call still stuck in a page is cut off. Calls are bounded by the time
# left, except what Playwright does not bound (evaluate) and a step's settling (≤ 4.5 s in crawl/explore/).
WATCHDOG_GRACE_S = 6.0


class CrawlError(Exception):
    """The start URL cannot be crawled; the message says what to fix."""


# ---------------------------------------------------------------- the crawl


class _Crawl:
    """The state of one crawl; crawl_site() is its only user."""

    def __init__(
        self,
        start_url: str,
        options: CrawlOptions,
        context: BrowserContext,
        on_progress: ProgressCallback | None,
        deny_names: Sequence[str],
    ) -> None:
        self.start_url = start_url
        self.options = options
        self.context = context
        self.on_progress = on_progress
        self.deny_names = deny_names
        # What a fresh visitor starts with: every exploration run starts from it.
        self.initial_storage = context.storage_state()
        self.activity = "starting"  # what the crawl is doing now, named in the reason when a call hangs
        self.deadline = time.monotonic() + options.total_timeout_s
        self.origin = origin_of(start_url)
        self.pages: list[PageSnapshot] = []
        self.visits: dict[str, Visit] = {}  # requested URL (normalized) -> where it led
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.extra_visits = 0
        self._tab: Tab | None = None
        self.on_page: PageCallback | None = None

    # ------------------------------------------------------------ time and the working tab

    def timeout_ms(self) -> float:
        """The per-page timeout, cut short by the overall deadline."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise OutOfTime
        return min(self.options.page_timeout_s, remaining) * 1000

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def tab(self) -> Tab:
        """The working tab. Each goto gives a fresh document, at a fraction of a new tab's cost."""
        if self._tab is None:
            page = self.context.new_page()
            page.set_default_timeout(self.options.page_timeout_s * 1000)
            self._tab = Tab(page)
        self._tab.reset()
        return self._tab

    def discard_tab(self) -> None:
        """Drop a tab left in an unknown state (a failed load, a stuck click); the next use opens one."""
        if self._tab is not None:
            tab, self._tab = self._tab, None
            tab.close()

    # ------------------------------------------------------------ loading pages

    def load(self, tab: Tab, url: str) -> Response | None:
        """Navigate and wait for `load`; failures become `LoadFailed` with a readable reason."""
        self.activity = f"loading {url}"
        timeout = self.timeout_ms()
        try:
            response = tab.page.goto(url, wait_until="load", timeout=timeout)
        except PlaywrightTimeoutError as exc:
            self.discard_tab()
            if time.monotonic() >= self.deadline:
                raise OutOfTime from exc
            raise LoadFailed(
                f"{url} did not finish loading within {format_seconds(timeout / 1000)} s"
            ) from exc
        except PlaywrightError as exc:
            self.discard_tab()
            raise LoadFailed(describe_load_error(url, exc)) from exc
        unreachable = unreachable_reason(response)  # the policy proxy's word for a failed connection
        if unreachable:
            raise LoadFailed(f"Could not connect to {url}: {unreachable}")
        return response

    def visit_of(self, page: Page, response: Response | None) -> Visit:
        content_type = response.headers.get("content-type") if response else None
        visit = Visit(
            url=normalize_url(page.url),
            status=response.status if response else None,
            content_type=content_type,
        )
        if is_html(content_type):
            visit.title = page.title()
            visit.heading = main_heading(page)
        return visit

    def load_start(self) -> tuple[Tab, Response | None]:
        """Open the start URL or raise CrawlError saying why it cannot be crawled."""
        tab = self.tab()
        try:
            response = self.load(tab, self.start_url)
        except LoadFailed as exc:
            refused = policy_refusal(self.context, self.start_url)
            raise CrawlError(f"{self.start_url} {refused}" if refused else str(exc)) from None
        except OutOfTime:
            raise CrawlError(
                f"{self.start_url} did not finish loading within "
                f"{format_seconds(self.options.total_timeout_s)} s (the crawl's total time limit)"
            ) from None
        landed = tab.page.url
        if not same_site(self.origin, origin_of(landed)):
            refused = policy_refusal(self.context, landed)
            raise CrawlError(
                f"{self.start_url} redirected to {landed}, another site; a start URL that leads "
                f"elsewhere is not followed (submit a plan for {landed} if that is the application)"
                + (f". The policy also refused it: {refused}" if refused else "")
            )
        if response is not None and response.status >= 400:
            raise CrawlError(f"{self.start_url} returned HTTP {response.status}")
        content_type = response.headers.get("content-type") if response else None
        if not is_html(content_type):
            raise CrawlError(f"{self.start_url} is {mime_of(content_type)}, not an HTML page")
        self.origin = origin_of(landed)  # http -> https on the same host moves the site
        return tab, response

    # ------------------------------------------------------------ the breadth-first walk

    def run(self) -> None:
        queue: deque[tuple[str, int]] = deque()
        seen = {self.start_url}
        crawled: set[str] = set()
        loaded: tuple[Tab, Response | None] | None = self.load_start()
        url, depth = self.start_url, 0
        while True:
            if loaded is None:
                loaded = self.load_for_crawl(url)
            if loaded is not None:
                snapshot = self.crawl_loaded(*loaded, url, depth, crawled)
                if snapshot is not None:
                    for target in self.links_to_follow(snapshot, depth):
                        if target not in seen:
                            seen.add(target)
                            queue.append((target, depth + 1))
                    if self.on_progress is not None:
                        total = min(self.options.max_pages, len(self.pages) + len(queue))
                        self.on_progress(len(self.pages), max(total, len(self.pages)), snapshot.url)
            if not queue or len(self.pages) >= self.options.max_pages:
                break
            url, depth = queue.popleft()
            loaded = None
        self.record_link_outcomes()
        if self.options.explore:
            self.explore_pages()
        else:
            for snapshot in self.pages:
                self.page_done(snapshot)

    def page_done(self, snapshot: PageSnapshot) -> None:
        """Hand a finished page on (the embedded command sends its prompts to the model meanwhile)."""
        if self.on_page is not None:
            self.on_page(snapshot)

    def load_for_crawl(self, url: str) -> tuple[Tab, Response | None] | None:
        tab = self.tab()
        try:
            return tab, self.load(tab, url)
        except LoadFailed as exc:
            self.visits[url] = Visit(url=url, error=str(exc))
            self.warn(f"Skipped: {exc}")
            return None

    def crawl_loaded(
        self, tab: Tab, response: Response | None, url: str, depth: int, crawled: set[str]
    ) -> PageSnapshot | None:
        """Extract a loaded page, or record why it is not part of the crawl."""
        page = tab.page
        visit = self.visit_of(page, response)
        self.visits[url] = visit
        final = visit.url
        self.visits.setdefault(final, visit)
        if origin_of(final) != self.origin:
            self.warn(f"Skipped {url}: it redirects to another site ({final})")
            return None
        if visit.status is not None and visit.status >= 400:
            self.warn(f"Skipped {url}: it returned HTTP {visit.status}")
            return None
        if not is_html(visit.content_type):
            self.warn(f"Skipped {url}: it is {mime_of(visit.content_type)}, not an HTML page")
            return None
        if final in crawled:
            return None  # a redirect to a page we already have
        crawled.add(final)
        page.set_default_timeout(self.timeout_ms())
        screenshot = None
        if self.options.screenshot_dir:
            screenshot = Path(self.options.screenshot_dir) / f"page-{len(self.pages) + 1:03d}.png"
        self.activity = f"reading the elements of {final}"
        try:
            headings, elements, _, found = extract_bounded(
                page, max_elements=self.options.max_elements_per_page
            )
            snapshot = snapshot_from(
                page, headings, elements, status=visit.status, depth=depth, screenshot_path=screenshot
            )
        except PlaywrightTimeoutError:
            if time.monotonic() >= self.deadline:
                raise OutOfTime from None  # the page timeout was cut to what the deadline left
            raise
        snapshot.url = final
        for note in cap_snapshot(
            snapshot,
            max_elements=self.options.max_elements_per_page,
            max_snapshot_chars=self.options.max_snapshot_chars,
            found_elements=found,
        ):
            self.notes.append(note)
        self.pages.append(snapshot)
        return snapshot

    def links_to_follow(self, snapshot: PageSnapshot, depth: int) -> list[str]:
        if depth + 1 > self.options.max_depth:
            return []
        targets = []
        for element in snapshot.elements:
            target = self.same_origin_target(element)
            if target is not None and not is_denied(element.name, element.href, self.deny_names):
                targets.append(target)
        return targets

    def same_origin_target(self, element: Element) -> str | None:
        if element.kind != "link" or not element.href:
            return None
        target = normalize_url(element.href)
        return target if origin_of(target) == self.origin else None

    # ------------------------------------------------------------ exploration (see crawl/explore/)

    def explore_pages(self) -> None:
        """Act on every crawled page (fill, submit, toggle, hover, reload...) with the time left,
        each page getting an equal share of it; each run starts from a fresh context."""

        browser = self.context.browser
        if browser is None or not self.pages:
            return

        # The plan's auth (headers, basic auth, session) and, without a session of its own, the
        # crawl's initial storage: every exploration run starts as the crawl and the verifier do.
        def exploration_context() -> BrowserContext:
            return new_context(
                browser,
                self.options.auth,
                origin=self.start_url,
                locale=self.options.locale,
                accept_downloads=False,
                storage_state=self.initial_storage,
            )

        explorer = Explorer(exploration_context, self.options, self.deny_names, deadline=self.deadline)
        explorer.learn_pages(self.pages)
        try:
            for index, snapshot in enumerate(self.pages):
                remaining = self.deadline - time.monotonic()
                if remaining <= 1.0:
                    self.warn(
                        f"Explored {index} of {len(self.pages)} pages: the crawl reached its total time limit"
                    )
                    return
                share = remaining / (len(self.pages) - index)
                self.activity = f"exploring {snapshot.url}"
                snapshot.behaviours = explorer.explore(snapshot, deadline=time.monotonic() + share)
                self.page_done(snapshot)
        finally:
            for warning in explorer.warnings:
                self.warn(warning)

    # ------------------------------------------------------------ outcomes of links

    def record_link_outcomes(self) -> None:
        """Every same-origin link gets the page it leads to, from the crawl or a lightweight visit."""
        not_visited = 0
        for snapshot in self.pages:
            for element in snapshot.elements:
                target = self.same_origin_target(element)
                if target is None:
                    continue
                if is_denied(element.name, element.href, self.deny_names):
                    self.warn(
                        f"Did not open {element.name!r} ({target}): it may change data or end the session"
                    )
                    continue
                visit = self.visits.get(target)
                if visit is None:
                    if self.extra_visits >= MAX_EXTRA_VISITS:
                        not_visited += 1
                        continue
                    visit = self.probe(target)
                element.outcome = visit.outcome()
        if not_visited:
            self.warn(
                f"{not_visited} links were not opened: the budget of {MAX_EXTRA_VISITS} extra visits is spent"
            )

    def probe(self, url: str) -> Visit:
        """Open a link target outside the crawl budget just to see where it leads (no extraction)."""
        self.extra_visits += 1
        tab = self.tab()
        try:
            visit = self.visit_of(tab.page, self.load(tab, url))
        except LoadFailed as exc:
            visit = Visit(url=url, error=str(exc))
        self.visits[url] = visit
        return visit

    def close(self) -> None:
        self.discard_tab()


# ---------------------------------------------------------------- entry point


def crawl_site(
    url: str,
    options: CrawlOptions,
    *,
    browser: Browser | None = None,
    on_progress: ProgressCallback | None = None,
    deny_names: Sequence[str] = DEFAULT_DENY_NAMES,
    on_page: PageCallback | None = None,
) -> CrawlResult:
    """Crawl a site from url and return its pages, elements and observed outcomes.

    Raises CrawlError when the start URL cannot be crawled (unreachable, HTTP error, not HTML, too
    slow); problems with other pages become warnings. Must run in the thread that owns `browser`
    (Playwright's sync API); without one, the calling thread's shared browser is used. `on_page` gets
    each page once its exploration is over, on this thread (a later page's may still change it).
    """
    start_url = normalize_url(url.strip())
    scheme, host, _ = origin_of(start_url)
    if scheme not in ("http", "https") or not host:
        raise CrawlError(f"{url!r} is not an http(s) URL")
    if browser is None:
        browser = default_browser_holder().browser
    if options.deny_names is not None:
        deny_names = options.deny_names
    try:
        auth = resolve_auth(browser, options.auth, origin=start_url)  # a login becomes a session once, here
    except LoginError as error:
        raise CrawlError(f"Login failed: {error}") from error
    options = options.model_copy(update={"auth": auth})
    context = new_context(browser, auth, origin=start_url, locale=options.locale, accept_downloads=False)
    crawl = _Crawl(start_url, options, context, on_progress, deny_names)
    crawl.on_page = on_page
    watchdog = Watchdog(browser, options.total_timeout_s + WATCHDOG_GRACE_S)
    try:
        with watchdog:
            crawl.run()
    except PlaywrightError as error:
        # Calls the crawl does not expect to fail (a page too busy to answer, a crashed tab): end with
        # what was collected and a reason, never with a raw error or a job that never ends.
        if watchdog.fired:
            stuck = (
                f"a page of the site kept the browser busy {format_seconds(WATCHDOG_GRACE_S)} s past the "
                f"crawl's time limit of {format_seconds(options.total_timeout_s)} s while {crawl.activity} "
                f"(a script that never yields, or a machine too loaded to answer)"
            )
        else:
            first = (error.message or str(error)).strip().splitlines()
            stuck = f"the browser failed: {first[0] if first else type(error).__name__}"
        if not crawl.pages:
            raise CrawlError(f"Stopped: {stuck}") from error
        crawl.warn(f"Stopped early after {len(crawl.pages)} pages: {stuck}")
    except OutOfTime:
        crawl.warn(
            f"Stopped early: the crawl reached its total time limit of "
            f"{format_seconds(options.total_timeout_s)} s after {len(crawl.pages)} pages"
        )
    finally:
        try:
            context.close()
        except PlaywrightError:
            pass  # the watchdog closed it already
    for blocked in blocked_requests(context):  # what the network policy kept the pages from
        crawl.warn(blocked.describe())
    return CrawlResult(start_url=start_url, pages=crawl.pages, warnings=crawl.warnings, notes=crawl.notes)
