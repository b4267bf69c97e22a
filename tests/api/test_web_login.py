"""With REQUIRE_API_KEY=true the web pages ask for the team's API key, keep it in an HttpOnly cookie,
and show that team's plans only; the plan page's live-progress and export requests work with it."""

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
    assert wrong.status_code == 401 and "Unknown API key." in wrong.text
    assert "planwright_api_key" not in wrong.headers.get("set-cookie", "")

    ok = client.post("/login", data={"api_key": key_a}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"]
    assert (
        "planwright_api_key=" in cookie
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

    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_stale_key_sends_the_person_back_to_log_in(client: TestClient, keys_required: None) -> None:
    client.cookies.set("planwright_api_key", "pw_revoked")
    response = client.get("/", follow_redirects=False)
    client.cookies.clear()
    assert response.status_code == 303 and response.headers["location"].startswith("/login?reason=")
    page = client.get(response.headers["location"])
    assert "no longer valid" in page.text


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
