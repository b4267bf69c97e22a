"""The HTTP API against the real Postgres and Redis (no workers: the queue is inspected directly)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient

from planwright.db.models import Plan, TestCase, utcnow
from planwright.db.session import session_scope
from planwright.teams import create_api_key, create_team


def queued_plan_ids(redis_url: str, queue: str = "crawl") -> list[int]:
    """Plan ids in Celery's Redis list for `queue` (kombu stores each message as JSON, body base64)."""
    client = redis.Redis.from_url(redis_url)
    messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    return [json.loads(base64.b64decode(message["body"]))[0][0] for message in messages]


def test_create_plan_returns_202_stores_row_and_enqueues(client: TestClient, api_env: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/plans", json={"url": "https://shop.example/", "language": "ru", "max_pages": 3}
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued" and body["links"]["self"] == f"/api/v1/plans/{body['id']}"
    assert response.headers["location"] == body["links"]["self"]
    assert body["id"] in queued_plan_ids(api_env["REDIS_URL"])
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, body["id"])
        assert plan is not None and plan.status == "queued" and plan.language == "ru" and plan.max_pages == 3
    read = client.get(body["links"]["self"]).json()
    assert read["progress"] == {"done": 0, "total": 0, "stage": "queued for the crawler"}
    assert read["cases"] == [] and read["counts"]["total"] == 0


def test_generate_plan_alias(client: TestClient) -> None:
    response = client.post("/generate-plan", json={"url": "http://example.com"})
    assert response.status_code == 202 and response.json()["status"] == "queued"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "ftp://example.com/"}, "url: must be an http:// or https:// URL"),
        ({"url": "javascript:alert(1)"}, "url: must be an http:// or https:// URL"),
        ({"url": "http://"}, "url: must name a host"),
        ({}, "url: a ui plan needs the URL of the web application"),
        ({"url": "http://example.com", "language": "de"}, "language: Input should be 'ru' or 'en'"),
        (
            {"url": "http://example.com", "max_pages": 0},
            "max_pages: Input should be greater than or equal to 1",
        ),
        ({"url": "http://example.com", "kind": "api"}, "openapi: an api plan needs its document"),
        ({"url": "http://example.com", "max_pages": 51}, "max_pages: must be at most 50"),
        ({"url": "http://example.com", "max_depth": 6}, "max_depth: must be at most 5"),
    ],
)
def test_bad_input_gets_422_with_a_readable_message(client: TestClient, body: dict, message: str) -> None:
    response = client.post("/api/v1/plans", json=body)
    assert response.status_code == 422
    assert message in response.json()["message"]


def test_malformed_json_gets_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/plans", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON decode error" in response.json()["message"]


def test_list_is_paginated(client: TestClient) -> None:
    for n in range(3):
        assert client.post("/api/v1/plans", json={"url": f"http://example.com/{n}"}).status_code == 202
    page = client.get("/api/v1/plans", params={"limit": 2}).json()
    assert len(page["data"]) == 2 and page["total"] >= 3 and page["limit"] == 2
    rest = client.get("/api/v1/plans", params={"limit": 2, "offset": 2}).json()
    assert {p["id"] for p in page["data"]}.isdisjoint({p["id"] for p in rest["data"]})
    assert client.get("/api/v1/plans", params={"limit": 0}).status_code == 422


def test_teams_never_see_each_others_plans(client: TestClient, api_env: dict[str, str]) -> None:
    with session_scope(api_env["DATABASE_URL"]) as session:
        key = create_api_key(session, team=create_team(session, name="team-b"))
    other = client.post("/api/v1/plans", json={"url": "http://b.example/"}, headers={"X-API-Key": key}).json()
    assert client.get(f"/api/v1/plans/{other['id']}").status_code == 404
    assert other["id"] not in {
        p["id"] for p in client.get("/api/v1/plans", params={"limit": 200}).json()["data"]
    }
    assert client.get(f"/api/v1/plans/{other['id']}", headers={"X-API-Key": key}).status_code == 200
    assert client.get(f"/api/v1/plans/{other['id']}/export.json").status_code == 404
    assert client.get("/api/v1/plans", headers={"X-API-Key": "pw_wrong"}).status_code == 401


def test_exports_wait_for_done_then_download(client: TestClient, api_env: dict[str, str]) -> None:
    plan_id = client.post("/api/v1/plans", json={"url": "http://example.com/"}).json()["id"]
    assert client.get(f"/api/v1/plans/{plan_id}/export.xlsx").status_code == 409
    assert client.get(f"/api/v1/plans/{plan_id}/export.docx").status_code == 404
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.status = "done"
        session.add(
            TestCase(
                plan_id=plan_id,
                page_url="http://example.com/",
                title="Открытие «Контакты»",
                steps=[{"n": 1, "action": "open", "text": "Open", "data": "http://example.com/"}],
                expected=[{"kind": "url", "value": "http://example.com/", "text": "URL"}],
            )
        )
    for fmt, media in [("xlsx", "spreadsheet"), ("pdf", "application/pdf"), ("json", "application/json")]:
        response = client.get(f"/api/v1/plans/{plan_id}/export.{fmt}")
        assert response.status_code == 200, response.text
        assert media in response.headers["content-type"]
        assert f"plan-{plan_id}" in response.headers["content-disposition"]
    assert json.loads(client.get(f"/api/v1/plans/{plan_id}/export.json").content)["cases"][0]["title"] == (
        "Открытие «Контакты»"
    )


def test_web_pages_escape_crawled_and_model_text(client: TestClient, api_env: dict[str, str]) -> None:
    plan_id = client.post("/api/v1/plans", json={"url": "http://example.com/?q=<b>x</b>"}).json()["id"]
    with session_scope(api_env["DATABASE_URL"]) as session:
        session.add(
            TestCase(
                plan_id=plan_id,
                page_url="http://example.com/",
                title="<script>alert(1)</script>",
                steps=[
                    {
                        "n": 1,
                        "action": "open",
                        "text": "<img src=x onerror=alert(2)>",
                        "data": "http://example.com/",
                    }
                ],
                expected=[{"kind": "text", "value": "<i>v</i>", "text": ""}],
            )
        )
    html = client.get(f"/plans/{plan_id}").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<i>v</i>" not in html
    index = client.get("/").text
    assert "<b>x</b>" not in index and "&lt;b&gt;x&lt;/b&gt;" in index


def test_web_form_submits_and_reports_errors(client: TestClient) -> None:
    response = client.post(
        "/plans",
        data={"url": "file:///etc/passwd", "language": "en", "max_pages": "5", "max_depth": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 422 and "must be an http:// or https:// URL" in response.text
    response = client.post(
        "/plans",
        data={
            "url": "http://example.com/",
            "language": "ru",
            "max_pages": "5",
            "max_depth": "1",
            "verify": "1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/plans/")
    assert "queued" in client.get(response.headers["location"]).text


def test_the_page_limit_is_one_number_for_the_form_and_the_api(client: TestClient) -> None:
    """CRAWL_MAX_PAGES_LIMIT (50 by default) bounds the form's input and the API alike; no plan is
    accepted above it and then crawled cut short."""
    index = client.get("/").text
    assert 'name="max_pages" min="1" max="50"' in index and 'name="max_depth" min="0" max="5"' in index
    accepted = client.post("/api/v1/plans", json={"url": "http://example.com/", "max_pages": 50})
    assert accepted.status_code == 202
    response = client.post(
        "/plans",
        data={"url": "http://example.com/", "max_pages": "51", "max_depth": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 422 and "must be at most 50" in response.text


def test_health_and_readiness(client: TestClient, api_env: dict[str, str]) -> None:
    from services.model_worker.heartbeat import Heartbeat

    assert client.get("/healthz").json() == {"status": "ok"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    checks = not_ready.json()["checks"]
    assert checks["database"]["ok"] and checks["redis"]["ok"] and not checks["model_worker"]["ok"]
    heartbeat = Heartbeat(api_env["REDIS_URL"], 30, lambda: {"model_id": "m", "ready_seconds": 1.5})
    heartbeat.start()
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["model_worker"]["workers"][0]["ready_seconds"] == 1.5
    finally:
        heartbeat.stop()


def test_readiness_never_counts_a_dead_worker(client: TestClient, api_env: dict[str, str]) -> None:
    """Before: a kill -9'd model worker's beat was read as ready until its key expired (up to 30 s)."""
    import socket
    import subprocess
    import sys
    import time

    from services.model_worker.heartbeat import HEARTBEAT_PREFIX

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    client_redis = redis.Redis.from_url(api_env["REDIS_URL"])
    beat = {"model_id": "m", "at": time.time(), "ttl_s": 30, "host": socket.gethostname(), "pid": gone.pid}
    stale = {**beat, "host": "elsewhere", "at": time.time() - 25}  # another host's, 25 s without a beat
    client_redis.set(f"{HEARTBEAT_PREFIX}dead", json.dumps(beat), ex=30)
    client_redis.set(f"{HEARTBEAT_PREFIX}stale", json.dumps(stale), ex=30)
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and not response.json()["checks"]["model_worker"]["ok"]
    finally:
        client_redis.delete(f"{HEARTBEAT_PREFIX}dead", f"{HEARTBEAT_PREFIX}stale")


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/plans", "/api/v1/plans/{plan_id}", "/generate-plan", "/readyz"} <= set(paths)


def test_plans_lost_by_the_broker_are_requeued_from_postgres(
    client: TestClient, api_env: dict[str, str]
) -> None:
    from planwright.pipeline.reconcile import reconcile
    from planwright.queue import plan_ids_in_broker

    plan_id = client.post("/api/v1/plans", json={"url": "http://example.com/lost"}).json()["id"]
    redis.Redis.from_url(api_env["REDIS_URL"]).flushdb()  # the broker loses every queued message
    assert plan_id not in queued_plan_ids(api_env["REDIS_URL"])
    client_redis = redis.Redis.from_url(api_env["REDIS_URL"])
    in_broker = lambda: plan_ids_in_broker(client_redis)  # noqa: E731
    assert plan_id not in reconcile(api_env["DATABASE_URL"], stale_after_s=3600, in_broker=in_broker)
    requeued = reconcile(api_env["DATABASE_URL"], stale_after_s=0, in_broker=in_broker)
    assert plan_id in requeued and plan_id in queued_plan_ids(api_env["REDIS_URL"])
    assert plan_id not in reconcile(api_env["DATABASE_URL"], stale_after_s=0, in_broker=in_broker)


def test_a_plan_that_keeps_stalling_fails_with_a_reason(client: TestClient, api_env: dict[str, str]) -> None:
    from planwright.pipeline.reconcile import reconcile

    plan_id = client.post("/api/v1/plans", json={"url": "http://example.com/stuck"}).json()["id"]
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.status, plan.attempts, plan.attempt_token = "crawling", 3, "a-dead-crawler"
        plan.lease_expires_at = utcnow() - timedelta(seconds=1)
    reconcile(api_env["DATABASE_URL"], stale_after_s=0, max_attempts=3)
    plan_json = client.get(f"/api/v1/plans/{plan_id}").json()
    assert plan_json["status"] == "failed" and "Gave up after 3 re-queues" in plan_json["status_reason"]
    assert "crawler lost while crawling; gave up" in plan_json["notes"][-1]


def test_login_secrets_are_kept_but_never_echoed(client: TestClient, api_env: dict[str, str]) -> None:
    auth = {
        "login": {"url": "http://example.com/login", "username": "qa@example.com", "password": "s3cr3t-pw"},
        "headers": {"X-Token": "tok-123"},
    }
    created = client.post("/api/v1/plans", json={"url": "http://example.com/", "auth": auth})
    assert created.status_code == 202
    plan_id = created.json()["id"]
    for text in (
        created.text,
        client.get(f"/api/v1/plans/{plan_id}").text,
        client.get("/api/v1/plans").text,
        client.get(f"/plans/{plan_id}").text,
    ):
        assert "s3cr3t-pw" not in text and "tok-123" not in text
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.auth is not None and plan.auth["login"]["password"] == "s3cr3t-pw"


def test_web_form_takes_a_storage_state_file(client: TestClient, api_env: dict[str, str]) -> None:
    state = {
        "cookies": [{"name": "sid", "value": "abc", "domain": "example.com", "path": "/"}],
        "origins": [],
    }
    response = client.post(
        "/plans",
        data={"url": "http://example.com/", "language": "en", "max_pages": "2", "max_depth": "1"},
        files={"storage_state": ("state.json", json.dumps(state).encode(), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    plan_id = int(response.headers["location"].rsplit("/", 1)[1])
    with session_scope(api_env["DATABASE_URL"]) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None and plan.auth is not None and plan.auth["storage_state"] == state
    bad = client.post(
        "/plans",
        data={"url": "http://example.com/"},
        files={"storage_state": ("state.json", b"not json", "application/json")},
    )
    assert bad.status_code == 422 and "not JSON" in bad.text
