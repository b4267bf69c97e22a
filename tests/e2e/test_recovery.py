"""Nothing lost: a crawler killed mid-job and a broker that forgets its queue do not drop a plan.

Real processes (api with its reconciler, crawler worker), the real Postgres and Redis. The model
worker is not started: a recovered crawl shows as the plan reaching `generating`.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.db import fresh_postgres_database, fresh_redis
from tests.e2e.processes import Services, free_port, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def api_and_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services]]:
    log_dir = tmp_path_factory.mktemp("recovery-logs")
    env = {
        "DATABASE_URL": fresh_postgres_database("planwright_test_recovery"),
        "REDIS_URL": fresh_redis(13),
        "DATA_DIR": str(log_dir / "data"),
        "PLAN_STALE_AFTER_S": "15",
        "RECONCILE_INTERVAL_S": "1",
        "CRAWL_PAGE_TIMEOUT_S": "10",
    }
    services = Services(env=env, log_dir=log_dir)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        services.start("api", port=port)
        wait_until(lambda: _healthy(base_url), timeout=60, what="api /healthz")
        yield base_url, services
    finally:
        services.stop_all()
        print(services.logs())


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _status(base_url: str, plan_id: int) -> str:
    return str(httpx.get(f"{base_url}/api/v1/plans/{plan_id}", timeout=30).json()["status"])


def test_a_plan_survives_a_killed_crawler_and_a_lost_queue(
    api_and_env: tuple[str, Services], fixture_site: str
) -> None:
    base_url, services = api_and_env
    plan_id = httpx.post(
        f"{base_url}/api/v1/plans", json={"url": f"{fixture_site}/", "max_pages": 2}, timeout=30
    ).json()["id"]

    # The broker loses the job before any worker takes it.
    redis.Redis.from_url(services.env["REDIS_URL"]).flushdb()
    crawler = services.start("crawler")
    wait_until(
        lambda: _status(base_url, plan_id) == "crawling", timeout=120, what="the re-queued crawl to start"
    )

    # The crawler dies mid-crawl, without a chance to hand the job back.
    os.killpg(crawler.process.pid, signal.SIGKILL)
    crawler.process.wait(10)
    assert _status(base_url, plan_id) == "crawling"
    started = time.monotonic()
    services.start("crawler")
    wait_until(
        lambda: _status(base_url, plan_id) in ("generating", "failed"),
        timeout=240,
        what="the crawl to be recovered",
    )
    plan = httpx.get(f"{base_url}/api/v1/plans/{plan_id}", timeout=30).json()
    assert plan["status"] == "generating", plan["status_reason"]
    assert plan["pages"] and time.monotonic() - started < 240
