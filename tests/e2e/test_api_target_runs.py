"""Two runs of an api target on real parts: the api, the crawler worker and the model worker as
processes, the real Postgres, Redis and default model, the fixture REST service over real HTTP. The
target is registered over the API with its document uploaded and the service's key; "run now" twice,
with the service broken in between (/health answers a status outside its enum, /colors/… a 500).
Run 2's regression (on the crawler worker, no browser), its diff and its JUnit report show what broke;
prints the cycle's timings."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tests.db import fresh_postgres_database, fresh_redis
from tests.e2e.processes import Services, free_port, wait_ready
from tests.fixture_apps.api.service import API_KEY, SPEC, build_app, serve_api

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RUN_TIMEOUT_S = 300
BROKEN = {"GET /health", "GET /colors/{color}"}


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[str, dict[str, bool]]]:
    app: FastAPI = build_app()
    broken = {"on": False}

    @app.middleware("http")
    async def break_it(request: Any, call_next: Any) -> Any:
        if broken["on"] and request.url.path == "/health":
            return JSONResponse({"status": "degraded"})
        if broken["on"] and request.url.path.startswith("/colors/"):
            return JSONResponse({"detail": "the color table is gone"}, status_code=500)
        return await call_next(request)

    with serve_api(app) as base_url:
        yield base_url, broken


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services]]:
    log_dir = tmp_path_factory.mktemp("api-target-logs")
    env = {
        "DATABASE_URL": fresh_postgres_database("planwright_test_api_target_runs"),
        "REDIS_URL": fresh_redis(12),  # an e2e module's index: modules run one after the other
        "DATA_DIR": str(log_dir / "data"),
        "MODEL_HEARTBEAT_TTL_S": "10",
    }
    services = Services(env=env, log_dir=log_dir)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        services.start("api", port=port)
        services.start("crawler")
        services.start("model_worker")
        wait_ready(base_url, services, timeout=300)
        yield base_url, services
    finally:
        services.stop_all()
        print(services.logs())


def run_and_wait(base_url: str, target_id: int, services: Services) -> dict:
    started = httpx.post(f"{base_url}/api/v1/targets/{target_id}/runs", timeout=60)
    assert started.status_code == 202, started.text
    link = started.json()["links"]["self"]
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        run = httpx.get(f"{base_url}{link}", timeout=60).json()
        if run["status"] in ("done", "failed"):
            return run
        for process in services.running.values():
            assert process.alive(), f"{process.name} died:\n{process.log_tail()}"
        time.sleep(1)
    raise AssertionError(f"the run did not finish in {RUN_TIMEOUT_S} s:\n{services.logs()}")


def test_two_runs_of_an_api_target_show_the_broken_service(
    stack: tuple[str, Services], service: tuple[str, dict[str, bool]]
) -> None:
    base_url, services = stack
    service_url, broken = service
    created = httpx.post(
        f"{base_url}/api/v1/targets",
        json={
            "name": "Fixture shop",
            "kind": "api",
            "url": service_url,
            "cron": "0 2 * * *",
            "openapi": {"document": json.dumps(SPEC), "auth": {"api_key": API_KEY}},
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    target = created.json()
    assert target["kind"] == "api" and API_KEY not in created.text

    timings: dict[str, float] = {}
    started = time.monotonic()
    first = run_and_wait(base_url, target["id"], services)
    timings["run 1 (wall)"] = time.monotonic() - started
    assert first["status"] == "done", first["status_reason"]
    assert first["regression_counts"] is None and first["counts"]["verified"] >= 10
    plan_1 = httpx.get(f"{base_url}/api/v1/plans/{first['plan_id']}", timeout=60).json()
    assert plan_1["kind"] == "api" and plan_1["model_id"], plan_1["status_reason"]  # the titles stage ran

    broken["on"] = True
    started = time.monotonic()
    second = run_and_wait(base_url, target["id"], services)
    timings["run 2 (wall)"] = time.monotonic() - started
    assert second["status"] == "done", second["status_reason"]
    plan_2 = httpx.get(f"{base_url}/api/v1/plans/{second['plan_id']}", timeout=60).json()

    diff = httpx.get(f"{base_url}{second['links']['diff']}", timeout=60).json()
    now_fails = [r for r in diff["regression"] if r["status"] == "now_fails"]
    assert {r["page_url"] for r in now_fails} == BROKEN, diff["regression"]
    assert diff["regression_counts"]["still_passes"] == first["counts"]["verified"] - len(now_fails)
    assert any("(rule: enum)" in r["detail"] for r in now_fails)
    assert any("answered 500" in r["detail"] for r in now_fails)
    assert diff["pages_added"] == diff["pages_gone"] == [] and diff["cases_removed"] == []

    junit = httpx.get(f"{base_url}{second['links']['export.junit.xml']}", timeout=60)
    assert junit.status_code == 200
    suites = {s.get("name"): s for s in ET.fromstring(junit.content).findall("testsuite")}
    assert suites["regression"].get("failures") == str(len(now_fails))
    changes = httpx.get(f"{base_url}{second['links']['export.json']}", timeout=60).json()["changes"]
    assert sum(1 for c in changes if c["section"] == "regression" and c["what"] == "now fails") == len(now_fails)

    for name, plan in (("run 1", plan_1), ("run 2", plan_2)):
        for stage in ("crawl_s", "generate_s", "verify_s"):
            timings[f"{name} {stage.removesuffix('_s')}"] = plan["timings"][stage] or 0.0
    print("api target two-run cycle (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(f"regression: {diff['regression_counts']}; run 1: {plan_1['counts']}, run 2: {plan_2['counts']}")
    print(f"cases changed {len(diff['cases_changed'])} (the model's titles), unchanged {diff['cases_unchanged']}")
