"""The crawler: drives Chromium over a site and records what each element does (the ground truth).

It stands on `planwright.browser` (launching, logins, locators, in-page scripts). Playwright's sync
API ties every object to the thread that created it, so a crawl runs in the thread that owns its
browser (see `planwright.browser.launch.BrowserHolder`).
"""

from planwright.crawl.crawler import CrawlError, crawl_site
from planwright.crawl.extract import extract_page
from planwright.crawl.urls import DEFAULT_DENY_NAMES

__all__ = ["DEFAULT_DENY_NAMES", "CrawlError", "crawl_site", "extract_page"]
