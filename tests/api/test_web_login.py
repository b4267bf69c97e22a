"""With REQUIRE_API_KEY=true the web pages ask for the team's API key, start a server-side session
(its token, never the key, in an HttpOnly cookie), and show that team's plans only; the plan page's
live-progress and export requests work with it; logging out or revoking the key ends it at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from planwright.db.session import session_scope
from planwright.settings import get_settings
from planwright.teams import create_api_key, create_team


@pytest.fixture
def keys_required(api_env: dict[str, str]) -> Iterator[None]:
    os.environ["REQUIRE_API_KEY"] = "true"
    get_settings.cache_clear()
    yield
    os.environ.pop("REQUIRE_API_KEY", None)
    get_settings.cache_clear()


def test_web_pages_log_in_with_the_teams_key(
    client: TestClient, api_env: dict[str, str], keys_required: None
) -> None:
    with session_scope(api_env["DATABASE_URL"]) as session:
        key_a = create_api_key(session, team=create_team(session, name="web-team-a"))
        key_b = create_api_key(session, team=create_team(session, name="web-team-b"))
    theirs = client.post(
        "/api/v1/plans", json={"url": "http://b.example/"}, headers={"X-API-Key": key_b}
    ).json()
    client.cookies.clear()

    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get(f"/plans/{theirs['id']}", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/plans").status_code == 401  # the API still wants a key

    wrong = client.post("/login", data={"api_key": "pw_not-a-key"}, follow_redirects=False)
    assert wrong.status_code == 401 and "Unknown, revoked or expired API key." in wrong.text
    assert "planwright_session" not in wrong.headers.get("set-cookie", "")

    ok = client.post("/login", data={"api_key": key_a}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"]
    assert key_a not in cookie  # the cookie holds a session token, not the key
    assert (
        "planwright_session=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("samesite", "SameSite")
    )

    # Logged in as team A: its own plan through the web form, never team B's.
    created = client.post("/plans", data={"url": "http://a.example/"}, follow_redirects=False)
    assert created.status_code == 303
    own_path = created.headers["location"]
    own_id = int(own_path.rsplit("/", 1)[-1])
    index = client.get("/")
    assert (
        index.status_code == 200
        and "http://a.example/" in index.text
        and "http://b.example/" not in index.text
    )
    assert "Log out" in index.text
    assert client.get(own_path).status_code == 200
    assert client.get(f"/plans/{theirs['id']}").status_code == 404
    # What the plan page's script and links fetch, with the cookie instead of a header.
    assert client.get(f"/api/v1/plans/{own_id}").status_code == 200
    assert client.get(f"/api/v1/plans/{theirs['id']}").status_code == 404

    token = client.cookies.get("planwright_session")
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.set("planwright_session", token)  # a copied cookie is dead too: the session is gone
    assert client.get("/api/v1/plans").status_code == 401
    client.cookies.clear()


def test_a_stale_key_sends_the_person_back_to_log_in(client: TestClient, keys_required: None) -> None:
    client.cookies.set("planwright_session", "pws_unknown")
    response = client.get("/", follow_redirects=False)
    client.cookies.clear()
    assert response.status_code == 303 and response.headers["location"].startswith("/login?reason=")
    page = client.get(response.headers["location"])
    assert "session has ended" in page.text


def create_team_key(name: str, api_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`planwright team create NAME`, as an administrator runs it, against the suite's database."""
    return subprocess.run(
        [sys.executable, "-m", "planwright.cli", "team", "create", name],
        env={**os.environ, **api_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_team_command_prints_a_key_that_works(client: TestClient, api_env: dict[str, str]) -> None:
    result = create_team_key("cli-team", api_env)
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("pw_") and "created team 'cli-team'" in result.stdout
    assert client.get("/api/v1/plans", headers={"X-API-Key": key}).status_code == 200
    again = create_team_key("cli-team", api_env)
    assert "existing team 'cli-team'" in again.stdout and again.stdout.strip().splitlines()[-1] != key


def test_revoking_a_key_ends_its_web_sessions_and_its_api_use(
    client: TestClient, api_env: dict[str, str], keys_required: None
) -> None:
    with session_scope(api_env["DATABASE_URL"]) as session:
        team = create_team(session, name="revoke-team")
        key = create_api_key(session, team=team, name="laptop")
        spare = create_api_key(session, team=team, name="ci")
        stranger = create_api_key(session, team=create_team(session, name="revoke-stranger"))
    assert client.post("/login", data={"api_key": key}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/plans").status_code == 200
    listed = client.get("/api/v1/keys", headers={"X-API-Key": spare}).json()
    assert [(k["name"], k["state"]) for k in listed] == [("laptop", "active"), ("ci", "active")]
    assert all("key" not in k and "key_hash" not in k for k in listed)
    assert listed[0]["last_used_at"] is not None  # the web login used it
    laptop_id = listed[0]["id"]
    # Another team cannot see or revoke it: 404, as for a key that does not exist.
    assert client.delete(f"/api/v1/keys/{laptop_id}", headers={"X-API-Key": stranger}).status_code == 404
    assert client.get("/api/v1/plans").status_code == 200
    assert client.delete(f"/api/v1/keys/{laptop_id}", headers={"X-API-Key": spare}).status_code == 204
    assert client.get("/api/v1/plans").status_code == 401  # the web session ended with the key
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get("/api/v1/plans", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/v1/plans", headers={"X-API-Key": spare}).status_code == 200
    states = {k["name"]: k["state"] for k in client.get("/api/v1/keys", headers={"X-API-Key": spare}).json()}
    assert states == {"laptop": "revoked", "ci": "active"}


def test_an_expired_key_stops_working(client: TestClient, api_env: dict[str, str], keys_required: None) -> None:
    from datetime import UTC, datetime, timedelta

    with session_scope(api_env["DATABASE_URL"]) as session:
        team = create_team(session, name="expiry-team")
        old = create_api_key(session, team=team, name="old", expires_at=datetime.now(UTC) - timedelta(seconds=1))
        new = create_api_key(session, team=team, name="new")
    assert client.get("/api/v1/plans", headers={"X-API-Key": old}).status_code == 401
    made = client.post("/api/v1/keys", json={"name": "short", "expires_in_days": 1}, headers={"X-API-Key": new})
    assert made.status_code == 201 and made.json()["key"].startswith("pw_") and made.json()["expires_at"]
    assert client.get("/api/v1/plans", headers={"X-API-Key": made.json()["key"]}).status_code == 200
    states = {k["name"]: k["state"] for k in client.get("/api/v1/keys", headers={"X-API-Key": new}).json()}
    assert states == {"old": "expired", "new": "active", "short": "active"}
    assert client.post("/api/v1/keys", json={"name": "x", "expires_in_days": 0}, headers={"X-API-Key": new}).status_code == 422


def test_team_commands_list_and_revoke_keys(client: TestClient, api_env: dict[str, str]) -> None:
    key = create_team_key("cli-keys-team", api_env).stdout.strip().splitlines()[-1]
    listing = team_command(["keys", "cli-keys-team"], api_env)
    key_id = int(listing.stdout.splitlines()[1].split()[0])
    assert "active" in listing.stdout and key not in listing.stdout
    revoked = team_command(["revoke", "cli-keys-team", str(key_id)], api_env)
    assert "revoked key" in revoked.stdout
    assert "revoked" in team_command(["keys", "cli-keys-team"], api_env).stdout
    assert client.get("/api/v1/plans", headers={"X-API-Key": key}).status_code == 401
    missing = team_command(["revoke", "cli-keys-team", "999999"], api_env, check=False)
    assert missing.returncode == 1 and "has no key" in missing.stderr


def team_command(
    args: list[str], api_env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planwright.cli", "team", *args],
        env={**os.environ, **api_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def test_readiness_detail_only_for_a_caller_with_a_key(
    client: TestClient, api_env: dict[str, str], keys_required: None
) -> None:
    """With keys required, /readyz's verdict is public (a load balancer needs it) but its checks —
    driver errors, hosts, pids — are shown only to a caller with a valid key."""
    with session_scope(api_env["DATABASE_URL"]) as session:
        key = create_api_key(session, team=create_team(session, name="readyz-team"))
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 503  # no model worker in this test
    assert "checks" not in anonymous.json() and anonymous.json()["status"] == "not ready"
    wrong = client.get("/readyz", headers={"X-API-Key": "pw_wrong"})
    assert wrong.status_code == 503 and "checks" not in wrong.json()
    known = client.get("/readyz", headers={"X-API-Key": key})
    assert known.status_code == 503 and known.json()["checks"]["database"]["ok"] is True
