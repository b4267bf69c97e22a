"""The one browser layer that crawl, exploration, verification and the exported tests stand on.

- `launch`: finding and starting Chromium, one per thread (`BrowserHolder`).
- `contexts`: the one context factory (auth options; locale and time zone go here too).
- `auth`: logging in once and turning the login into a storage state for every context.
- `watchdog`: past a hard deadline, closing a stuck context from outside.
- `locators`: choosing a locator, and the one stored-locator → Playwright-call rule.
- `scripts`: every script that runs inside a page (`js/`).
- `operations`: what a step does, as data (no Playwright: the code generators read it too).
- `perform`: the one way to act out a step, for exploration and verification.
- `recorder`: the one tab recorder (native dialogs accepted, new tabs, navigations, fetches).
- `errors`: `StepFailed` / `NotExecutable`, the two ways a step goes wrong.
- `policy_route`, `policy_proxy`: the network policy held on a context's requests and redirects.

Import from the modules: this package's `__init__` imports nothing, so `operations` stays free of
Playwright. Playwright's sync API ties every object to the thread that created it, so everything
here runs in the thread that owns its browser.
"""
