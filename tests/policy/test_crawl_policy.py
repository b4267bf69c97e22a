"""The crawler under the deployment's network policy: a start URL that is refused, or that redirects
to a refused address or to another site, ends the crawl with a reason; what a page tried to reach
and was refused becomes a warning; the refused server never hears from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from planwright.crawl.crawler import CrawlError, crawl_site
from planwright.schemas import CrawlOptions
from planwright.settings import get_settings
from tests.policy.hostile_app import HostileSite, serve_hostile_site

OPTIONS = CrawlOptions(max_pages=3, max_depth=1, explore=False, page_timeout_s=10, total_timeout_s=60)


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileSite]:
    with serve_hostile_site() as site:
        yield site


@pytest.fixture
def secret_denied(hostile: HostileSite, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The deployment's settings deny the secret server (loopback stays allowed, as in the suite)."""
    monkeypatch.setenv("TARGETS_DENIED", f"127.0.0.1:{hostile.secret_port}")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("TARGETS_DENIED")
    get_settings.cache_clear()


@pytest.mark.parametrize("path", ["/start", "/hop"])
def test_a_start_url_redirecting_to_a_denied_address_is_refused_with_a_reason(
    browser: Browser, hostile: HostileSite, secret_denied: None, path: str
) -> None:
    before = hostile.secret_hits()
    with pytest.raises(CrawlError) as refused:
        crawl_site(hostile.url + path, OPTIONS, browser=browser)
    message = str(refused.value)
    assert f"redirected to {hostile.secret_url}/, another site" in message
    assert (
        f"refused by the network policy: 127.0.0.1 is in TARGETS_DENIED (127.0.0.1:{hostile.secret_port})"
        in message
    )
    assert hostile.secret_hits() == before


def test_a_start_url_redirecting_to_another_allowed_site_is_not_followed(
    browser: Browser, hostile: HostileSite
) -> None:
    with pytest.raises(CrawlError, match=r"redirected to http://localhost:\d+/ok, another site"):
        crawl_site(hostile.url + "/elsewhere", OPTIONS, browser=browser)


def test_a_denied_start_url_is_refused_before_any_connection(browser: Browser) -> None:
    with pytest.raises(
        CrawlError, match="refused by the network policy: 169.254.169.254 is the cloud metadata"
    ):
        crawl_site("http://169.254.169.254/latest/meta-data/", OPTIONS, browser=browser)


def test_what_a_page_was_kept_from_becomes_a_warning(
    browser: Browser, hostile: HostileSite, secret_denied: None
) -> None:
    before = hostile.secret_hits()
    result = crawl_site(hostile.url + "/page", OPTIONS, browser=browser)
    assert [page.title for page in result.pages][:1] == ["Hostile"]
    refused = [warning for warning in result.warnings if warning.startswith("Refused a ")]
    assert any(f"{hostile.secret_url}/pixel.png" in warning for warning in refused), result.warnings
    assert any(f"{hostile.secret_url}/frame" in warning for warning in refused), result.warnings
    assert hostile.secret_hits() == before
