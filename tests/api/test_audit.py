"""The audit log: each create, change, delete, export and login of a team's things leaves one row
naming the key (id and name) or web session and the address, in the action's own transaction; a team
reads only its own rows, a bounded page at a time; no key, session token or login value is in it."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient

from planwright.db.models import Plan, TestCase
from planwright.db.session import session_scope
from planwright.teams import create_api_key, create_team


def new_team(api_env: dict[str, str], name: str, key_name: str = "ci") -> str:
    with session_scope(api_env["DATABASE_URL"]) as session:
        return create_api_key(session, team=create_team(session, name=name), name=key_name)


def audit(client: TestClient, key: str, **params: object) -> dict:
    response = client.get("/api/v1/audit", headers={"X-API-Key": key}, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_action_leaves_one_row_naming_the_key_and_address(
    client: TestClient, api_env: dict[str, str]
) -> None:
    key = new_team(api_env, "audit-a", key_name="ci-bot")
    other = new_team(api_env, "audit-b")
    headers = {"X-API-Key": key}
    password = "s3cret-login-value"
    plan = client.post(
        "/api/v1/plans",
        json={
            "url": "http://user:pw@a.example/app?token=abc#x",
            "auth": {"login": {"url": "http://a.example/login", "username": "u", "password": password}},
        },
        headers=headers,
    ).json()
    with session_scope(api_env["DATABASE_URL"]) as session:
        row = session.get(Plan, plan["id"])
        assert row is not None
        row.status = "done"
        session.add(
            TestCase(plan_id=plan["id"], page_url="http://a.example/", title="Open", steps=[], expected=[])
        )
    assert client.get(f"/api/v1/plans/{plan['id']}/export.json", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/plans/{plan['id']}", headers=headers).status_code == 204
    target = client.post(
        "/api/v1/targets", json={"name": "nightly", "url": "http://a.example/"}, headers=headers
    ).json()
    assert (
        client.patch(f"/api/v1/targets/{target['id']}", json={"paused": True}, headers=headers).status_code
        == 200
    )
    assert client.delete(f"/api/v1/targets/{target['id']}", headers=headers).status_code == 204
    made = client.post("/api/v1/keys", json={"name": "second"}, headers=headers).json()
    assert client.delete(f"/api/v1/keys/{made['id']}", headers=headers).status_code == 204
    client.get("/api/v1/plans", headers=headers)  # reads are not audited

    page = audit(client, key)
    actions = [event["action"] for event in reversed(page["data"])]
    assert actions == [
        "plan.created",
        "plan.exported",
        "plan.deleted",
        "target.created",
        "target.updated",
        "target.deleted",
        "key.created",
        "key.revoked",
    ]
    assert page["total"] == 8
    by_action = {event["action"]: event for event in page["data"]}
    own_key_id = by_action["plan.created"]["key_id"]
    assert all(event["key_id"] == own_key_id and event["key_name"] == "ci-bot" for event in page["data"])
    assert all(event["actor"] == "api_key" and event["address"] == "testclient" for event in page["data"])
    assert by_action["plan.created"]["subject_id"] == plan["id"]  # set in the plan's own commit
    assert (
        by_action["plan.created"]["detail"]["url"] == "http://a.example/app"
    )  # no userinfo, query, fragment
    assert by_action["plan.exported"]["detail"] == {"format": "json"}
    assert by_action["target.updated"]["detail"] == {"fields": "paused"}
    assert by_action["key.created"]["subject_id"] == made["id"]
    text = client.get("/api/v1/audit", headers=headers).text
    for secret in (key, made["key"], password, "token=abc", "pw@"):
        assert secret not in text

    # Another team sees none of it, and its own actions only.
    assert audit(client, other) == {"data": [], "total": 0, "offset": 0, "limit": 50}
    assert client.get("/api/v1/audit").status_code == 200  # keys off: the default team's, not theirs
    assert all(e["key_id"] != own_key_id for e in client.get("/api/v1/audit").json()["data"])


def test_a_refused_action_leaves_no_row(client: TestClient, api_env: dict[str, str]) -> None:
    """A plan the network policy refuses, a missing plan's or key's delete: nothing happened, no row."""
    key = new_team(api_env, "audit-refused")
    headers = {"X-API-Key": key}
    assert (
        client.post("/api/v1/plans", json={"url": "http://169.254.169.254/"}, headers=headers).status_code
        == 422
    )
    assert client.delete("/api/v1/plans/2000000000", headers=headers).status_code == 404
    assert client.delete("/api/v1/keys/2000000000", headers=headers).status_code == 404
    assert audit(client, key)["total"] == 0


def test_pages_are_bounded_and_filtered(client: TestClient, api_env: dict[str, str]) -> None:
    key = new_team(api_env, "audit-paged")
    headers = {"X-API-Key": key}
    ids = [
        client.post("/api/v1/plans", json={"url": f"http://p{n}.example/"}, headers=headers).json()["id"]
        for n in range(5)
    ]
    client.delete(f"/api/v1/plans/{ids[0]}", headers=headers)
    first = audit(client, key, limit=2)
    second = audit(client, key, limit=2, offset=2)
    assert first["total"] == 6 and len(first["data"]) == 2 and len(second["data"]) == 2
    assert first["data"][0]["action"] == "plan.deleted"  # newest first
    assert {e["id"] for e in first["data"]}.isdisjoint(e["id"] for e in second["data"])
    assert [e["subject_id"] for e in audit(client, key, action="plan.deleted")["data"]] == [ids[0]]
    assert client.get("/api/v1/audit", params={"limit": 201}, headers=headers).status_code == 422
    assert client.get("/api/v1/audit", params={"action": "<script>"}, headers=headers).status_code == 422


def test_web_logins_and_form_plans_name_the_session(client: TestClient, api_env: dict[str, str]) -> None:
    key = new_team(api_env, "audit-web", key_name="alice's key")
    client.cookies.clear()
    assert client.post("/login", data={"api_key": key}, follow_redirects=False).status_code == 303
    created = client.post("/plans", data={"url": "http://web.example/"}, follow_redirects=False)
    assert created.status_code == 303
    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    events = list(reversed(audit(client, key)["data"]))
    assert [e["action"] for e in events] == ["session.started", "plan.created", "session.ended"]
    assert all(e["actor"] == "web_session" and e["key_name"] == "alice's key" for e in events)
    assert events[1]["subject_id"] == int(created.headers["location"].rsplit("/", 1)[-1])


def test_the_target_pages_record_as_the_web_session(client: TestClient, api_env: dict[str, str]) -> None:
    key = new_team(api_env, "audit-web-targets", key_name="bob")
    client.cookies.clear()
    assert client.post("/login", data={"api_key": key}, follow_redirects=False).status_code == 303
    made = client.post("/targets", data={"name": "nightly", "url": "http://t.example/"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    target_path = made.headers["location"]
    assert client.post(f"{target_path}/pause", follow_redirects=False).status_code == 303
    assert client.post(f"{target_path}/run", follow_redirects=False).status_code == 303
    assert client.post(f"{target_path}/runs/1/pin", follow_redirects=False).status_code == 303
    assert client.post(f"{target_path}/delete", follow_redirects=False).status_code == 303
    client.cookies.clear()
    events = list(reversed(audit(client, key)["data"]))
    assert [e["action"] for e in events] == [
        "session.started", "target.created", "target.updated", "run.created", "run.pinned", "target.deleted",
    ]  # fmt: skip
    target_id = int(target_path.rsplit("/", 1)[-1])
    assert all(e["subject_id"] == target_id for e in events[1:]) and events[3]["detail"]["run"] == 1
    assert all(e["actor"] == "web_session" and e["key_name"] == "bob" for e in events)


def test_the_team_command_records_and_shows_the_log_escaped(
    client: TestClient, api_env: dict[str, str]
) -> None:
    env = {**os.environ, **api_env}

    def team(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "planwright.cli", "team", *args],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip

    key = team("create", "audit-cli", "--key-name", "evil\x1b[2J\u202ename").stdout.strip().splitlines()[-1]
    client.post("/api/v1/plans", json={"url": "http://cli.example/"}, headers={"X-API-Key": key})
    shown = team("audit", "audit-cli").stdout
    assert "key.created" in shown and "plan.created" in shown and "cli" in shown
    assert "\x1b" not in shown and "\u202e" not in shown and "\\u001b[2J\\u202ename" in shown
    assert key not in shown
    assert "1 of 2 rows" in team("audit", "audit-cli", "--limit", "1").stdout
