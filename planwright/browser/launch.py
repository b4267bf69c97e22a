"""Launching: one Chromium per process, a fresh context per job (see `contexts.new_context`).

Playwright's sync API ties every object to the thread that created it, so a `BrowserHolder` must be
used from a single thread (the Celery solo pool's main thread, the CLI's main thread, a test session).
Launching takes a fraction of a second, but contexts are cheaper still and keep jobs isolated
(cookies, storage), which is why the browser is shared and the context is not.

Chromium's sandbox (CHROMIUM_SANDBOX): the crawler opens untrusted pages, so it is on wherever it can
work — not as root (Chromium refuses) and only where the kernel lets this user make user namespaces
(Chromium's namespace sandbox). `auto` decides by checking both at launch and says loudly when it is
off and why; `true` always asks for it (the launch then fails with Chromium's reason where it cannot);
`false` turns it off. The images run as uid 10001, so there it is on unless the container runtime
forbids user namespaces (see deploy/README.md).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from planwright.browser.contexts import new_context
from planwright.settings import get_settings

SYSTEM_CHROMIUM = "/usr/bin/chromium"
log = logging.getLogger("planwright.browser")


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


def user_namespace_refusal(run_as: Sequence[str] = ()) -> str | None:
    """Why this user (or the one `run_as` switches to, e.g. setpriv …) cannot make a user namespace,
    which Chromium's sandbox needs; None when it can."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "cannot check user namespaces: no `unshare` (util-linux) on PATH"
    try:
        result = subprocess.run(
            [*run_as, unshare, "--user", "true"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"cannot check user namespaces: {error}"
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return (
            f"the kernel refuses this user a user namespace ({detail[-1] if detail else result.returncode})"
        )
    return None


def sandbox_decision(setting: str, *, euid: int | None = None) -> tuple[bool, str]:
    """Whether to launch Chromium with its sandbox, and why (what the log line says)."""
    if setting == "false":
        return False, "CHROMIUM_SANDBOX=false"
    if setting == "true":
        return True, "CHROMIUM_SANDBOX=true"
    if (os.geteuid() if euid is None else euid) == 0:
        return (
            False,
            "running as root, where Chromium's sandbox cannot run (run as a non-root user, as the images do)",
        )
    refusal = user_namespace_refusal()
    if refusal is not None:
        return False, refusal
    return True, "non-root with user namespaces"


def launch_browser(playwright: Playwright) -> Browser:
    """Launch headless Chromium from the executable `find_chromium_executable` picks, sandboxed where
    it can be (see the module's docstring)."""
    sandbox, why = sandbox_decision(get_settings().chromium_sandbox)
    if sandbox:
        log.info("browser.sandbox.on reason=%s", why)
    else:
        log.warning("browser.sandbox.off reason=%s: Chromium runs untrusted pages without its sandbox", why)
    return playwright.chromium.launch(
        executable_path=find_chromium_executable(playwright), headless=True, chromium_sandbox=sandbox
    )


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
        return new_context(self.browser, None)

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
