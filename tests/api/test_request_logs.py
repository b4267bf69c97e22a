"""The api's access line: JSON with the request id (the caller's, echoed back, or a new one), the route
template, the plan id and the team — and never the API key the request carried."""

from __future__ import annotations

import json
import secrets

import pytest
from fastapi.testclient import TestClient

from planwright.db.session import session_scope
from planwright.teams import create_api_key, create_team


def access_lines(text: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [r for r in records if str(r.get("event", "")).startswith("http.request ")]


def test_access_line_carries_request_id_route_plan_and_team(
    client: TestClient, api_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(api_env["DATABASE_URL"]) as session:
        team = create_team(session, name=f"logs-{secrets.token_hex(4)}")
        key = create_api_key(session, team=team)
        team_id = team.id
    capsys.readouterr()
    response = client.get("/api/v1/plans/987654", headers={"X-API-Key": key, "X-Request-ID": "req-logs-1"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "req-logs-1"
    fresh = client.get("/healthz")
    generated = fresh.headers["x-request-id"]
    assert len(generated) == 32 and generated != "req-logs-1"
    captured = capsys.readouterr()
    lines = access_lines(captured.err + captured.out)
    (ours,) = [r for r in lines if r.get("request_id") == "req-logs-1"]
    assert ours["event"].startswith("http.request GET /api/v1/plans/{plan_id} 404 ")
    assert ours["plan_id"] == "987654" and ours["team_id"] == team_id and ours["service"] == "api"
    assert any(r.get("request_id") == generated for r in lines)
    assert key not in captured.err + captured.out


def test_a_request_id_that_is_not_a_token_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 80})
    assert response.headers["x-request-id"] != "bad id"
    assert len(response.headers["x-request-id"]) == 32
