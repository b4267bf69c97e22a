"""Least-privilege database roles (planwright/db/roles.py) on the real Postgres: each service's real
work runs as its own role — the api's routes and reconciler, the crawler's crawl, verify, api-plan and
regression stages, the model worker's generate stage with the real model, the beat's tick, webhooks
and retention — and each role is refused what it must not do (the model worker reading logins or
keys, the crawler touching keys, any of them changing the schema)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlalchemy import select

import planwright.queue
from planwright.db import plans_store
from planwright.db.models import Plan, Target, TargetRun, utcnow
from planwright.db.roles import SERVICES, apply_roles, role_name
from planwright.db.session import session_scope
from planwright.dispatch import dispatch_waiting
from planwright.engine import Engine
from planwright.pipeline import stages
from planwright.pipeline.reconcile import reconcile
from planwright.pipeline.stages.api import execute_stage, read_spec_stage, write_titles_stage
from planwright.settings import get_settings
from planwright.targets.regress_stage import regression_stage
from planwright.targets.retention import apply_retention
from planwright.targets.runs import tick
from planwright.targets.webhook import notify_finished_runs
from tests.db import fresh_postgres_database, fresh_redis
from tests.fixture_apps.api.service import API_KEY, SPEC, serve_api

PREFIX = "pwtest" + re.sub(r"[^a-z0-9_]", "_", os.environ.get("PLANWRIGHT_TEST_DB_SUFFIX", "").lower())


def as_psycopg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def as_role(owner_url: str, service: str) -> str:
    return re.sub(r"://[^@/]+@", f"://{role_name(PREFIX, service)}@", owner_url, count=1)


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    """The owner's URL (migrations ran as it) and one URL per service role."""
    owner = fresh_postgres_database("planwright_test_roles")
    with psycopg.connect(as_psycopg(owner), autocommit=True) as connection:
        assert apply_roles(connection, prefix=PREFIX, passwords={}) == [
            role_name(PREFIX, s) for s in SERVICES
        ]
        apply_roles(connection, prefix=PREFIX, passwords={})  # re-running it is harmless
    yield {"owner": owner, **{service: as_role(owner, service) for service in SERVICES}}
    with psycopg.connect(as_psycopg(owner), autocommit=True) as connection:
        for service in SERVICES:
            connection.execute(f'DROP OWNED BY "{role_name(PREFIX, service)}"')
            connection.execute(f'DROP ROLE "{role_name(PREFIX, service)}"')


REFUSED = {
    "model_worker": [
        "SELECT auth FROM plans",
        "UPDATE plans SET auth = NULL",
        "SELECT key_hash FROM api_keys",
        "SELECT token_hash FROM web_sessions",
        "SELECT auth FROM targets",
        "SELECT webhook_secret FROM targets",
        "SELECT * FROM audit_events",
        "DELETE FROM plans",
    ],
    "crawler": [
        "SELECT key_hash FROM api_keys",
        "UPDATE api_keys SET revoked_at = now()",
        "SELECT token_hash FROM web_sessions",
        "SELECT * FROM teams",
        "SELECT auth FROM targets",
        "SELECT * FROM audit_events",
        "INSERT INTO plans (team_id, url) VALUES (1, 'x')",
        "DELETE FROM plans",
    ],
    "beat": [
        "SELECT key_hash FROM api_keys",
        "SELECT token_hash FROM web_sessions",
        "SELECT * FROM audit_events",
    ],
    "api": [
        "DELETE FROM audit_events",
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM api_keys",
    ],
}
NO_DDL = ["CREATE TABLE planted (id int)", "DROP TABLE plans", "ALTER TABLE plans ADD COLUMN planted int"]


def test_the_command_refuses_to_grant_before_the_migrations() -> None:
    """Grants on a half-made schema would be silently partial: the command says so and fails."""
    owner = fresh_postgres_database("planwright_test_roles_unmigrated")
    with psycopg.connect(as_psycopg(owner), autocommit=True) as connection:
        connection.execute("DROP TABLE audit_events")
    result = subprocess.run(
        [sys.executable, "-m", "planwright.db.roles", "--database-url", owner, "--prefix", PREFIX + "_x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1 and "audit_events do not exist yet" in result.stderr, result.stderr
    with psycopg.connect(as_psycopg(owner), autocommit=True) as connection:
        assert connection.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE %s", [PREFIX + "_x%"]
        ).fetchone() == (0,)


@pytest.mark.parametrize("service", SERVICES)
def test_each_role_is_refused_what_its_service_must_not_do(urls: dict[str, str], service: str) -> None:
    refused = []
    with psycopg.connect(as_psycopg(urls[service]), autocommit=True) as connection:
        for statement in [*REFUSED[service], *NO_DDL]:
            try:
                connection.execute(statement)
            except psycopg.errors.InsufficientPrivilege:  # "permission denied", "must be owner"
                refused.append(statement)
    assert refused == [*REFUSED[service], *NO_DDL]


@pytest.fixture
def api_role_env(urls: dict[str, str]) -> Iterator[dict[str, str]]:
    env = {
        "DATABASE_URL": urls["api"],
        "REDIS_URL": fresh_redis(13),
        "TEAM_MAX_ACTIVE_PLANS": "0",
        "TEAM_MAX_PLANS_PER_HOUR": "0",
        "REQUIRE_API_KEY": "true",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    saved_app = planwright.queue.celery_app
    planwright.queue.celery_app = planwright.queue.make_celery_app()
    yield env
    planwright.queue.celery_app = saved_app
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.mark.model
@pytest.mark.timeout(900)
def test_each_service_does_its_real_work_as_its_own_role(
    urls: dict[str, str], api_role_env: dict[str, str], fixture_site: str, browser: Browser
) -> None:
    from services.api.main import create_app

    settings = get_settings()

    def team_command(*args: str) -> str:
        """`planwright team …` as an administrator runs it in the api's container: as the api's role."""
        return subprocess.run(
            [sys.executable, "-m", "planwright.cli", "team", *args],
            env={**os.environ, "DATABASE_URL": urls["api"]}, capture_output=True, text=True, timeout=120,
            check=True,
        ).stdout  # fmt: skip

    key = team_command("create", "roles", "--key-name", "ci").strip().splitlines()[-1]
    headers = {"X-API-Key": key}
    with TestClient(create_app()) as api, serve_api() as service_url:
        # api: keys, web sessions, plans, targets, the audit log.
        made = api.post("/api/v1/keys", json={"name": "second"}, headers=headers)
        assert made.status_code == 201, made.text
        assert api.delete(f"/api/v1/keys/{made.json()['id']}", headers=headers).status_code == 204
        assert api.post("/login", data={"api_key": key}, follow_redirects=False).status_code == 303
        assert api.get("/").status_code == 200
        assert api.post("/logout", follow_redirects=False).status_code == 303
        api.cookies.clear()
        ui = api.post(
            "/api/v1/plans", json={"url": f"{fixture_site}/", "max_pages": 1, "max_depth": 0}, headers=headers
        )
        assert ui.status_code == 202, ui.text
        ui_id = ui.json()["id"]
        spec = {"document": SPEC, "base_url": service_url, "auth": {"api_key": API_KEY}, "allow_unsafe": True}
        api_plan = api.post("/api/v1/plans", json={"kind": "api", "openapi": spec}, headers=headers)
        assert api_plan.status_code == 202, api_plan.text
        api_id = api_plan.json()["id"]
        target = api.post("/api/v1/targets", json={"name": "t", "url": f"{fixture_site}/"}, headers=headers)
        assert target.status_code == 201, target.text
        target_id = target.json()["id"]
        assert api.post(f"/api/v1/targets/{target_id}/runs", headers=headers).status_code == 202
        assert reconcile(urls["api"], stale_after_s=3600) == []
        assert api.get("/metrics").status_code == 200  # its backlog gauges read plans as the api

        # crawler, model worker, crawler: a ui plan through its stages, each as its service's role.
        assert stages.crawl_stage(urls["crawler"], ui_id, browser=browser, settings=settings)
        dispatch_waiting(urls["crawler"], window=settings.team_dispatch_window)  # after every crawl
        engine = Engine.from_settings(settings)
        engine.start()
        try:
            assert stages.generate_stage(urls["model_worker"], ui_id, generator=engine, max_new_tokens=16)
            assert read_spec_stage(urls["crawler"], api_id, settings=settings)
            assert write_titles_stage(urls["model_worker"], api_id, generator=engine)
        finally:
            engine.stop()
        stages.verify_stage(urls["crawler"], ui_id, browser=browser, settings=settings)
        execute_stage(urls["crawler"], api_id, settings=settings)
        for plan_id in (ui_id, api_id):
            plan = api.get(f"/api/v1/plans/{plan_id}", headers=headers).json()
            assert plan["status"] == "done", plan["status_reason"]
            assert api.get(f"/api/v1/plans/{plan_id}/export.json", headers=headers).status_code == 200

        # beat: the target's first run is done (its cases the ui plan's); the next night's run starts,
        # its regression runs as the crawler, retention then deletes the first run's plan.
        with session_scope(urls["owner"]) as session:
            first = session.scalar(select(TargetRun).where(TargetRun.target_id == target_id))
            done = session.get(Plan, ui_id)
            assert first is not None and first.plan is not None and done is not None
            plans_store.add_cases(session, first.plan, plans_store.plan_export(session, done).cases, start=0)
            first.plan.status, first.plan.finished_at = "done", utcnow()
            row = session.get(Target, target_id)
            assert row is not None
            row.next_run_at = utcnow() - timedelta(minutes=1)
            row.webhook_url = f"{service_url}/hook"
        assert [number for _, number in tick(urls["beat"])] == [2]
        with session_scope(urls["owner"]) as session:
            second = session.scalar(
                select(TargetRun).where(TargetRun.target_id == target_id, TargetRun.number == 2)
            )
            assert second is not None and second.plan_id is not None
            second_plan = second.plan_id
        results = regression_stage(urls["crawler"], second_plan, browser=browser, settings=settings)
        assert results is not None and len(results) > 0
        assert [error is not None for _, _, error in notify_finished_runs(urls["beat"])] == [
            True
        ]  # /hook: 404
        with session_scope(urls["owner"]) as session:
            session.get(Plan, second_plan).status = "done"  # type: ignore[union-attr]
        assert apply_retention(urls["beat"], keep=1) == [first.plan_id]

        # The api reads the log of all that, as its role.
        actions = {event["action"] for event in api.get("/api/v1/audit", headers=headers).json()["data"]}
        assert {"key.created", "key.revoked", "session.started", "plan.created", "plan.exported"} <= actions
        assert api.delete(f"/api/v1/targets/{target_id}", headers=headers).status_code == 204
        assert api.delete(f"/api/v1/plans/{ui_id}", headers=headers).status_code == 204
    assert "plan.deleted" in team_command("audit", "roles") and "ci" in team_command("keys", "roles")
