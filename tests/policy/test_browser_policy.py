"""The network policy in a real Chromium: a redirect (one hop or a chain), sub-resources, a frame,
a fetch and a link to the metadata address are refused with a reason and never reach the server
they aimed at (counted on that server); what the policy allows still works, forms included."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext
from playwright.sync_api import Error as PlaywrightError

from planwright.browser.policy_route import blocked_requests, new_policy_context
from planwright.netpolicy import IPAddress, NetworkPolicy, OwnService, system_resolver
from tests.policy.hostile_app import METADATA_URL, HostileSite, serve_hostile_site


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileSite]:
    with serve_hostile_site() as site:
        yield site


def resolver_with(names: dict[str, str]):  # noqa: ANN201 - a Resolver
    def resolve(host: str, port: int) -> list[IPAddress]:
        if host in names:
            return [ipaddress.ip_address(names[host])]
        return system_resolver(host, port)

    return resolve


@pytest.fixture
def policy(hostile: HostileSite) -> NetworkPolicy:
    """Loopback allowed (the fixture apps live there), the secret server is 'this deployment's api'."""
    return NetworkPolicy(
        allow_loopback=True,
        services=[OwnService("api (API_URL)", "127.0.0.1", hostile.secret_port)],
        resolver=resolver_with({"app.corp.test": "127.0.0.1", "rebind.corp.test": "127.0.0.1"}),
    )


@pytest.fixture
def context(browser: Browser, policy: NetworkPolicy) -> Iterator[BrowserContext]:
    context = new_policy_context(browser, policy)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def reasons(context: BrowserContext) -> list[str]:
    return [blocked.describe() for blocked in blocked_requests(context)]


@pytest.mark.parametrize("path", ["/start", "/hop"])
def test_a_redirect_to_a_denied_address_is_refused_at_every_hop(
    context: BrowserContext, hostile: HostileSite, path: str
) -> None:
    before = hostile.secret_hits()
    page = context.new_page()
    response = page.goto(hostile.url + path)
    assert response is not None and response.status == 403
    assert "Refused by Planwright's network policy" in page.inner_text("body")
    assert hostile.secret_hits() == before
    assert any(
        f"{hostile.secret_url}/" in reason and "this deployment's own api (API_URL)" in reason
        for reason in reasons(context)
    ), reasons(context)


def test_sub_resources_frames_and_fetches_to_a_denied_address_are_never_sent(
    context: BrowserContext, hostile: HostileSite
) -> None:
    before = hostile.secret_hits()
    page = context.new_page()
    page.goto(hostile.url + "/page")
    page.wait_for_load_state("networkidle")
    assert page.title() == "Hostile"
    assert hostile.secret_hits() == before
    refused = {
        (blocked.kind, blocked.url.removeprefix(hostile.secret_url)) for blocked in blocked_requests(context)
    }
    assert {
        ("stylesheet", "/style.css"),
        ("image", "/pixel.png"),
        ("document", "/frame"),
        ("fetch", "/api"),
        ("redirect", "/pixel-by-redirect.png"),
    } <= refused


def test_a_link_to_the_metadata_address_is_refused_before_any_connection(
    context: BrowserContext, hostile: HostileSite
) -> None:
    page = context.new_page()
    page.goto(hostile.url + "/page")
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto(page.get_by_role("link", name="Metadata").get_attribute("href") or "")
    assert any(METADATA_URL in r and "cloud metadata address" in r for r in reasons(context))


def test_the_proxy_connects_to_the_address_it_judged(context: BrowserContext, hostile: HostileSite) -> None:
    """Chromium never resolves a proxied name itself: the proxy's checked address is the one used,
    so a name that resolves to something else a moment later (DNS rebinding) does not move it."""
    port = hostile.site.server_address[1]
    page = context.new_page()
    response = page.goto(f"http://app.corp.test:{port}/ok")
    assert response is not None and response.status == 200 and page.title() == "Fine"
    before = hostile.secret_hits()
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto(f"http://rebind.corp.test:{hostile.secret_port}/")
    assert hostile.secret_hits() == before


def test_what_the_policy_allows_works_as_before(context: BrowserContext, hostile: HostileSite) -> None:
    page = context.new_page()
    page.goto(hostile.url + "/form")
    page.get_by_role("textbox").fill("hello")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url("**/ok")
    assert page.get_by_role("heading").inner_text() == "Posted q=hello"
    assert hostile.site.hits("POST", "/ok") >= 1
    assert blocked_requests(context) == []
