"""Every response carries the security headers; the pages a person opens also carry a strict CSP
(the web page is driven under it in real Chromium by tests/e2e/test_services_end_to_end.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/plans", "/static/style.css", "/no/such/page"])
def test_responses_carry_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"  # no-referrer: Origin null, CSRF refused
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_a_refused_cross_site_post_carries_them_too(client: TestClient) -> None:
    response = client.post("/plans", data={"url": "http://x/"}, headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.headers["x-frame-options"] == "DENY"


def test_the_interactive_docs_keep_working_without_the_csp(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
