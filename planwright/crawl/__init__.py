"""The crawler: drives Chromium over a site and records what each element does (the ground truth).

It stands on `planwright.browser` (launching, logins, locators, in-page scripts). Playwright's sync
API ties every object to the thread that created it, so a crawl runs in the thread that owns its
browser (see `planwright.browser.launch.BrowserHolder`). Import the modules themselves
(`planwright.crawl.crawler`, ...): this package imports nothing, so that `planwright.crawl.urls` (the
deny-list) loads without Playwright.
"""
