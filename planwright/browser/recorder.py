"""The one tab recorder: a page, and what it reported outside the DOM while we acted on it.

Why one: what a step was observed to do in the crawl or the exploration is later checked by the
verifier, so all of them must see the same continuation. One dialog policy therefore holds
everywhere, the verifier's: every native dialog (alert, confirm, prompt, "leave this page?") is
accepted, and its message (beforeunload aside) recorded. New tabs are recorded and closed at the next
`reset`, never followed (the exported tests act on one page too).
"""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Dialog, Download, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planwright.browser.scripts import INVALID_TRACKER_JS, QUIET_DOM_JS

POLL_MS = 25  # how often to look whether the fetches a step started have finished


class Tab:
    """A page with its native dialogs, new tabs, downloads, main-frame navigations and (with
    `track_fetches`) fetches in flight; `Tab.open` makes one in a context of its own, which `close`
    then closes.

    Fetches are tracked only where a settle waits for them (the explorer): each request event is a
    round trip to Python, which a loaded machine feels in a crawl's one-second budget.
    """

    def __init__(self, page: Page, *, owns_context: bool = False, track_fetches: bool = False) -> None:
        self.page = page
        self.owns_context = owns_context
        self.dialogs: list[str] = []
        self.popups: list[Page] = []
        self.downloads: list[Download] = []
        self.navigations: list[Response] = []
        self.inflight = 0
        page.on("dialog", self._on_dialog)
        page.on("popup", self._on_popup)
        page.on("download", self._on_download)
        page.on("response", self._on_response)
        if track_fetches:
            page.on("request", self._on_request)
            page.on("requestfinished", self._on_request_done)
            page.on("requestfailed", self._on_request_done)

    @classmethod
    def open(cls, context: BrowserContext, *, track_fetches: bool = False) -> Tab:
        """A new page in `context`, with the `invalid`-event tracker the validation checks read."""
        context.add_init_script(INVALID_TRACKER_JS)
        return cls(context.new_page(), owns_context=True, track_fetches=track_fetches)

    @property
    def last_status(self) -> int | None:
        """The HTTP status of the last main-frame navigation since the last reset."""
        return self.navigations[-1].status if self.navigations else None

    def reset(self) -> None:
        """Forget what was reported so far (and close new tabs): only what comes next counts."""
        for popup in self.popups:
            try:
                popup.close()
            except PlaywrightError:
                pass  # closed by itself, or the browser is gone
        self.dialogs.clear()
        self.popups.clear()
        self.downloads.clear()
        self.navigations.clear()

    def close(self) -> None:
        """Close the page, or the whole context when the tab made it."""
        self.reset()
        try:
            if self.owns_context:
                self.page.context.close()
            else:
                self.page.close()
        except PlaywrightError:
            pass  # the browser is gone; nothing to release

    def settle(
        self, *, load_ms: float, inflight_max_ms: float = 0, pause_ms: float = 0, quiet_ms: float = 0,
        quiet_max_ms: float = 0,
    ) -> None:  # fmt: skip
        """Wait for what a step started: a navigation's load, then (where asked) the fetches it
        started, a pause for handlers, and a DOM without mutations for `quiet_ms`."""
        page = self.page
        try:
            page.wait_for_load_state("load", timeout=load_ms)
        except PlaywrightTimeoutError:
            pass  # whether a page that never finished loading is a failure is for the caller to say
        waited = 0
        while self.inflight > 0 and waited < inflight_max_ms:
            page.wait_for_timeout(POLL_MS)
            waited += POLL_MS
        if pause_ms > 0:
            page.wait_for_timeout(pause_ms)
        if quiet_ms <= 0:
            return
        for _ in range(2):
            try:
                page.evaluate(QUIET_DOM_JS, [quiet_ms, quiet_max_ms])
                return
            except PlaywrightError:  # a navigation replaced the document while we waited
                try:
                    page.wait_for_load_state("load", timeout=load_ms)
                except PlaywrightTimeoutError:
                    return

    # ------------------------------------------------------------ listeners

    def _on_dialog(self, dialog: Dialog) -> None:
        try:
            if dialog.type != "beforeunload":
                self.dialogs.append(dialog.message)
            dialog.accept()  # the one policy: the verifier's, so every side sees the same continuation
        except PlaywrightError:
            pass  # the page closed under it; nothing left to answer

    def _on_popup(self, popup: Page) -> None:
        self.popups.append(popup)

    def _on_download(self, download: Download) -> None:
        self.downloads.append(download)

    def _on_response(self, response: Response) -> None:
        try:
            if response.request.is_navigation_request() and response.frame == self.page.main_frame:
                self.navigations.append(response)
        except PlaywrightError:
            pass

    def _on_request(self, request: Request) -> None:
        if request.resource_type in ("fetch", "xhr"):
            self.inflight += 1

    def _on_request_done(self, request: Request) -> None:
        if request.resource_type in ("fetch", "xhr"):
            self.inflight = max(0, self.inflight - 1)
