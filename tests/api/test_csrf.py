"""A form post from another site is refused (403); the same site's own pages, and clients that are
not browsers (no Origin, no Referer), still work."""

from __future__ import annotations

import pytest

from services.api.csrf import cross_site_refusal

SERVER = "planwright.corp:8000"


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"origin": "http://planwright.corp:8000"}, False),
        ({"origin": "http://PLANWRIGHT.corp:8000"}, False),
        ({"referer": "http://planwright.corp:8000/plans/3"}, False),
        ({}, False),  # curl, scripts: not a browser, cannot be forged by a page
        ({"origin": "https://evil.example"}, True),
        ({"origin": "http://planwright.corp:9000"}, True),  # another port is another site
        ({"origin": "http://planwright.corp.evil.example:8000"}, True),
        ({"origin": "null"}, True),  # a sandboxed frame or a redirect from another site
        ({"referer": "https://evil.example/page"}, True),
        ({"origin": "https://evil.example", "referer": "http://planwright.corp:8000/"}, True),
        ({"origin": "javascript:alert(1)"}, True),
    ],
)
def test_unsafe_requests_must_come_from_this_server(headers: dict[str, str], refused: bool) -> None:
    reason = cross_site_refusal("POST", {"host": SERVER, **headers}, "http")
    assert (reason is not None) == refused
    if refused:
        assert reason is not None and "Cross-site request refused" in reason


def test_safe_methods_and_a_tls_ending_proxy_pass() -> None:
    assert cross_site_refusal("GET", {"host": SERVER, "origin": "https://evil.example"}, "http") is None
    behind_proxy = {"host": "planwright.corp", "origin": "https://planwright.corp"}
    assert cross_site_refusal("POST", behind_proxy, "http") is None
    renamed = {"host": "api:8000", "x-forwarded-host": "planwright.corp", "origin": "https://planwright.corp"}
    assert cross_site_refusal("POST", renamed, "http") is None
