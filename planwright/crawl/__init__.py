"""The crawler: drives Chromium over a site and records what each element does (the ground truth).

Uses Playwright's sync API: every object belongs to the thread that created it, so a crawl runs in the
thread that owns its browser (see `browser.BrowserHolder`).
"""

from planwright.crawl.browser import (
    BrowserHolder,
    BrowserNotFoundError,
    default_browser_holder,
    launch_browser,
)
from planwright.crawl.crawler import DEFAULT_DENY_NAMES, CrawlError, crawl_site
from planwright.crawl.extract import extract_page
from planwright.crawl.locators import ElementInfo, choose_locator, to_playwright

__all__ = [
    "DEFAULT_DENY_NAMES",
    "BrowserHolder",
    "BrowserNotFoundError",
    "CrawlError",
    "ElementInfo",
    "choose_locator",
    "crawl_site",
    "default_browser_holder",
    "extract_page",
    "launch_browser",
    "to_playwright",
]
