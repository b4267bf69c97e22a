"""The one watchdog: past a hard deadline, close a stuck browser context from outside.

Why: Playwright's `evaluate` has no timeout, and its other timeouts rely on the page answering; a
page whose script never yields (a busy loop after load) blocks the calling thread forever, even in
`expect(...)`. The caller's own deadline is only checked between calls, and a plan's lease would keep
the job looking alive, so it would never end. Closing the context makes the pending call fail, and
the caller ends with what it has and a reason.

The sync API's objects belong to the thread that made them, and that thread is the one stuck in a
call; Playwright's event loop keeps running while it waits, so the close is scheduled there. The
crawl guards a whole browser (every context of it: use that only where the browser runs one job, a
solo worker); the verifier guards one case's context.
"""

from __future__ import annotations

import inspect
import threading

from playwright.sync_api import Browser, BrowserContext

BUSY_REASON = "planwright: a page kept the browser busy too long"  # what the pending call fails with
REPEAT_S = 1.0  # once fired, close again this often: a context opened meanwhile is closed too


class Watchdog:
    """Once `after_s` has passed, closes `owner` (a context, or every context of a browser), and again
    every second until the guarded block ends; `fired` says whether it had to."""

    def __init__(self, owner: Browser | BrowserContext, after_s: float, reason: str = BUSY_REASON) -> None:
        self.owner = owner
        self.after_s = after_s
        self.reason = reason
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="browser-watchdog", daemon=True)
        self._tasks: list[object] = []  # the event loop keeps only weak references to tasks

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self.after_s):
            return
        while not self._done.is_set():
            if close_from_outside(self.owner, self.reason, self._tasks):
                self.fired = True
            self._done.wait(REPEAT_S)


def close_from_outside(owner: Browser | BrowserContext, reason: str, tasks: list[object]) -> bool:
    """From another thread, close a context (or every context of a browser) on Playwright's event loop.

    The close is scheduled through the sync wrapper's `_loop` / `_impl_obj`, and the pending call then
    fails. `tasks` keeps the scheduled task alive (the loop holds only weak references). False when
    there is no loop left to schedule on.
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
