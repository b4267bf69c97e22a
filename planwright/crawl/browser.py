"""One Chromium per process, a fresh context per job.

Playwright's sync API ties every object to the thread that created it, so a `BrowserHolder` must be
used from a single thread (the Celery solo pool's main thread, the CLI's main thread, a test session).
Launching takes a fraction of a second, but contexts are cheaper still and keep jobs isolated
(cookies, storage), which is why the browser is shared and the context is not.
"""

from __future__ import annotations

import atexit
import inspect
import os
import threading
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from planwright.settings import get_settings

SYSTEM_CHROMIUM = "/usr/bin/chromium"


class BrowserNotFoundError(RuntimeError):
    """No Chromium binary to launch; the message says which setting to change."""


def find_chromium_executable(playwright: Playwright | None = None) -> str:
    """CHROMIUM_PATH if set, else Playwright's own Chromium if installed, else Debian's."""
    configured = get_settings().chromium_path
    if configured:
        if not Path(configured).is_file():
            raise BrowserNotFoundError(
                f"CHROMIUM_PATH is set to {configured!r}, but there is no file there. "
                "Point CHROMIUM_PATH at a Chromium binary (e.g. /usr/bin/chromium)."
            )
        return configured
    if playwright is not None:
        try:
            bundled = playwright.chromium.executable_path
        except Exception:  # an unknown platform raises; fall through to the system one
            bundled = ""
        if bundled and Path(bundled).is_file():
            return bundled
    if Path(SYSTEM_CHROMIUM).is_file() and os.access(SYSTEM_CHROMIUM, os.X_OK):
        return SYSTEM_CHROMIUM
    raise BrowserNotFoundError(
        "No Chromium found: Playwright's browser is not installed and /usr/bin/chromium does not exist. "
        "Install one (`apt-get install chromium` or `playwright install chromium`) "
        "or set CHROMIUM_PATH to a Chromium binary."
    )


def launch_browser(playwright: Playwright) -> Browser:
    """Launch headless Chromium from the executable `find_chromium_executable` picks."""
    return playwright.chromium.launch(executable_path=find_chromium_executable(playwright), headless=True)


class BrowserHolder:
    """Starts Playwright and Chromium on first use, reuses them across jobs, closes them on exit."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._thread_id: int | None = None
        self._atexit_registered = False

    def _check_thread(self) -> None:
        current = threading.get_ident()
        if self._thread_id is None:
            self._thread_id = current
        elif self._thread_id != current:
            raise RuntimeError(
                "BrowserHolder used from another thread; Playwright's sync objects are thread-bound"
            )

    @property
    def browser(self) -> Browser:
        """The shared browser, (re)started if it is not running."""
        self._check_thread()
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        self._browser = launch_browser(self._playwright)
        if not self._atexit_registered:
            atexit.register(self.close)
            self._atexit_registered = True
        return self._browser

    def new_context(self) -> BrowserContext:
        """A fresh, isolated context for one job; the caller closes it."""
        return self.browser.new_context()

    def close(self) -> None:
        """Close the browser and stop Playwright; safe to call twice."""
        if self._thread_id is not None and self._thread_id != threading.get_ident():
            return  # atexit from another thread cannot touch thread-bound objects; the OS cleans up
        browser, playwright = self._browser, self._playwright
        self._browser, self._playwright = None, None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


_per_thread = threading.local()


def default_browser_holder() -> BrowserHolder:
    """The calling thread's holder: one browser per worker thread, since sync objects cannot move."""
    holder: BrowserHolder | None = getattr(_per_thread, "holder", None)
    if holder is None:
        holder = BrowserHolder()
        _per_thread.holder = holder
    return holder


class BrowserWatchdog:
    """Once `after_s` has passed, closes every context of the browser, and again every second until
    the guarded block ends.

    Why: Playwright's `evaluate` has no timeout, and a page whose script never yields (a busy loop
    after load) blocks it forever; the crawl's own deadline is only checked between calls, and the
    plan's lease would keep the job looking alive, so it would never end. Closing the contexts makes
    the pending call fail, and the crawl ends with what it has and a reason. The close is scheduled on
    Playwright's event loop (the sync objects belong to the working thread, which is blocked), as the
    verifier's per-case watchdog does. Use it only where this browser runs one job (a solo worker).
    """

    def __init__(self, browser: Browser, after_s: float) -> None:
        self.browser = browser
        self.after_s = after_s
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="browser-watchdog", daemon=True)
        self._tasks: list[object] = []  # the event loop keeps only weak references to tasks

    def __enter__(self) -> BrowserWatchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self.after_s):
            return
        while not self._done.is_set():
            self._close_contexts()
            self._done.wait(1.0)

    def _close_contexts(self) -> None:
        if close_from_outside(self.browser, "planwright: a page kept the browser busy too long", self._tasks):
            self.fired = True


def close_from_outside(owner: Browser | BrowserContext, reason: str, tasks: list[object]) -> bool:
    """From another thread, close a context (or every context of a browser) on Playwright's event loop.

    The sync API's objects belong to the thread that made them, and that thread is the one stuck in a
    call; the loop keeps running while it waits, so the close is scheduled there (through the wrapper's
    `_loop` / `_impl_obj`) and the pending call then fails. `tasks` keeps the scheduled task alive (the
    loop holds only weak references). False when there is no loop left to schedule on.
    """
    loop = getattr(owner, "_loop", None)
    impl = getattr(owner, "_impl_obj", None)
    if loop is None or impl is None or loop.is_closed():
        return False

    async def close_all() -> None:
        for context in list(impl.contexts) if isinstance(owner, Browser) else [impl]:
            try:
                if "reason" in inspect.signature(context.close).parameters:
                    await context.close(reason=reason)
                else:
                    await context.close()
            except Exception:
                pass  # closed meanwhile, or the browser is gone: either way the call is released

    try:
        loop.call_soon_threadsafe(lambda: tasks.append(loop.create_task(close_all())))
    except RuntimeError:
        return False  # the loop closed meanwhile
    return True
