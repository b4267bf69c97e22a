"""The network policy on every browser request: each context Planwright opens routes its requests
through the policy (aborting and recording what it refuses) and sends its connections through a
proxy of its own that judges every redirect hop (planwright/browser/policy_proxy.py).

Why both: the route sees each request the page makes, with its kind, and aborts it before a
connection exists (`net::ERR_BLOCKED_BY_CLIENT`); but Playwright never shows a route the request a
redirect leads to, so `302 Location: http://169.254.169.254/` would pass it. The proxy sees every
connection, hops included, and answers a refused one with 403 and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from playwright.sync_api import Browser, BrowserContext, Response, Route

from planwright.browser.policy_proxy import UNREACHABLE_HEADER, PolicyProxy
from planwright.netpolicy import NetworkPolicy, current_policy


@dataclass(frozen=True)
class BlockedRequest:
    """A request the policy refused: what it was for and why, for the plan's warnings."""

    url: str
    reason: str
    kind: str  # the route's resource type ("document", "image", ...), or "redirect" from the proxy

    def describe(self) -> str:
        return f"Refused a {self.kind} request to {self.url[:200]}: {self.reason}"


_blocked_by_context: WeakKeyDictionary[BrowserContext, list[BlockedRequest]] = WeakKeyDictionary()
_page_hosts_by_context: WeakKeyDictionary[BrowserContext, set[tuple[str, int | None]]] = WeakKeyDictionary()


def _host_and_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme.lower())


def blocked_requests(context: BrowserContext) -> list[BlockedRequest]:
    """What the policy refused for the pages of `context` so far (empty when no policy is installed).

    The proxy also refuses the browser's own background connections (update and autofill services);
    only refusals for hosts the pages asked for are the plan's business."""
    blocked = _blocked_by_context.get(context, [])
    page_hosts = _page_hosts_by_context.get(context)
    if page_hosts is None:
        return list(blocked)
    return [item for item in blocked if item.kind != "redirect" or _host_and_port(item.url) in page_hosts]


def policy_refusal(context: BrowserContext, url: str) -> str | None:
    """'refused by the network policy: …' when the policy refused `url` in `context`, else None."""
    wanted = url.rstrip("/")
    for blocked in blocked_requests(context):
        if blocked.url.rstrip("/") == wanted:
            return f"refused by the network policy: {blocked.reason}"
    return None


def unreachable_reason(response: Response | None) -> str | None:
    """Why the context's proxy could not connect ("connection refused"), from its 502; else None."""
    if response is None or response.status != 502:
        return None
    return response.headers.get(UNREACHABLE_HEADER.lower())


def install_network_policy(
    context: BrowserContext, policy: NetworkPolicy | None = None, blocked: list[BlockedRequest] | None = None
) -> list[BlockedRequest]:
    """Abort every request of `context` that `policy` (the deployment's by default) refuses; returns
    the list the refusals are recorded in (also `blocked_requests(context)`)."""
    policy = policy or current_policy()
    blocked = _blocked_by_context.setdefault(context, blocked if blocked is not None else [])

    def handle(route: Route) -> None:
        decision = policy.check_url(route.request.url)
        if decision.allowed:
            route.fallback()
            return
        blocked.append(BlockedRequest(route.request.url, decision.reason, route.request.resource_type))
        route.abort("blockedbyclient")

    context.route("**/*", handle)
    return blocked


def new_policy_context(
    browser: Browser,
    policy: NetworkPolicy | None = None,
    *,
    after_policy: Callable[[BrowserContext], None] | None = None,
    **options: Any,
) -> BrowserContext:
    """`browser.new_context(**options)` held to the network policy: its own proxy (closed with it),
    the route above, and no service workers (their requests would bypass the route).
    `after_policy` installs routes that see only what the policy let through (Playwright runs the
    last-registered route first, so they are registered before it)."""
    policy = policy or current_policy()
    blocked: list[BlockedRequest] = []
    proxy = PolicyProxy(policy, lambda url, reason: blocked.append(BlockedRequest(url, reason, "redirect")))
    try:
        context = browser.new_context(
            **{"service_workers": "block", **options, "proxy": {"server": proxy.url}}
        )
    except BaseException:
        proxy.close()
        raise
    context.on("close", lambda _: proxy.close())
    page_hosts: set[tuple[str, int | None]] = set()
    _page_hosts_by_context[context] = page_hosts
    context.on("request", lambda request: page_hosts.add(_host_and_port(request.url)))
    if after_policy is not None:
        after_policy(context)
    install_network_policy(context, policy, blocked)
    return context
