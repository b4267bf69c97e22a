"""Per-team limits (429 + Retry-After), fair dispatch across teams, the body size limit, DELETE with
files, cached exports: through the api on the real Postgres and Redis (the queue inspected directly)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from planwright.db.models import Plan
from planwright.db.session import session_scope
from planwright.dispatch import dispatch_waiting
from planwright.settings import get_settings
from planwright.teams import create_api_key, create_team
from tests.api.test_plans_api import queued_plan_ids


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set settings for one test; the cached Settings is rebuilt before and after."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def new_team_key(database_url: str) -> dict[str, str]:
    with session_scope(database_url) as session:
        team = create_team(session, name=f"limits-{uuid.uuid4().hex[:8]}")
        return {"X-API-Key": create_api_key(session, team=team)}


def post(client: TestClient, headers: dict[str, str], n: int = 0):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/plans", json={"url": f"http://example.com/{n}"}, headers=headers)


def test_a_team_past_its_active_plans_gets_429_and_makes_no_plan(
    client: TestClient, api_env: dict[str, str], settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("TEAM_MAX_ACTIVE_PLANS", "2")
    headers, other = new_team_key(api_env["DATABASE_URL"]), new_team_key(api_env["DATABASE_URL"])
    assert [post(client, headers, n).status_code for n in range(2)] == [202, 202]
    refused = post(client, headers, 3)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "TEAM_MAX_ACTIVE_PLANS" in refused.json()["detail"]
    assert client.get("/api/v1/plans", headers=headers).json()["total"] == 2
    assert post(client, other).status_code == 202  # another team is not held back by it


def test_a_team_past_its_plans_per_hour_gets_429_with_when_to_retry(
    client: TestClient, api_env: dict[str, str], settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("TEAM_MAX_PLANS_PER_HOUR", "3")
    headers = new_team_key(api_env["DATABASE_URL"])
    assert {post(client, headers, n).status_code for n in range(3)} == {202}
    refused = post(client, headers)
    assert refused.status_code == 429 and 3500 < int(refused.headers["retry-after"]) <= 3600
    assert (
        client.post("/login", data={"api_key": headers["X-API-Key"]}, follow_redirects=False).status_code
        == 303
    )
    try:
        web = client.post("/plans", data={"url": "http://example.com/"}, follow_redirects=False)
    finally:
        client.cookies.clear()
    assert web.status_code == 429  # the form too (it counts the same plans)


def test_one_teams_backlog_does_not_starve_another_teams_plan(
    client: TestClient, api_env: dict[str, str], settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("TEAM_DISPATCH_WINDOW", "2")
    busy, quiet = new_team_key(api_env["DATABASE_URL"]), new_team_key(api_env["DATABASE_URL"])
    busy_ids = [post(client, busy, n).json()["id"] for n in range(8)]
    quiet_id = post(client, quiet).json()["id"]
    queue = queued_plan_ids(api_env["REDIS_URL"])
    assert quiet_id in queue and [i for i in busy_ids if i in queue] == busy_ids[:2]
    waiting = client.get(f"/api/v1/plans/{busy_ids[5]}", headers=busy).json()
    assert waiting["status"] == "queued" and "waiting for its team's turn" in waiting["progress"]["stage"]

    with session_scope(api_env["DATABASE_URL"]) as session:  # the busy team's first plan finishes
        plan = session.get(Plan, busy_ids[0])
        assert plan is not None
        plan.status = "done"
    assert dispatch_waiting(api_env["DATABASE_URL"], window=2) == [busy_ids[2]]
    assert busy_ids[2] in queued_plan_ids(api_env["REDIS_URL"])


def test_a_body_past_the_limit_gets_413(client: TestClient) -> None:
    """Before: a 30 MB storage_state was accepted and stored."""
    big = {"url": "http://example.com/", "auth": {"storage_state": {"cookies": [], "pad": "x" * 3_000_000}}}
    response = client.post("/api/v1/plans", json=big)
    assert response.status_code == 413 and "MAX_REQUEST_BODY_BYTES" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off while it streams
        yield b'{"url": "http://example.com/", "x": "'
        for _ in range(40):
            yield b"y" * 100_000
        yield b'"}'

    streamed = client.post("/api/v1/plans", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_delete_removes_the_plan_with_its_files(
    client: TestClient, api_env: dict[str, str], settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_env.setenv("DATA_DIR", str(tmp_path))
    headers = new_team_key(api_env["DATABASE_URL"])
    plan_id = post(client, headers).json()["id"]
    shot = tmp_path / "screenshots" / str(plan_id) / "page-0.png"
    shot.parent.mkdir(parents=True)
    shot.write_bytes(b"png")
    assert (
        client.delete(f"/api/v1/plans/{plan_id}", headers=new_team_key(api_env["DATABASE_URL"])).status_code
        == 404
    )
    assert client.delete(f"/api/v1/plans/{plan_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/plans/{plan_id}", headers=headers).status_code == 404
    assert not shot.parent.exists()
    assert client.delete(f"/api/v1/plans/{plan_id}", headers=headers).status_code == 404


def test_an_export_is_rendered_once_then_served_from_its_cache(
    client: TestClient, api_env: dict[str, str], settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_env.setenv("DATA_DIR", str(tmp_path))
    headers = new_team_key(api_env["DATABASE_URL"])
    plan_id = post(client, headers).json()["id"]
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.status = "done"
    first = client.get(f"/api/v1/plans/{plan_id}/export.json", headers=headers)
    cached = tmp_path / "exports" / str(plan_id) / "plan.json"
    assert first.status_code == 200 and cached.read_bytes() == first.content
    cached.write_bytes(b'{"from": "the cache"}')
    assert client.get(f"/api/v1/plans/{plan_id}/export.json", headers=headers).json() == {"from": "the cache"}
    assert client.delete(f"/api/v1/plans/{plan_id}", headers=headers).status_code == 204
    assert not cached.exists()
