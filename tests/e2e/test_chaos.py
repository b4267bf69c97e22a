"""Chaos: real processes, real faults, nothing lost and nothing done twice.

api (with its reconciler), a crawler and the model worker (the real default model) as processes, the
real Postgres, and a redis-server of this module's own (flushing it touches nobody else). Faults:
kill -9 of the crawler mid-crawl and of the model worker mid-batch, FLUSHALL with plans queued and
running, pg_terminate_backend of every connection to this test's own database mid-run, a backlog of
50 plans with one crawler and a short stale time, and a burst of 500 posts across 3 teams.

Short timings make a lost worker show within seconds: leases of 6 s, a reconciler round every 1 s, a
lost job re-sent after 3 s. Plans are one small page of the fixture site. Every plan accepted is
counted; at the end the module prints submitted / lost / duplicated, recovery times and the p99.
"""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
import redis
from sqlalchemy import func, select

from planwright.db.models import Generation, Page, Plan, TestCase
from planwright.db.session import session_scope
from planwright.queue import plan_ids_in_broker
from planwright.teams import create_api_key, create_team
from tests.db import fresh_postgres_database, own_redis_server
from tests.e2e.processes import Services, free_port, wait_ready, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.model, pytest.mark.chaos]

PLAN_TIMEOUT_S = 240
LEASE_TTL_S = 6


@dataclass
class Tally:
    """What the whole group did, for the note (issue 12)."""

    submitted: int = 0
    lost: int = 0
    duplicated: int = 0
    recovery_s: dict[str, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


TALLY = Tally()


@dataclass
class Stack:
    base_url: str
    services: Services
    database_url: str
    redis_url: str
    site: str

    def need(self, name: str) -> None:
        """Start a worker the first time a test needs it (the burst runs on the api alone, so that no
        plan finishes, and frees, a team's slot while it is counted)."""
        if name not in self.services.running:
            self.services.start(name)
        if name == "model_worker":
            wait_ready(self.base_url, self.services, timeout=240)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fixture_site: str) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("chaos")
    with own_redis_server(root / "redis") as redis_url:
        database_url = fresh_postgres_database("planwright_test_chaos")
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DATA_DIR": str(root / "data"),
            "PLAN_LEASE_TTL_S": str(LEASE_TTL_S),
            "RECONCILE_INTERVAL_S": "1",
            "PLAN_STALE_AFTER_S": "3",
            "MODEL_HEARTBEAT_TTL_S": "6",
            "EDGE_CASES": "false",
            "MODEL_MAX_NEW_TOKENS": "24",
            "CRAWL_PAGE_TIMEOUT_S": "10",
            "CRAWL_TOTAL_TIMEOUT_S": "60",
            "TEAM_MAX_ACTIVE_PLANS": "60",
            "TEAM_MAX_PLANS_PER_HOUR": "0",
            "TEAM_DISPATCH_WINDOW": "100",  # the backlog test wants every plan in the broker at once
        }
        services = Services(env=env, log_dir=root)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        try:
            services.start("api", port=port)
            wait_until(lambda: _answers(base_url), timeout=120, what="the api")
            stack = Stack(base_url, services, database_url, redis_url, fixture_site)
            yield stack
            stack.need("crawler")  # whatever jobs are left (of deleted plans) are skipped, not kept
            stack.need("model_worker")
            client = redis.Redis.from_url(redis_url)
            wait_until(
                lambda: client.llen("crawl") == 0 and client.llen("generate") == 0,
                timeout=120,
                what="the queues to drain",
            )
        finally:
            services.stop_all()
            print(services.logs())
            print(
                f"\nCHAOS TALLY: submitted {TALLY.submitted}, lost {TALLY.lost}, duplicated {TALLY.duplicated}; "
                f"recovery {TALLY.recovery_s}\n" + "\n".join(TALLY.lines),
                flush=True,
            )


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# ---------------------------------------------------------------- helpers


def submit(
    stack: Stack, *, path: str = "/about", headers: dict[str, str] | None = None, verify: bool = True
) -> int:
    response = httpx.post(
        f"{stack.base_url}/api/v1/plans",
        json={"url": f"{stack.site}{path}", "max_pages": 1, "max_depth": 0, "verify": verify},
        headers=headers or {},
        timeout=60,
    )
    assert response.status_code == 202, response.text
    TALLY.submitted += 1
    return int(response.json()["id"])


def plan_row(stack: Stack, plan_id: int) -> Plan:
    with session_scope(stack.database_url) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        session.expunge(plan)
        return plan


def wait_for(stack: Stack, plan_id: int, predicate, what: str, timeout: float = PLAN_TIMEOUT_S) -> Plan:  # type: ignore[no-untyped-def]
    found: list[Plan] = []

    def check() -> bool:
        plan = plan_row(stack, plan_id)
        found[:] = [plan]
        return bool(predicate(plan))

    try:
        wait_until(check, timeout=timeout, interval=0.1, what=f"plan {plan_id}: {what}")
    except TimeoutError:
        raise AssertionError(
            f"{what}: plan {plan_id} is {found[0].status} ({found[0].stage})\n{stack.services.logs()}"
        ) from None
    return found[0]


def finished(stack: Stack, plan_id: int) -> Plan:
    plan = wait_for(stack, plan_id, lambda p: p.status in ("done", "failed"), "to finish")
    if plan.status not in ("done", "failed"):
        TALLY.lost += 1
    return plan


def assert_no_duplicates(stack: Stack, plan_id: int) -> None:
    """One copy of every page, case and generation-log row, however often a stage ran."""
    with session_scope(stack.database_url) as session:
        pages = session.scalars(select(Page.url).where(Page.plan_id == plan_id)).all()
        cases = session.execute(
            select(TestCase.page_url, TestCase.title, TestCase.position).where(TestCase.plan_id == plan_id)
        ).all()
        requests = session.scalars(select(Generation.request_id).where(Generation.plan_id == plan_id)).all()
    duplicated = (len(pages) - len(set(pages))) + (len(cases) - len({c.position for c in cases}))
    duplicated += len(requests) - len(set(requests))
    TALLY.duplicated += duplicated
    assert pages and cases and duplicated == 0, (pages, cases, requests)


def kill(stack: Stack, name: str) -> None:
    service = stack.services.running[name]
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(10)


def ready_status(stack: Stack) -> int:
    return httpx.get(f"{stack.base_url}/readyz", timeout=10).status_code


def new_team(stack: Stack) -> dict[str, str]:
    with session_scope(stack.database_url) as session:
        team = create_team(session, name=f"chaos-{uuid.uuid4().hex[:8]}")
        return {"X-API-Key": create_api_key(session, team=team)}


# ---------------------------------------------------------------- faults


def test_a_burst_of_posts_is_accepted_or_refused_never_lost(stack: Stack) -> None:
    teams = [new_team(stack) for _ in range(3)]
    latencies: list[float] = []
    outcomes: dict[int, list[int]] = {i: [] for i in range(3)}
    lock = threading.Lock()

    def post(n: int) -> None:
        team = n % 3
        started = time.perf_counter()
        response = httpx.post(
            f"{stack.base_url}/api/v1/plans",
            json={"url": f"{stack.site}/about?n={n}", "max_pages": 1, "max_depth": 0, "verify": False},
            headers=teams[team],
            timeout=60,
        )
        elapsed = time.perf_counter() - started
        assert response.status_code in (202, 429), response.text
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) > 0
        with lock:
            latencies.append(elapsed)
            outcomes[team].append(response.json()["id"] if response.status_code == 202 else -1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(post, range(500)))
    accepted = [plan_id for ids in outcomes.values() for plan_id in ids if plan_id > 0]
    TALLY.submitted += len(accepted)
    p99 = statistics.quantiles(latencies, n=100)[98]
    with session_scope(stack.database_url) as session:
        stored = set(session.scalars(select(Plan.id).where(Plan.id.in_(accepted))).all())
        per_team = session.execute(
            select(Plan.team_id, func.count()).where(Plan.id.in_(accepted)).group_by(Plan.team_id)
        ).all()
    lost = len(set(accepted) - stored)
    TALLY.lost += lost
    assert lost == 0 and len(accepted) == len(set(accepted))
    assert all(count == 60 for _, count in per_team), per_team  # each team up to its limit, no further
    TALLY.lines.append(
        f"burst: 500 posts across 3 teams, {len(accepted)} accepted, {500 - len(accepted)} refused with 429, "
        f"0 lost; api p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )
    print(TALLY.lines[-1])
    for team, ids in outcomes.items():  # DELETE takes them away (the crawler skips their jobs)
        for plan_id in (i for i in ids if i > 0):
            deleted = httpx.delete(f"{stack.base_url}/api/v1/plans/{plan_id}", headers=teams[team], timeout=30)
            assert deleted.status_code == 204


def test_a_backlog_waits_without_being_requeued(stack: Stack) -> None:
    """Before: a plan that waited longer than PLAN_STALE_AFTER_S was re-queued, and failed after three."""
    stack.need("crawler")  # one crawler, and no model worker: crawled plans wait for it too
    plan_ids = [submit(stack) for _ in range(50)]
    time.sleep(4 * LEASE_TTL_S)  # many reconciler rounds, far past the stale time, while most wait
    with session_scope(stack.database_url) as session:
        rows = session.execute(
            select(Plan.id, Plan.status, Plan.attempts, Plan.notes, Plan.sent_at).where(Plan.id.in_(plan_ids))
        ).all()
    waiting = [row for row in rows if row.status == "queued"]
    assert len(waiting) >= 25, "the backlog drained too fast to show anything"
    assert all(row.attempts == 0 and row.notes == [] and row.status != "failed" for row in rows), [
        (row.id, row.status, row.notes) for row in rows if row.attempts or row.notes or row.status == "failed"
    ]
    in_broker = plan_ids_in_broker(redis.Redis.from_url(stack.redis_url))
    assert {row.id for row in waiting} <= in_broker  # every waiting plan's job is there, once sent
    done = [row.id for row in rows if row.status != "queued"]
    TALLY.lines.append(
        f"backlog: after {4 * LEASE_TTL_S} s, {len(waiting)} of 50 still queued, none re-queued"
    )
    for plan_id in plan_ids:  # DELETE takes the rest away (the crawler skips their jobs)
        assert httpx.delete(f"{stack.base_url}/api/v1/plans/{plan_id}", timeout=30).status_code == 204
    TALLY.lines.append(f"backlog: {len(done)} were in work or done when deleted")


def test_crawler_killed_mid_crawl(stack: Stack) -> None:
    stack.need("crawler")
    stack.need("model_worker")
    plan_id = submit(stack)
    wait_for(stack, plan_id, lambda p: p.status == "crawling" and p.attempt_token, "to be crawling", 120)
    kill(stack, "crawler")
    killed = time.monotonic()
    stack.services.start("crawler")
    replaced = time.monotonic()
    back = wait_for(stack, plan_id, lambda p: p.attempts >= 1 and p.attempt_token, "to be back in work", 90)
    TALLY.recovery_s["crawler kill -9 → back in work"] = round(time.monotonic() - killed, 1)
    assert time.monotonic() - replaced <= 60
    assert any("crawler lost while crawling" in note for note in back.notes), back.notes
    plan = finished(stack, plan_id)
    assert plan.status == "done", plan.status_reason
    assert_no_duplicates(stack, plan_id)
    page = httpx.get(f"{stack.base_url}/plans/{plan_id}", timeout=30).text
    assert "crawler lost while crawling" in page  # the plan page says what happened


def test_model_worker_killed_mid_batch(stack: Stack) -> None:
    plan_id = submit(stack)
    wait_for(
        stack,
        plan_id,
        lambda p: p.status == "generating" and p.attempt_token and p.progress_total > 0,
        "to be generating",
        120,
    )
    kill(stack, "model_worker")
    killed = time.monotonic()
    assert ready_status(stack) == 503  # a dead worker is never reported ready
    stack.services.start("model_worker")
    wait_until(lambda: ready_status(stack) == 200, timeout=180, what="the replacement model worker")
    replaced = time.monotonic()
    back = wait_for(stack, plan_id, lambda p: p.attempts >= 1 and p.attempt_token, "to be back in work", 90)
    TALLY.recovery_s["model worker kill -9 → back in work"] = round(time.monotonic() - killed, 1)
    assert time.monotonic() - replaced <= 60
    assert any("model worker lost while generating" in note for note in back.notes), back.notes
    plan = finished(stack, plan_id)
    assert plan.status == "done", plan.status_reason
    assert_no_duplicates(stack, plan_id)


def test_redis_flushed_with_plans_queued_and_running(stack: Stack) -> None:
    plan_ids = [submit(stack) for _ in range(3)]
    wait_for(stack, plan_ids[0], lambda p: p.attempt_token is not None, "to be running", 120)
    queued = sum(plan_row(stack, i).status == "queued" for i in plan_ids)
    redis.Redis.from_url(stack.redis_url).flushall()
    flushed = time.monotonic()
    for plan_id in plan_ids:
        plan = finished(stack, plan_id)
        assert plan.status == "done", plan.status_reason
        assert_no_duplicates(stack, plan_id)
    TALLY.recovery_s["FLUSHALL → all 3 done"] = round(time.monotonic() - flushed, 1)
    TALLY.lines.append(f"flush: {queued} of 3 plans were still queued when Redis was flushed")


def test_postgres_connections_killed_mid_run(stack: Stack) -> None:
    plan_ids = [submit(stack) for _ in range(2)]
    wait_for(stack, plan_ids[0], lambda p: p.attempt_token is not None, "to be running", 120)
    database = stack.database_url.rsplit("/", 1)[1]
    killed = 0
    for _ in range(3):
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True
        ) as connection:
            rows = connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            killed += len(rows)
        time.sleep(1.5)
    started = time.monotonic()
    for plan_id in plan_ids:
        plan = finished(stack, plan_id)
        assert plan.status == "done" or (plan.status == "failed" and plan.status_reason), plan.status_reason
        if plan.status == "done":
            assert_no_duplicates(stack, plan_id)
        TALLY.lines.append(
            f"pg_terminate_backend: plan {plan_id} ended {plan.status} {plan.status_reason or ''}"
        )
    TALLY.recovery_s["pg_terminate_backend ×3 → plans finished"] = round(time.monotonic() - started, 1)
    assert killed > 0
    assert all(service.alive() for service in stack.services.running.values())


def test_tally_is_clean(stack: Stack) -> None:
    assert TALLY.lost == 0 and TALLY.duplicated == 0, TALLY
