"""The plan's locale and time zone hold in every context: the crawl, the verifier and the exported test
open the page as the plan's users do (a Russian plan: ru-RU, Europe/Moscow; an English one: en-US, UTC),
so a date, a number or the page's language choice reads the same in all three."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from planwright.codegen import to_playwright_spec, to_pytest
from planwright.crawl.crawler import crawl_site
from planwright.schemas import CrawlOptions, browser_locale
from planwright.verify import verify_cases
from tests.fixture_apps.common import AppHandler, AppServer, serve
from tests.verify.builders import as_verified, case, exp, step
from tests.verify.test_codegen import plan_of, run_pytest

# The page writes its users' locale, time zone and a formatted number into its heading.
_PAGE = """<!doctype html><meta charset="utf-8"><title>Locale</title><h1 id="h"></h1>
<script>
document.getElementById('h').textContent = navigator.language + ' '
  + Intl.DateTimeFormat().resolvedOptions().timeZone + ' ' + (1234.5).toLocaleString();
</script>"""


class _Page(AppHandler):
    def do_GET(self) -> None:
        self.send_body(_PAGE)


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with serve(AppServer(("127.0.0.1", 0), _Page), "locale-page") as base_url:
        yield base_url + "/"


RU_HEADING = "ru-RU Europe/Moscow 1\u00a0234,5"


def test_plan_languages_map_to_their_users_locale() -> None:
    assert browser_locale("ru").model_dump() == {"locale": "ru-RU", "timezone_id": "Europe/Moscow"}
    assert browser_locale("en").model_dump() == {"locale": "en-US", "timezone_id": "UTC"}
    assert browser_locale("ru", "Asia/Yekaterinburg").timezone_id == "Asia/Yekaterinburg"


def test_the_crawl_sees_the_page_in_the_plans_locale(browser: Browser, page_url: str) -> None:
    options = CrawlOptions(max_pages=1, max_depth=0, explore=False, locale=browser_locale("ru"))
    result = crawl_site(page_url, options, browser=browser)
    [heading] = result.pages[0].headings
    assert heading.split() == RU_HEADING.split()  # the group separator is a (narrow) no-break space


def test_the_verifier_and_the_exports_open_the_plans_locale(
    browser: Browser, page_url: str, tmp_path: Path
) -> None:
    ru_case = case(page_url, "Russian users", [step(1, "open", "Open")], [exp("heading", RU_HEADING)])
    in_ru, in_default = (
        verify_cases([ru_case], browser, timeout_s=10, locale=browser_locale("ru")),
        verify_cases([ru_case], browser, timeout_s=10),
    )
    assert in_ru[0].status == "verified", in_ru[0].detail
    assert in_default[0].status == "failed"  # the browser's own locale is not the plan's
    plan = plan_of(as_verified([ru_case]), url=page_url).model_copy(update={"language": "ru"})
    spec = to_playwright_spec(plan).decode()
    assert "locale: \"ru-RU\", timezoneId: \"Europe/Moscow\"" in spec
    path = tmp_path / "test_ru_plan.py"
    path.write_bytes(to_pytest(plan))
    result = run_pytest(path, page_url.rstrip("/"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
