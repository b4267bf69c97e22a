"""A form post from another site is refused (403); the same site's own pages, and clients that are
not browsers (no Origin, no Referer), still work."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

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


def test_a_cross_site_form_post_starts_no_plan(client: TestClient) -> None:
    before = client.get("/api/v1/plans").json()["total"]
    for headers in (
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/x"},
        {"Origin": "null"},
    ):
        response = client.post(
            "/plans", data={"url": "http://intranet.example/"}, headers=headers, follow_redirects=False
        )
        assert response.status_code == 403
        assert "Cross-site request refused" in response.json()["detail"]
    refused = client.post(
        "/api/v1/plans", json={"url": "http://a.example/"}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert (
        client.post("/login", data={"api_key": "x"}, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert client.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.get("/api/v1/plans").json()["total"] == before


def test_a_same_site_form_post_still_works(client: TestClient) -> None:
    own = "http://testserver"  # the TestClient's host, as a browser on this page would send it
    response = client.post(
        "/plans",
        data={"url": "http://intranet.example/"},
        headers={"Origin": own, "Referer": f"{own}/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/plans/")
